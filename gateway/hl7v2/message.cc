#include "gateway/hl7v2/message.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace trialgate::hl7v2 {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

// The `n`-th (1-based) piece of `text` split on `separator`; "" when there are fewer.
absl::string_view Piece(absl::string_view text, char separator, int n) {
  if (n < 1) return {};
  size_t start = 0;
  for (int i = 1; i < n; ++i) {
    size_t next = text.find(separator, start);
    if (next == absl::string_view::npos) return {};
    start = next + 1;
  }
  size_t end = text.find(separator, start);
  return text.substr(start, end == absl::string_view::npos ? absl::string_view::npos
                                                           : end - start);
}

bool IsSegmentId(absl::string_view name) {
  if (name.size() != 3) return false;
  for (char c : name) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c)) return false;
  }
  return true;
}

bool IsLineEnd(char c) { return c == '\r' || c == '\n'; }

// Reads MSH-1 and MSH-2 from the start of the MSH segment `line`.
absl::StatusOr<Delimiters> ReadDelimiters(absl::string_view line) {
  if (line.size() < 4) {
    return absl::InvalidArgumentError("MSH ends before MSH-1 (the field separator)");
  }
  Delimiters d;
  d.field = line[3];
  // ASCII punctuation only: splitting UTF-8 text on an ASCII byte keeps every piece UTF-8.
  if (!absl::ascii_ispunct(d.field)) {
    return absl::InvalidArgumentError(
        "MSH-1, the field separator, must be an ASCII punctuation character (usually '|')");
  }
  absl::string_view encoding = line.substr(4);
  encoding = encoding.substr(0, encoding.find(d.field));
  if (encoding.size() != 4 && encoding.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MSH-2 must hold 4 encoding characters (component, repetition, escape, sub-component, "
        "usually ^~\\&) or 5 (with v2.7's truncation character, usually #), not ",
        encoding.size()));
  }
  for (size_t i = 0; i < encoding.size(); ++i) {
    char c = encoding[i];
    if (!absl::ascii_ispunct(c) || c == d.field || encoding.find(c) != i) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MSH-2 character ", i + 1, " must be an ASCII punctuation character different from the "
          "field separator and from the other encoding characters"));
    }
  }
  d.component = encoding[0];
  d.repetition = encoding[1];
  d.escape = encoding[2];
  d.subcomponent = encoding[3];
  if (encoding.size() == 5) d.truncation = encoding[4];
  return d;
}

}  // namespace

bool Segment::IsMshHeader(int field) const {
  return (field == 1 || field == 2) && name_ == "MSH";
}

absl::string_view Segment::RawField(int field) const {
  if (field < 1 || field >= static_cast<int>(fields_.size())) return {};
  return fields_[field];
}

int Segment::RepetitionCount(int field) const {
  absl::string_view raw = RawField(field);
  if (raw.empty()) return 0;
  if (IsMshHeader(field)) return 1;
  int count = 1;
  for (char c : raw) count += c == delimiters_->repetition;
  return count;
}

absl::string_view Segment::Raw(int field, int component, int subcomponent,
                               int repetition) const {
  absl::string_view raw = RawField(field);
  if (IsMshHeader(field)) {
    return repetition == 1 && component <= 1 && subcomponent <= 1 ? raw : absl::string_view();
  }
  if (component < 0 || subcomponent < 0 || (component == 0 && subcomponent != 0)) return {};
  raw = Piece(raw, delimiters_->repetition, repetition);
  if (component == 0) return raw;
  raw = Piece(raw, delimiters_->component, component);
  if (subcomponent == 0) return raw;
  return Piece(raw, delimiters_->subcomponent, subcomponent);
}

std::string Segment::Text(int field, int component, int subcomponent, int repetition,
                          std::vector<std::string>* problems) const {
  absl::string_view raw = Raw(field, component, subcomponent, repetition);
  if (IsMshHeader(field)) return std::string(raw);
  return Unescape(raw, *delimiters_, problems);
}

