#include "gateway/metrics/text_writer.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace trialgate::metrics {
namespace {

// HELP text: backslash and line feed escaped.
void AppendHelp(absl::string_view text, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

// A label value: backslash, double quote and line feed escaped.
void AppendLabelValue(absl::string_view value, std::string* out) {
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// `name{a="x",b="y"[,le="bound"]} ` with the value still to come; no braces without labels.
void AppendSeries(absl::string_view name, const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, absl::string_view le,
                  std::string* out) {
  out->append(name.data(), name.size());
  if (!label_names.empty() || !le.empty()) {
    out->push_back('{');
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out->push_back(',');
      absl::StrAppend(out, label_names[i], "=\"");
      AppendLabelValue(label_values[i], out);
      out->push_back('"');
    }
    if (!le.empty()) absl::StrAppend(out, label_names.empty() ? "" : ",", "le=\"", le, "\"");
    out->push_back('}');
  }
  out->push_back(' ');
}

void AppendHistogram(const FamilySnapshot& family, const HistogramSample& sample,
                     std::string* out) {
  const std::string bucket = absl::StrCat(family.name, "_bucket");
  for (size_t i = 0; i < sample.snapshot.cumulative.size(); ++i) {
    const std::string le = i < family.bounds.size() ? FormatValue(family.bounds[i]) : "+Inf";
    AppendSeries(bucket, family.label_names, sample.label_values, le, out);
    absl::StrAppend(out, sample.snapshot.cumulative[i], "\n");
  }
  AppendSeries(absl::StrCat(family.name, "_sum"), family.label_names, sample.label_values, "",
               out);
  absl::StrAppend(out, FormatValue(sample.snapshot.sum), "\n");
  AppendSeries(absl::StrCat(family.name, "_count"), family.label_names, sample.label_values, "",
               out);
  absl::StrAppend(out, sample.snapshot.count, "\n");
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string WriteText(const std::vector<FamilySnapshot>& families) {
  std::string out;
  for (const FamilySnapshot& family : families) {
    absl::StrAppend(&out, "# HELP ", family.name, " ");
    AppendHelp(family.help, &out);
    absl::StrAppend(&out, "\n# TYPE ", family.name, " ", TypeName(family.type), "\n");
    for (const CounterSample& sample : family.counters) {
      AppendSeries(family.name, family.label_names, sample.label_values, "", &out);
      absl::StrAppend(&out, sample.value, "\n");
    }
    for (const GaugeSample& sample : family.gauges) {
      AppendSeries(family.name, family.label_names, sample.label_values, "", &out);
      absl::StrAppend(&out, FormatValue(sample.value), "\n");
    }
    for (const HistogramSample& sample : family.histograms) AppendHistogram(family, sample, &out);
  }
  return out;
}

}  // namespace trialgate::metrics
