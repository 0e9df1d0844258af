#include "mappers/research_subject_mapper.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "mappers/fhir_json.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "ResearchSubject";

// The value of the identifier whose system is the study's subject-id system.
std::optional<std::string> ReadSubjectId(const Value& resource, const Path& root,
                                         const std::string& system, std::vector<Issue>* issues) {
  const Path path(root, "identifier");
  const Value* identifiers = GetArray(resource, "identifier", path, Presence::kOptional, issues);
  if (identifiers != nullptr) {
    for (rapidjson::SizeType i = 0; i < identifiers->Size(); ++i) {
      const Value& identifier = (*identifiers)[i];
      const Path item_path(path, i);
      if (!identifier.IsObject()) {
        AddError("structure", item_path.str(), "identifier entries must be objects", issues);
        continue;
      }
      if (GetString(identifier, "system", Path(item_path, "system"), Presence::kOptional,
                    issues) != system) {
        continue;
      }
      return GetString(identifier, "value", Path(item_path, "value"), Presence::kRequired,
                       issues);
    }
  }
  if (identifiers != nullptr || !Has(resource, "identifier")) {
    AddError("required", path.str(),
             absl::StrCat("ResearchSubject needs an identifier with system '", system,
                          "' holding the study subject id"),
             issues);
  }
  return std::nullopt;
}

}  // namespace

MapResult MapResearchSubject(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  v1::EnrollmentChanged* change = event.mutable_enrollment_changed();
  Enrollment enrollment;

  enrollment.subject_id =
      ReadSubjectId(resource, root, context.study.subject_id_system(), issues).value_or("");
  std::optional<PatientRef> individual = ReadPatient(resource, root, "individual", issues);
  if (individual) enrollment.individual = *individual;
  result.patient = individual;

  enrollment.status = GetString(resource, "status", Path(root, "status"), Presence::kRequired,
                                issues).value_or("");
  change->set_status(enrollment.status);

  const Path period_path(root, "period");
  const Value* period = GetObject(resource, "period", period_path, Presence::kOptional, issues);
  const Path start_path(period_path, "start");
  std::optional<std::string> start;
  if (period != nullptr) {
    start = GetString(*period, "start", start_path, Presence::kRequired, issues);
    const Path end_path(period_path, "end");
    if (auto end = GetString(*period, "end", end_path, Presence::kOptional, issues)) {
      google::protobuf::Timestamp ignored;
      if (ParseTimeInto(*end, end_path, &ignored, issues)) change->set_ended_on(*end);
    }
  } else if (!Has(resource, "period")) {
    AddError("required", start_path.str(),
             "the enrolment date ResearchSubject.period.start is required", issues);
  }
  if (start && SetOccurredAt(*start, start_path, &event, issues)) {
    enrollment.enrolled_on = *start;
    change->set_enrolled_on(*start);
  }
  change->set_arm(GetString(resource, "assignedArm", Path(root, "assignedArm"),
                            Presence::kOptional, issues).value_or(""));

  result.enrollment = std::move(enrollment);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
