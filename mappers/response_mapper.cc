#include "mappers/response_mapper.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "mappers/fhir_json.h"
#include "mappers/observation_mapper.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "Observation";

}  // namespace

bool IsResponseAssessment(const Value& observation, const MapContext& context) {
  std::vector<Issue> ignored;  // MapObservation reports a malformed code
  const Path root = ResourceRoot(context, kType);
  std::optional<CodeableConcept> code =
      GetCodeableConcept(observation, "code", Path(root, "code"), Presence::kOptional, &ignored);
  if (!code) return false;
  Resolved<ResponseCategory> resolved = ResolveCodings<ResponseCategory>(
      *code, context, [&](std::string_view system, std::string_view value) {
        return context.study.FindResponseAssessment(system, value);
      });
  return resolved.match.entry != nullptr;
}

MapResult MapResponseObservation(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  v1::ResponseAssessed* response = event.mutable_response_assessed();
  result.patient = ReadPatient(resource, root, "subject", issues);
  response->set_status(GetString(resource, "status", Path(root, "status"), Presence::kRequired,
                                 issues).value_or(""));

  const Path value_path(root, "valueCodeableConcept");
  std::optional<CodeableConcept> value =
      GetCodeableConcept(resource, "valueCodeableConcept", value_path, Presence::kOptional, issues);
  Resolved<ResponseCategory> resolved;
  if (value) {
    resolved = ResolveCodings<ResponseCategory>(
        *value, context, [&](std::string_view system, std::string_view code) {
          return context.study.FindResponseCategory(system, code);
        });
  }
  if (resolved.match.entry != nullptr) {
    response->set_category(resolved.match.entry->id);
    SetCodedValue(*resolved.coding, response->mutable_category_as_sent());
    NoteUnconfirmedMatch(resolved, &event, issues);
  } else {
    if (value && !value->codings.empty()) {
      SetCodedValue(value->codings.front(), response->mutable_category_as_sent());
    }
    AddDataQualityNote(
        "code-invalid", "unknown-response-category", value_path.str(),
        absl::StrCat("a response assessment needs valueCodeableConcept with an IMWG category "
                     "(codes/responses.json)",
                     value ? absl::StrCat("; got ", DescribeCodings(*value)) : std::string(),
                     "; kept without a category"),
        "codes/responses.json", &event, issues);
  }
  MapObservationEffective(resource, root, &event, issues);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
