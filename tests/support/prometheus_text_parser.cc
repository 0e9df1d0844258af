#include "tests/support/prometheus_text_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/common/status_macros.h"

namespace trialgate::testing {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads [a-zA-Z_:][a-zA-Z0-9_:]* (metric) or [a-zA-Z_][a-zA-Z0-9_]* (label) from the front of *in.
std::string TakeName(absl::string_view* in, bool metric) {
  size_t n = 0;
  while (n < in->size()) {
    const char c = (*in)[n];
    const bool ok = IsNameStart(c) || (metric && c == ':') || (n > 0 && IsDigit(c));
    if (!ok) break;
    ++n;
  }
  std::string name(in->substr(0, n));
  in->remove_prefix(n);
  return name;
}

// A Go-style float as the format allows: +Inf, -Inf, NaN, or a decimal number.
std::optional<double> ParseValue(absl::string_view text) {
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  const size_t start = i;
  size_t digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < text.size() && IsDigit(text[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  double value = 0;
  const char* first = text.data() + start;
  const auto result = std::from_chars(first, text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return negative ? -value : value;
}

std::string SeriesKey(const std::string& name, const std::map<std::string, std::string>& labels,
                      bool without_le = false) {
  std::string key = name;
  for (const auto& [label, value] : labels) {
    if (without_le && label == "le") continue;
    absl::StrAppend(&key, "\x1f", label, "=", value);
  }
  return key;
}

class Parser {
 public:
  absl::StatusOr<PrometheusScrape> Parse(absl::string_view text) {
    if (!text.empty() && text.back() != '\n') {
      return absl::InvalidArgumentError("the text does not end with a line feed");
    }
    if (!text.empty()) text.remove_suffix(1);
    int number = 0;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      ++number;
      if (absl::Status status = Line(line); !status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", number, " '", line, "': ", status.message()));
      }
    }
    if (absl::Status status = CloseFamily(); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("at the end: ", status.message()));
    }
    return std::move(scrape_);
  }

 private:
  struct HistogramSeries {
    std::vector<std::pair<double, double>> buckets;  // le, count
    std::optional<double> sum;
    std::optional<double> count;
  };

  absl::Status Line(absl::string_view line) {
    if (line.empty()) return absl::OkStatus();
    if (line.find('\r') != absl::string_view::npos) {
      return absl::InvalidArgumentError("carriage return in a line");
    }
    if (line.front() == '#') return Comment(line);
    return Sample(line);
  }

  absl::Status Comment(absl::string_view line) {
    const bool help = absl::StartsWith(line, "# HELP ");
    const bool type = absl::StartsWith(line, "# TYPE ");
    if (!help && !type) return absl::OkStatus();  // a comment
    absl::string_view rest = line.substr(7);
    const std::string name = TakeName(&rest, true);
    if (name.empty()) return absl::InvalidArgumentError("no valid metric name");
    if (!rest.empty() && rest.front() != ' ') {
      return absl::InvalidArgumentError("invalid character in the metric name");
    }
    if (!rest.empty()) rest.remove_prefix(1);
    RETURN_IF_ERROR(EnterFamily(name));
    PrometheusFamily& family = scrape_.families[name];
    if (help) {
      if (!helped_.insert(name).second) return absl::InvalidArgumentError("second HELP");
      for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] != '\\') {
          family.help.push_back(rest[i]);
          continue;
        }
        if (i + 1 >= rest.size()) return absl::InvalidArgumentError("HELP ends in a backslash");
        const char next = rest[++i];
        if (next == '\\') {
          family.help.push_back('\\');
        } else if (next == 'n') {
          family.help.push_back('\n');
        } else {
          return absl::InvalidArgumentError(absl::StrCat("escape \\", std::string(1, next),
                                                         " is not allowed in HELP"));
        }
      }
      return absl::OkStatus();
    }
    if (!family.type.empty()) return absl::InvalidArgumentError("second TYPE");
    if (sampled_.count(name) > 0) return absl::InvalidArgumentError("TYPE after samples");
    static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                 "untyped"};
    if (kTypes.count(std::string(rest)) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown type '", rest, "'"));
    }
    if (rest == "counter" && !absl::EndsWith(name, "_total")) {
      return absl::InvalidArgumentError("a counter's name must end in _total");
    }
    family.type = std::string(rest);
    return absl::OkStatus();
  }

  // The family a sample name belongs to: itself, or a histogram's (summary's) base name.
  absl::StatusOr<std::string> FamilyOf(const std::string& name) const {
    auto typed = [&](const std::string& family) -> std::string {
      auto it = scrape_.families.find(family);
      return it == scrape_.families.end() ? "" : it->second.type;
    };
    if (!typed(name).empty()) return name;
    for (absl::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!absl::EndsWith(name, suffix)) continue;
      const std::string base = name.substr(0, name.size() - suffix.size());
      const std::string type = typed(base);
      if (type == "histogram" || (type == "summary" && suffix != "_bucket")) return base;
    }
    return absl::InvalidArgumentError(absl::StrCat("sample '", name, "' has no TYPE line"));
  }

  absl::Status Sample(absl::string_view line) {
    absl::string_view rest = line;
    PrometheusSample sample;
    sample.name = TakeName(&rest, true);
    if (sample.name.empty()) return absl::InvalidArgumentError("no valid metric name");
    if (!rest.empty() && rest.front() == '{') {
      rest.remove_prefix(1);
      RETURN_IF_ERROR(Labels(&rest, &sample.labels));
    }
    if (rest.empty() || (rest.front() != ' ' && rest.front() != '\t')) {
      return absl::InvalidArgumentError("no blank between the series and its value");
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(rest, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.empty() || fields.size() > 2) {
      return absl::InvalidArgumentError("expected a value and at most a timestamp");
    }
    if (rest.back() == ' ' || rest.back() == '\t') {
      return absl::InvalidArgumentError("trailing blank");
    }
    const std::optional<double> value = ParseValue(fields[0]);
    if (!value) return absl::InvalidArgumentError(absl::StrCat("bad value '", fields[0], "'"));
    sample.value = *value;
    if (fields.size() == 2) {
      absl::string_view timestamp = fields[1];
      if (!timestamp.empty() && timestamp.front() == '-') timestamp.remove_prefix(1);
      if (timestamp.empty() || !std::all_of(timestamp.begin(), timestamp.end(), IsDigit)) {
        return absl::InvalidArgumentError(absl::StrCat("bad timestamp '", fields[1], "'"));
      }
    }
    absl::StatusOr<std::string> family = FamilyOf(sample.name);
    if (!family.ok()) return family.status();
    RETURN_IF_ERROR(EnterFamily(*family));
    sampled_.insert(*family);
    if (!series_.insert(SeriesKey(sample.name, sample.labels)).second) {
      return absl::InvalidArgumentError("the same series twice");
    }
    const std::string& type = scrape_.families[*family].type;
    if (type == "counter" && !(sample.value >= 0)) {
      return absl::InvalidArgumentError("a counter is negative or NaN");
    }
    if (type == "histogram") RETURN_IF_ERROR(HistogramSample(*family, sample));
    scrape_.samples.push_back(std::move(sample));
    return absl::OkStatus();
  }

  absl::Status Labels(absl::string_view* rest, std::map<std::string, std::string>* labels) {
    if (!rest->empty() && rest->front() == '}') {
      rest->remove_prefix(1);
      return absl::OkStatus();
    }
    for (;;) {
      const std::string name = TakeName(rest, false);
      if (name.empty()) return absl::InvalidArgumentError("no valid label name");
      if (absl::StartsWith(name, "__")) return absl::InvalidArgumentError("reserved label name");
      if (rest->size() < 2 || (*rest)[0] != '=' || (*rest)[1] != '"') {
        return absl::InvalidArgumentError(absl::StrCat("label ", name, " lacks =\""));
      }
      rest->remove_prefix(2);
      std::string value;
      bool closed = false;
      while (!rest->empty()) {
        const char c = rest->front();
        rest->remove_prefix(1);
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\n') return absl::InvalidArgumentError("raw line feed in a label value");
        if (c != '\\') {
          value.push_back(c);
          continue;
        }
        if (rest->empty()) return absl::InvalidArgumentError("label value ends in a backslash");
        const char next = rest->front();
        rest->remove_prefix(1);
        if (next == '\\' || next == '"') {
          value.push_back(next);
        } else if (next == 'n') {
          value.push_back('\n');
        } else {
          return absl::InvalidArgumentError(absl::StrCat("escape \\", std::string(1, next),
                                                         " is not allowed in a label value"));
        }
      }
      if (!closed) return absl::InvalidArgumentError("unterminated label value");
      if (!labels->emplace(name, std::move(value)).second) {
        return absl::InvalidArgumentError(absl::StrCat("label ", name, " twice"));
      }
      if (rest->empty()) return absl::InvalidArgumentError("labels not closed");
      const char separator = rest->front();
      rest->remove_prefix(1);
      if (separator == '}') return absl::OkStatus();
      if (separator != ',') return absl::InvalidArgumentError("expected , or } after a label");
    }
  }

  absl::Status HistogramSample(const std::string& family, const PrometheusSample& sample) {
    HistogramSeries& series = histograms_[family][SeriesKey("", sample.labels, true)];
    const std::string suffix = sample.name.substr(family.size());
    if (suffix == "_bucket") {
      auto le = sample.labels.find("le");
      if (le == sample.labels.end()) return absl::InvalidArgumentError("a bucket without le");
      const std::optional<double> bound = ParseValue(le->second);
      if (!bound || std::isnan(*bound)) return absl::InvalidArgumentError("bad le");
      if (series.sum || series.count) {
        return absl::InvalidArgumentError("a bucket after the series' _sum or _count");
      }
      if (!series.buckets.empty()) {
        if (!(*bound > series.buckets.back().first)) {
          return absl::InvalidArgumentError("le not increasing");
        }
        if (sample.value < series.buckets.back().second) {
          return absl::InvalidArgumentError("bucket counts are not cumulative");
        }
      }
      if (!(sample.value >= 0) || sample.value != std::floor(sample.value)) {
        return absl::InvalidArgumentError("a bucket count is not a whole number");
      }
      series.buckets.emplace_back(*bound, sample.value);
      return absl::OkStatus();
    }
    if (sample.labels.count("le") > 0) return absl::InvalidArgumentError("le outside a bucket");
    if (suffix == "_sum") {
      if (series.sum) return absl::InvalidArgumentError("second _sum");
      series.sum = sample.value;
      return absl::OkStatus();
    }
    if (suffix == "_count") {
      if (series.count) return absl::InvalidArgumentError("second _count");
      series.count = sample.value;
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError("a histogram sample must be _bucket, _sum or _count");
  }

  // Ends the group of the family being read when another begins; a family may not come back.
  absl::Status EnterFamily(const std::string& family) {
    if (family == current_) return absl::OkStatus();
    if (closed_.count(family) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("the lines of ", family, " are not one group"));
    }
    RETURN_IF_ERROR(CloseFamily());
    current_ = family;
    return absl::OkStatus();
  }

  absl::Status CloseFamily() {
    if (current_.empty()) return absl::OkStatus();
    closed_.insert(current_);
    for (const auto& [key, series] : histograms_[current_]) {
      const std::string where = absl::StrCat(current_, " series {", key, "}");
      if (series.buckets.empty() || !std::isinf(series.buckets.back().first)) {
        return absl::InvalidArgumentError(absl::StrCat(where, " has no le=\"+Inf\" bucket"));
      }
      if (!series.sum) return absl::InvalidArgumentError(absl::StrCat(where, " has no _sum"));
      if (!series.count) return absl::InvalidArgumentError(absl::StrCat(where, " has no _count"));
      if (*series.count != series.buckets.back().second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": the +Inf bucket differs from _count"));
      }
    }
    current_.clear();
    return absl::OkStatus();
  }

  PrometheusScrape scrape_;
  std::string current_;
  std::set<std::string> closed_;
  std::set<std::string> helped_;
  std::set<std::string> sampled_;
  std::set<std::string> series_;
  std::map<std::string, std::map<std::string, HistogramSeries>> histograms_;
};

}  // namespace

std::optional<double> PrometheusScrape::Value(
    const std::string& name, const std::map<std::string, std::string>& labels) const {
  for (const PrometheusSample& sample : samples) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

double PrometheusScrape::Sum(const std::string& name,
                             const std::map<std::string, std::string>& labels) const {
  double sum = 0;
  for (const PrometheusSample& sample : samples) {
    if (sample.name != name) continue;
    bool match = true;
    for (const auto& [label, value] : labels) {
      auto it = sample.labels.find(label);
      if (it == sample.labels.end() || it->second != value) match = false;
    }
    if (match) sum += sample.value;
  }
  return sum;
}

absl::StatusOr<PrometheusScrape> ParsePrometheusText(absl::string_view text) {
  return Parser().Parse(text);
}

}  // namespace trialgate::testing
