#ifndef TRIALGATE_GATEWAY_HL7V2_CONVERSION_SUPPORT_H_
#define TRIALGATE_GATEWAY_HL7V2_CONVERSION_SUPPORT_H_

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/hl7v2/conversion.h"
#include "gateway/hl7v2/message.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

// What the message converters (oru_converter.cc, ras_converter.cc) share: stable resource ids,
// HL7 numbers, issue collection, the subject from PID-3 and the transaction Bundle around the
// resources. Internal to trialgate_hl7v2; each function is pure.
namespace trialgate::hl7v2 {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// A resource's id and the Bundle entry's fullUrl, derived from what identifies it.
struct StableId {
  std::string id;        // "hl7-" + 40 hex digits of SHA-256: a valid FHIR id (<= 64, [a-z0-9-])
  std::string full_url;  // "urn:uuid:" + the digest's first 128 bits in UUID form
};

// The id for `parts` (joined with the unit separator 0x1F, which HL7 text does not hold, so
// ("a","bc") and ("ab","c") differ). The same parts give the same id in every message: that is
// what lets a correction or withdrawal replace the earlier resource (docs/hl7v2.md, ids).
StableId MakeStableId(std::initializer_list<absl::string_view> parts);

// A JSON number for an HL7 NM ("+1.50" -> "1.50", ".5" -> "0.5", "007" -> "7"), or nullopt.
std::optional<std::string> DecimalText(absl::string_view text);

// The issues of one conversion, in the order found.
class IssueCollector {
 public:
  void Error(Hl7Location location, int code, std::string text);
  void Warning(Hl7Location location, int code, std::string text);
  size_t size() const { return issues_.size(); }
  // True when an error was added after the first `mark` issues (mark = an earlier size()).
  bool HasErrorsSince(size_t mark) const;
  bool HasErrors() const { return HasErrorsSince(0); }
  std::vector<ConversionIssue>& issues() { return issues_; }

 private:
  std::vector<ConversionIssue> issues_;
};

// The patient as a logical reference: Reference.identifier, never a name or birth date.
struct SubjectIdentifier {
  std::string system;
  std::string value;
};

// PID-3: the first repetition with an id; system from CX-4: universal id of type ISO ->
// "urn:oid:<id>", else the namespace id, else `fallback_system` (the sender's configured
// ConvertOptions::patient_identifier_system). Issues (101 at PID-3 or PID-3.4) and nullopt when
// there is no id, or no assigning authority and no fallback.
std::optional<SubjectIdentifier> ReadSubject(const Segment& pid, int pid_sequence,
                                             absl::string_view fallback_system,
                                             IssueCollector* issues);

// A coded element's code, display and system name (CWE/CE components first..first+2).
struct Hl7Code {
  std::string code;
  std::string display;
  std::string system_name;  // HL7 table 0396 name as sent ("LN", "RXNORM", "HL70162")
};
Hl7Code ReadCode(const Segment& segment, int field, int first_component = 1);

// {"system","code"[,"display"]}.
void WriteCoding(JsonWriter& w, absl::string_view system, absl::string_view code,
                 absl::string_view display);
// {"system","value"}: the patient's identifier.
void WriteIdentifier(JsonWriter& w, const SubjectIdentifier& subject);
// {"identifier":{"system","value"}}: a reference to the patient by identifier.
void WriteSubject(JsonWriter& w, const SubjectIdentifier& subject);

// A transaction Bundle written entry by entry: each entry a PUT of its resource under its
// stable id (so a resend or a correction replaces, never duplicates), with the location of the
// segment it came from. Not thread-safe (one per conversion).
class TransactionBundleWriter {
 public:
  TransactionBundleWriter();

  // True when an entry with this id was begun already (two segments claiming one resource).
  bool Contains(const StableId& id) const { return ids_.count(id.id) > 0; }

  // Writes the entry's fullUrl and opens its resource with resourceType and id; the caller
  // writes the other elements into the returned writer, then calls EndEntry.
  JsonWriter& BeginEntry(const StableId& id, absl::string_view resource_type, Hl7Location from);
  void EndEntry();

  // Closes the Bundle; when `issues` holds no error, sets result->bundle_json and
  // result->entry_locations. Moves the issues into result->issues either way. A Bundle without
  // entries has no "entry" element (JSON FHIR has no empty arrays).
  void Finish(IssueCollector& issues, ConversionResult* result);

 private:
  rapidjson::StringBuffer buffer_;
  JsonWriter writer_;
  bool entries_open_ = false;
  std::set<std::string> ids_;
  std::string open_request_url_;
  std::vector<Hl7Location> locations_;
};

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_CONVERSION_SUPPORT_H_
