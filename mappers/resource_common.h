#ifndef TRIALGATE_MAPPERS_RESOURCE_COMMON_H_
#define TRIALGATE_MAPPERS_RESOURCE_COMMON_H_

// What every resource mapper does the same way: the event envelope, the patient, the event time,
// data-quality warnings (an issue for the sender plus a finding for downstream) and looking a
// CodeableConcept up in a study table, directly or through the site's local codes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/fhir_json.h"
#include "mappers/mapper.h"
#include "mappers/study.h"
#include "rapidjson/document.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::mappers {

// The Path of the resource itself, the root of every issue a mapper reports: context.root_path,
// or `resource_type` when that is empty. Refers to both, which must outlive it.
Path ResourceRoot(const MapContext& context, const char* resource_type);

// An event with the envelope fields the mapper owns: study_id and source (resource type,
// Resource.id, meta.versionId). Malformed id/meta are reported to *issues under `root`.
v1::Event NewEvent(const rapidjson::Value& resource, const std::string& resource_type,
                   const Path& root, const MapContext& context, std::vector<Issue>* issues);

// Reads the Reference member `element` naming the patient; a missing or empty one is a
// "required" error. The PatientRef's expression is "<root>.<element>".
std::optional<PatientRef> ReadPatient(const rapidjson::Value& resource, const Path& root,
                                      std::string_view element, std::vector<Issue>* issues);

// Parses `fhir_time` (read at `path`) into `*timestamp`. An invalid value is a "value" error at
// `path`; returns whether it parsed.
bool ParseTimeInto(const std::string& fhir_time, const Path& path,
                   google::protobuf::Timestamp* timestamp, std::vector<Issue>* issues);

// Sets occurred_at and occurred_at_fhir from `fhir_time` (read at `path`); see ParseTimeInto.
bool SetOccurredAt(const std::string& fhir_time, const Path& path, v1::Event* event,
                   std::vector<Issue>* issues);

// The calendar day ("YYYY-MM-DD") of a FHIR date or dateTime as sent, whatever its time and zone;
// nullopt when `fhir_time` is not a valid FHIR date/dateTime or has no day (a year, a month).
std::optional<std::string> CalendarDayOf(const std::string& fhir_time);

// Dates an event by a day only (death, consent, contact: the time of day means nothing to the
// study): occurred_at_fhir is `day`, occurred_at its first instant in UTC.
// REQUIRES: `day` came from CalendarDayOf.
void SetOccurredOnDay(const std::string& day, v1::Event* event);

// Records a data-quality fact: a warning issue (FHIR IssueType `issue_code`) at `expression` for
// the sender and a finding of `finding_severity` with `finding_code` on the event for downstream.
void AddDataQualityNote(std::string_view issue_code, std::string_view finding_code,
                        const std::string& expression,
                        const std::string& text, const std::string& rule, v1::Event* event,
                        std::vector<Issue>* issues,
                        v1::Finding::Severity finding_severity = v1::Finding::WARNING);

// "system|code" of a coding, for messages; "(no system)" stands in for an empty system.
std::string DescribeCoding(const Coding& coding);
// All codings of a concept, for messages: "http://loinc.org|1234-5, urn:x|y".
std::string DescribeCodings(const CodeableConcept& concept_value);

// A table entry found for a CodeableConcept: the entry, the table code that matched, the
// coding as sent that led there, and the local mapping used (nullptr for a direct match).
template <typename Entry>
struct Resolved {
  CodeMatch<Entry> match;
  const Coding* coding = nullptr;
  const LocalCodeMapping* local = nullptr;
};

// Finds the first coding of `concept_value` that `find(system, code)` matches directly; failing
// that, the first whose site-local translation (study.FindLocalCode) it matches. Empty result
// when none matches.
template <typename Entry, typename Find>
Resolved<Entry> ResolveCodings(const CodeableConcept& concept_value, const MapContext& context,
                               Find find) {
  for (const Coding& coding : concept_value.codings) {
    CodeMatch<Entry> match = find(coding.system, coding.code);
    if (match.entry != nullptr) return Resolved<Entry>{match, &coding, nullptr};
  }
  for (const Coding& coding : concept_value.codings) {
    const LocalCodeMapping* local =
        context.study.FindLocalCode(context.site_id, coding.system, coding.code);
    if (local == nullptr) continue;
    CodeMatch<Entry> match = find(local->maps_to_system, local->maps_to_code);
    if (match.entry != nullptr) return Resolved<Entry>{match, &coding, local};
  }
  return {};
}

// Flags a match made through a code marked unconfirmed in the study table (INFO finding and an
// information issue), so that reviewers know which facts rest on unverified codes.
template <typename Entry>
void NoteUnconfirmedMatch(const Resolved<Entry>& resolved, v1::Event* event,
                          std::vector<Issue>* issues) {
  if (resolved.match.code == nullptr || !resolved.match.code->unconfirmed) return;
  const TableCode& code = *resolved.match.code;
  AddIssue(Issue::Severity::kInformation, "informational", resolved.coding->path,
           "matched " + code.system + "|" + code.code + ", a code marked UNCONFIRMED in the "
           "study tables (" + code.source + ")", issues);
  v1::Finding* finding = event->add_findings();
  finding->set_code("unconfirmed-code");
  finding->set_severity(v1::Finding::INFO);
  finding->set_text("matched through a code the study tables mark as unconfirmed: " +
                    code.system + "|" + code.code);
  finding->set_rule(code.source);
}

// What an event may say of a CodeableConcept in words: its first coding's display, else that
// coding's code; "" without codings. Never CodeableConcept.text, which is free text and may name
// people.
std::string CodedText(const CodeableConcept& concept_value);

// Copies a coding into a CodedValue.
void SetCodedValue(const Coding& coding, v1::CodedValue* out);

// Sets a Quantity's value, its decimal text and its unit.
void SetQuantity(const Decimal& value, const std::string& unit, v1::Quantity* out);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_RESOURCE_COMMON_H_
