#include "mappers/mapper.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mappers/adverse_event_mapper.h"
#include "mappers/consent_mapper.h"
#include "mappers/encounter_mapper.h"
#include "mappers/fhir_json.h"
#include "mappers/medication_administration_mapper.h"
#include "mappers/observation_mapper.h"
#include "mappers/patient_mapper.h"
#include "mappers/procedure_mapper.h"
#include "mappers/research_subject_mapper.h"
#include "mappers/response_mapper.h"

namespace trialgate::mappers {

const std::vector<std::string>& SupportedResourceTypes() {
  static const auto* kTypes = new std::vector<std::string>{
      "MedicationAdministration", "Observation", "AdverseEvent", "ResearchSubject", "Procedure",
      "Patient", "Consent", "Encounter"};
  return *kTypes;
}

MapResult MapResource(const rapidjson::Value& resource, const MapContext& context) {
  MapResult result;
  // Until the type is known, an empty root has nothing to stand for: the resource itself is
  // reported at "" and its resourceType at "resourceType".
  const Path root(context.root_path);
  if (!resource.IsObject()) {
    AddError("structure", context.root_path, "a FHIR resource must be a JSON object",
             &result.issues);
    return result;
  }
  const Path type_path =
      context.root_path.empty() ? Path("resourceType") : Path(root, "resourceType");
  std::optional<std::string> type =
      GetString(resource, "resourceType", type_path, Presence::kRequired, &result.issues);
  if (!type) return result;
  if (*type == "MedicationAdministration") {
    result = MapMedicationAdministration(resource, context);
  } else if (*type == "Observation") {
    result = IsResponseAssessment(resource, context) ? MapResponseObservation(resource, context)
                                                     : MapObservation(resource, context);
  } else if (*type == "Procedure") {
    result = MapProcedure(resource, context);
  } else if (*type == "AdverseEvent") {
    result = MapAdverseEvent(resource, context);
  } else if (*type == "ResearchSubject") {
    result = MapResearchSubject(resource, context);
  } else if (*type == "Patient") {
    result = MapPatient(resource, context);
  } else if (*type == "Consent") {
    result = MapConsent(resource, context);
  } else if (*type == "Encounter") {
    result = MapEncounter(resource, context);
  } else {
    AddError("not-supported", context.root_path.empty() ? *type : context.root_path,
             absl::StrCat("resourceType '", *type, "' cannot be mapped; supported: ",
                          absl::StrJoin(SupportedResourceTypes(), ", ")),
             &result.issues);
    return result;
  }
  // The contract: a resource with errors yields no events, so nothing of it can be stored.
  if (result.HasErrors()) result.events.clear();
  return result;
}

}  // namespace trialgate::mappers