absl::StatusOr<Message> Message::Parse(std::string text) {
  Message message;
  if (absl::string_view(text).substr(0, kUtf8Bom.size()) == kUtf8Bom) {
    text.erase(0, kUtf8Bom.size());
  }
  message.text_ = std::make_unique<std::string>(std::move(text));
  absl::string_view all = *message.text_;
  size_t start = 0;
  while (start < all.size() && IsLineEnd(all[start])) ++start;
  absl::string_view head = all.substr(start, 3);
  if (head == "FHS" || head == "BHS") {
    return absl::InvalidArgumentError(
        "the message starts with a batch header (FHS or BHS): HL7 batches are not accepted, "
        "send each message on its own");
  }
  if (head != "MSH") {
    return absl::InvalidArgumentError("a message must start with an MSH segment");
  }
  message.segments_.reserve(16);
  int number = 0;
  while (start < all.size()) {
    size_t end = start;
    while (end < all.size() && !IsLineEnd(all[end])) ++end;
    absl::string_view line = all.substr(start, end - start);
    start = end;
    if (start < all.size() && all[start] == '\r') ++start;
    if (start < all.size() && all[start] == '\n') ++start;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    ++number;
    if (number == 1) {
      absl::StatusOr<Delimiters> delimiters = ReadDelimiters(line);
      if (!delimiters.ok()) return delimiters.status();
      message.delimiters_ = std::make_unique<Delimiters>(*delimiters);
    }
    const Delimiters& d = *message.delimiters_;
    absl::string_view name = line.substr(0, line.find(d.field));
    if (!IsSegmentId(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "segment ", number, " does not start with a segment id of three upper-case letters "
          "or digits followed by the field separator (a segment ending inside a field?)"));
    }
    if (name == "MSH" && number > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "segment ", number, " is a second MSH: send one message per frame"));
    }
    std::vector<absl::string_view> fields;
    fields.push_back(name);
    if (number == 1) {
      fields.push_back(line.substr(3, 1));  // MSH-1, the field separator itself
      for (absl::string_view f : absl::StrSplit(line.substr(4), d.field)) fields.push_back(f);
    } else if (line.size() > 3) {
      for (absl::string_view f : absl::StrSplit(line.substr(4), d.field)) fields.push_back(f);
    }
    message.segments_.push_back(Segment(name, std::move(fields), message.delimiters_.get()));
  }
  return message;
}

const Segment* Message::Find(absl::string_view name, int occurrence) const {
  for (const Segment& segment : segments_) {
    if (segment.name() == name && --occurrence == 0) return &segment;
  }
  return nullptr;
}

std::vector<const Segment*> Message::FindAll(absl::string_view name) const {
  std::vector<const Segment*> found;
  for (const Segment& segment : segments_) {
    if (segment.name() == name) found.push_back(&segment);
  }
  return found;
}

std::string Message::Text(absl::string_view segment, int field, int component,
                          int subcomponent, int repetition) const {
  const Segment* found = Find(segment);
  if (found == nullptr) return "";
  return found->Text(field, component, subcomponent, repetition);
}

absl::Status CheckVersion(absl::string_view version) {
  // "2." then a release 3..8, then optionally "." and a sub-release number.
  bool ok = version.size() >= 3 && version[0] == '2' && version[1] == '.' &&
            version[2] >= '3' && version[2] <= '8';
  if (ok && version.size() > 3) {
    absl::string_view sub = version.substr(3);
    ok = sub.size() >= 2 && sub[0] == '.';
    for (char c : sub.substr(1)) ok = ok && absl::ascii_isdigit(c);
  }
  if (ok) return absl::OkStatus();
  if (version.empty()) {
    return absl::InvalidArgumentError("MSH-12 (version id) is empty; the gateway reads 2.3 to 2.8");
  }
  return absl::InvalidArgumentError(absl::StrCat("HL7 version ", QuoteCode(version),
                                            " (MSH-12) is not supported; the gateway reads "
                                            "2.3 to 2.8 (2.3.1, 2.5.1, ... included)"));
}

std::string QuoteCode(absl::string_view text, size_t max) {
  bool printable = text.size() <= max;
  for (char c : text) printable = printable && absl::ascii_isprint(c);
  if (printable) return absl::StrCat("'", text, "'");
  return absl::StrCat("(", text.size(), " bytes that are not a short printable code)");
}

}  // namespace trialgate::hl7v2
