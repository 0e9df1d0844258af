#include "mappers/consent_mapper.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "mappers/fhir_json.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "Consent";
// FHIR R4 Consent.scope, extensible binding to ValueSet consent-scope: "research" is "consent to
// participate in research protocol and information sharing required"
// (http://hl7.org/fhir/R4/codesystem-consent-scope.html).
constexpr char kScopeSystem[] = "http://terminology.hl7.org/CodeSystem/consentscope";
constexpr char kResearch[] = "research";

bool IsResearch(const CodeableConcept& scope) {
  for (const Coding& coding : scope.codings) {
    if (coding.system == kScopeSystem && coding.code == kResearch) return true;
  }
  return false;
}

}  // namespace

MapResult MapConsent(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  result.patient = ReadPatient(resource, root, "patient", issues);
  const std::string status = GetString(resource, "status", Path(root, "status"),
                                       Presence::kRequired, issues).value_or("");

  const Path scope_path(root, "scope");
  std::optional<CodeableConcept> scope =
      GetCodeableConcept(resource, "scope", scope_path, Presence::kRequired, issues);
  const Path date_path(root, "dateTime");
  std::optional<std::string> text =
      GetString(resource, "dateTime", date_path, Presence::kOptional, issues);
  if (!scope) return result;
  if (!IsResearch(*scope)) {
    AddWarning("code-invalid", scope_path.str(),
               absl::StrCat("Consent scope ", DescribeCodings(*scope), " is not ", kScopeSystem,
                            "|", kResearch, ": not the study consent; accepted and stored as no "
                            "event"),
               issues);
    return result;
  }
  if (!text) {
    if (!Has(resource, "dateTime")) {
      AddError("required", date_path.str(),
               "the study needs the day consent was given: Consent.dateTime is required", issues);
    }
    return result;
  }
  std::optional<std::string> day = CalendarDayOf(*text);
  if (!day) {
    AddError("value", date_path.str(),
             "Consent.dateTime needs a full date (YYYY-MM-DD): a year or a month cannot be the "
             "time origin of the study's endpoints",
             issues);
    return result;
  }
  v1::ConsentRecorded* consent = event.mutable_consent_recorded();
  consent->set_status(status);
  consent->set_date(*day);
  SetOccurredOnDay(*day, &event);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
