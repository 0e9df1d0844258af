#include "mappers/encounter_mapper.h"

#include <optional>
#include <string>

#include "mappers/fhir_json.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "Encounter";

}  // namespace

MapResult MapEncounter(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  result.patient = ReadPatient(resource, root, "subject", issues);
  v1::ContactRecorded* contact = event.mutable_contact_recorded();
  contact->set_status(GetString(resource, "status", Path(root, "status"), Presence::kRequired,
                                issues).value_or(""));
  // Encounter.class is a Coding (1..1) in R4.
  const Path class_path(root, "class");
  if (const Value* coding = GetObject(resource, "class", class_path, Presence::kOptional, issues)) {
    Coding value;
    value.system = GetString(*coding, "system", Path(class_path, "system"), Presence::kOptional,
                             issues).value_or("");
    value.code = GetString(*coding, "code", Path(class_path, "code"), Presence::kOptional,
                           issues).value_or("");
    value.display = GetString(*coding, "display", Path(class_path, "display"),
                              Presence::kOptional, issues).value_or("");
    SetCodedValue(value, contact->mutable_encounter_class());
  }

  const Path period_path(root, "period");
  const Path start_path(period_path, "start");
  const Value* period = GetObject(resource, "period", period_path, Presence::kOptional, issues);
  std::optional<std::string> start;
  if (period != nullptr) {
    start = GetString(*period, "start", start_path, Presence::kRequired, issues);
  } else if (!Has(resource, "period")) {
    AddError("required", start_path.str(),
             "the day of the contact, Encounter.period.start, is required", issues);
  }
  if (!start) return result;
  std::optional<std::string> day = CalendarDayOf(*start);
  if (!day) {
    AddError("value", start_path.str(),
             "Encounter.period.start needs a full date (YYYY-MM-DD)", issues);
    return result;
  }
  contact->set_date(*day);
  SetOccurredOnDay(*day, &event);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
