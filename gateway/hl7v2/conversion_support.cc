#include "gateway/hl7v2/conversion_support.h"

#include <openssl/sha.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace trialgate::hl7v2 {

StableId MakeStableId(std::initializer_list<absl::string_view> parts) {
  const std::string text = absl::StrJoin(parts, "\x1f");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  return StableId{
      absl::StrCat("hl7-", hex.substr(0, 40)),
      absl::StrCat("urn:uuid:", hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4),
                   "-", hex.substr(16, 4), "-", hex.substr(20, 12))};
}

std::optional<std::string> DecimalText(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::string sign;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    if (text[0] == '-') sign = "-";
    text.remove_prefix(1);
  }
  size_t dot = text.find('.');
  absl::string_view whole = text.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? absl::string_view() : text.substr(dot + 1);
  for (char c : whole) if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  for (char c : fraction) if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (whole.empty() && fraction.empty()) return std::nullopt;
  while (whole.size() > 1 && whole[0] == '0') whole.remove_prefix(1);
  std::string result = absl::StrCat(sign, whole.empty() ? "0" : whole);
  if (!fraction.empty()) absl::StrAppend(&result, ".", fraction);
  return result;
}

void IssueCollector::Error(Hl7Location location, int code, std::string text) {
  issues_.push_back(
      {ConversionIssue::Severity::kError, std::move(location), code, std::move(text)});
}

void IssueCollector::Warning(Hl7Location location, int code, std::string text) {
  issues_.push_back(
      {ConversionIssue::Severity::kWarning, std::move(location), code, std::move(text)});
}

bool IssueCollector::HasErrorsSince(size_t mark) const {
  for (size_t i = mark; i < issues_.size(); ++i) {
    if (issues_[i].severity == ConversionIssue::Severity::kError) return true;
  }
  return false;
}

std::optional<SubjectIdentifier> ReadSubject(const Segment& pid, int pid_sequence,
                                             absl::string_view fallback_system,
                                             IssueCollector* issues) {
  SubjectIdentifier subject;
  for (int rep = 1; rep <= std::max(1, pid.RepetitionCount(3)); ++rep) {
    subject.value = pid.Text(3, 1, 0, rep);
    if (subject.value.empty()) continue;
    const std::string universal_id = pid.Text(3, 4, 2, rep);
    if (pid.Text(3, 4, 3, rep) == "ISO" && !universal_id.empty()) {
      subject.system = absl::StrCat("urn:oid:", universal_id);
    } else {
      subject.system = pid.Text(3, 4, 1, rep);
    }
    break;
  }
  if (subject.value.empty()) {
    issues->Error(Hl7Location{"PID", pid_sequence, 3, 1}, 101,
                  "PID-3 (patient identifier list) has no identifier");
    return std::nullopt;
  }
  if (subject.system.empty()) subject.system = std::string(fallback_system);
  if (subject.system.empty()) {
    issues->Error(Hl7Location{"PID", pid_sequence, 3, 4}, 101,
                  "PID-3 has no assigning authority (CX-4): the identifier's system is unknown; "
                  "configure it for this sender (mllp.senders[].patientIdentifierSystem; "
                  "hl7 convert --patient-id-system)");
    return std::nullopt;
  }
  return subject;
}

Hl7Code ReadCode(const Segment& segment, int field, int first_component) {
  return Hl7Code{segment.Text(field, first_component), segment.Text(field, first_component + 1),
                 segment.Text(field, first_component + 2)};
}

void WriteCoding(JsonWriter& w, absl::string_view system, absl::string_view code,
                 absl::string_view display) {
  w.StartObject();
  w.Key("system");
  w.String(system.data(), system.size());
  w.Key("code");
  w.String(code.data(), code.size());
  if (!display.empty()) {
    w.Key("display");
    w.String(display.data(), display.size());
  }
  w.EndObject();
}

void WriteIdentifier(JsonWriter& w, const SubjectIdentifier& subject) {
  w.StartObject();
  w.Key("system");
  w.String(subject.system.c_str());
  w.Key("value");
  w.String(subject.value.c_str());
  w.EndObject();
}

void WriteSubject(JsonWriter& w, const SubjectIdentifier& subject) {
  w.StartObject();
  w.Key("identifier");
  WriteIdentifier(w, subject);
  w.EndObject();
}

TransactionBundleWriter::TransactionBundleWriter() : writer_(buffer_) {
  writer_.StartObject();
  writer_.Key("resourceType");
  writer_.String("Bundle");
  writer_.Key("type");
  writer_.String("transaction");
}

JsonWriter& TransactionBundleWriter::BeginEntry(const StableId& id,
                                                absl::string_view resource_type,
                                                Hl7Location from) {
  if (!entries_open_) {
    writer_.Key("entry");
    writer_.StartArray();
    entries_open_ = true;
  }
  ids_.insert(id.id);
  locations_.push_back(std::move(from));
  open_request_url_ = absl::StrCat(resource_type, "/", id.id);
  writer_.StartObject();
  writer_.Key("fullUrl");
  writer_.String(id.full_url.c_str());
  writer_.Key("resource");
  writer_.StartObject();
  writer_.Key("resourceType");
  writer_.String(resource_type.data(), resource_type.size());
  writer_.Key("id");
  writer_.String(id.id.c_str());
  return writer_;
}

void TransactionBundleWriter::EndEntry() {
  writer_.EndObject();  // resource
  writer_.Key("request");
  writer_.StartObject();
  writer_.Key("method");
  writer_.String("PUT");
  writer_.Key("url");
  writer_.String(open_request_url_.c_str());
  writer_.EndObject();
  writer_.EndObject();  // entry
}

void TransactionBundleWriter::Finish(IssueCollector& issues, ConversionResult* result) {
  if (entries_open_) writer_.EndArray();
  writer_.EndObject();
  if (!issues.HasErrors()) {
    result->bundle_json = buffer_.GetString();
    result->entry_locations = std::move(locations_);
  }
  result->issues = std::move(issues.issues());
}

}  // namespace trialgate::hl7v2
