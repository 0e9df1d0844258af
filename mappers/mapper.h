#ifndef TRIALGATE_MAPPERS_MAPPER_H_
#define TRIALGATE_MAPPERS_MAPPER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/common/issue.h"
#include "mappers/number_texts.h"
#include "mappers/study.h"
#include "rapidjson/document.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::mappers {

// Who a resource is about, as the sender wrote it. Either a reference ("Patient/pt-1001",
// "urn:uuid:...", an absolute URL) or a logical identifier (system + value), or both.
struct PatientRef {
  std::string reference;
  std::string identifier_system;
  std::string identifier_value;
  // FHIRPath of the element, for error messages, under MapContext::root_path:
  // "Observation.subject", "Bundle.entry[3].resource.subject".
  std::string expression;
  // Further identifiers (system, value) of the same patient: a Patient names itself by all of
  // its identifiers, any of which the enrolling ResearchSubject may have used.
  std::vector<std::pair<std::string, std::string>> more_identifiers = {};
};

// What a ResearchSubject says about enrolment.
struct Enrollment {
  std::string subject_id;   // from the identifier whose system is the study's subject-id system
  std::string status;       // ResearchSubject.status
  std::string enrolled_on;  // period.start as sent
  PatientRef individual;
};

struct MapContext {
  const Study& study;
  std::string site_id;  // the sending system's site; selects the site's local codes
  // The source text of the resource's numbers, so decimals reach events as sent ("1.50").
  // Null (e.g. a Document built without the decoder): texts are formatted from the values.
  const NumberTexts* numbers = nullptr;
  // The FHIRPath of the resource itself, under which every issue expression and
  // PatientRef::expression is reported: e.g. "Bundle.entry[3].resource" for an entry of a Bundle.
  // Empty means the resource's type ("Observation"), for a resource sent on its own.
  std::string root_path = {};
  // The resource was converted from an HL7 v2 message (docs/hl7v2.md): a Patient's death then
  // came from PID-29, which SubjectDied::reported_as says.
  bool from_hl7v2 = false;
};

// The result of mapping one resource. When issues hold an error, nothing of the resource may
// be stored. Otherwise `events` are complete except for the fields the pipeline owns: event_id,
// subject_id, site_id, source.system, source.content_sha256, recorded_at and sequence; and
// source.logical_id, which the mapper sets to Resource.id and the pipeline replaces with its
// pseudonym. Events carry no free text of the resource (CodeableConcept.text, Reference.display,
// notes, narrative, strings): only codes, quantities, dates and the study's own words.
struct MapResult {
  std::vector<v1::Event> events;
  std::vector<Issue> issues;
  std::optional<PatientRef> patient;        // whom the events are about (all resource types)
  std::optional<Enrollment> enrollment;     // set for a ResearchSubject only
  bool HasErrors() const { return trialgate::HasErrors(issues); }
};

// Maps one FHIR R4 resource (a JSON object with a resourceType) to canonical events. Pure: no
// I/O, no state. An unsupported resourceType yields an error issue of code "not-supported".
// A code missing from the study's tables is kept and reported as a warning, never dropped.
// Thread-safe.
MapResult MapResource(const rapidjson::Value& resource, const MapContext& context);

// The resource types MapResource supports, in a stable order, for error messages.
const std::vector<std::string>& SupportedResourceTypes();

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_MAPPER_H_
