#include "mappers/patient_mapper.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mappers/fhir_json.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "Patient";

// The Patient as other resources name it: Patient/<id> and every identifier with a value.
std::optional<PatientRef> OwnKeys(const Value& resource, const Path& root,
                                  std::vector<Issue>* issues) {
  PatientRef self;
  self.expression = root.str();
  if (auto id = GetString(resource, "id", Path(root, "id"), Presence::kOptional, issues)) {
    self.reference = absl::StrCat("Patient/", *id);
  }
  const Path path(root, "identifier");
  if (const Value* identifiers =
          GetArray(resource, "identifier", path, Presence::kOptional, issues)) {
    for (rapidjson::SizeType i = 0; i < identifiers->Size(); ++i) {
      const Value& identifier = (*identifiers)[i];
      if (!identifier.IsObject()) continue;  // the validator reports it
      const Path item(path, i);
      std::optional<std::string> value =
          GetString(identifier, "value", Path(item, "value"), Presence::kOptional, issues);
      if (!value) continue;
      std::string system = GetString(identifier, "system", Path(item, "system"),
                                     Presence::kOptional, issues).value_or("");
      if (self.identifier_value.empty()) {
        self.identifier_system = std::move(system);
        self.identifier_value = *std::move(value);
      } else {
        self.more_identifiers.emplace_back(std::move(system), *std::move(value));
      }
    }
  }
  if (self.reference.empty() && self.identifier_value.empty()) return std::nullopt;
  return self;
}

}  // namespace

MapResult MapPatient(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  result.patient = OwnKeys(resource, root, issues);
  v1::Event event = NewEvent(resource, kType, root, context, issues);

  const Path date_path(root, "deceasedDateTime");
  if (Has(resource, "deceasedDateTime")) {
    std::optional<std::string> text =
        GetString(resource, "deceasedDateTime", date_path, Presence::kRequired, issues);
    if (!text) return result;
    std::optional<std::string> day = CalendarDayOf(*text);
    if (!day) {
      AddWarning("incomplete", date_path.str(),
                 "deceasedDateTime has no full date (a year or a month only): the study records "
                 "a death by its day; accepted, no death recorded",
                 issues);
      return result;
    }
    event.mutable_subject_died()->set_date(*day);
    event.mutable_subject_died()->set_reported_as(context.from_hl7v2 ? "PID-29"
                                                                     : "Patient.deceasedDateTime");
    SetOccurredOnDay(*day, &event);
    result.events.push_back(std::move(event));
    return result;
  }
  const Path flag_path(root, "deceasedBoolean");
  auto flag = resource.FindMember("deceasedBoolean");
  if (flag == resource.MemberEnd() || !flag->value.IsBool()) return result;  // validated
  if (flag->value.GetBool()) {
    AddWarning("incomplete", flag_path.str(),
               "deceasedBoolean true without a date: the study needs the day of death "
               "(Patient.deceasedDateTime); accepted, no death recorded",
               issues);
    return result;
  }
  event.mutable_subject_died()->set_withdrawn(true);
  event.mutable_subject_died()->set_reported_as("Patient.deceasedBoolean");
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
