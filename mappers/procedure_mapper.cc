#include "mappers/procedure_mapper.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "mappers/fhir_json.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "Procedure";

// performedDateTime, or performedPeriod.start; without either the day is unknown.
void MapPerformed(const Value& resource, const Path& root, v1::Event* event,
                  std::vector<Issue>* issues) {
  const Path date_time_path(root, "performedDateTime");
  if (Has(resource, "performedDateTime")) {
    if (auto text = GetString(resource, "performedDateTime", date_time_path, Presence::kRequired,
                              issues)) {
      SetOccurredAt(*text, date_time_path, event, issues);
    }
    return;
  }
  const Path period_path(root, "performedPeriod");
  if (Has(resource, "performedPeriod")) {
    if (const Value* period =
            GetObject(resource, "performedPeriod", period_path, Presence::kRequired, issues)) {
      const Path start_path(period_path, "start");
      if (auto start = GetString(*period, "start", start_path, Presence::kRequired, issues)) {
        SetOccurredAt(*start, start_path, event, issues);
      }
    }
    return;
  }
  AddDataQualityNote("required", "missing-performed-time", Path(root, "performed[x]").str(),
                     "the Procedure has no performedDateTime or performedPeriod.start: it "
                     "cannot be placed on the protocol timeline",
                     "Procedure.performed[x]", event, issues);
}

}  // namespace

MapResult MapProcedure(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  result.patient = ReadPatient(resource, root, "subject", issues);
  const std::string status = GetString(resource, "status", Path(root, "status"),
                                       Presence::kRequired, issues).value_or("");

  const Path code_path(root, "code");
  std::optional<CodeableConcept> code =
      GetCodeableConcept(resource, "code", code_path, Presence::kRequired, issues);
  if (!code) return result;
  Resolved<ProcedureEntry> resolved = ResolveCodings<ProcedureEntry>(
      *code, context, [&](std::string_view system, std::string_view value) {
        return context.study.FindProcedure(system, value);
      });
  if (resolved.match.entry == nullptr) {
    AddWarning("code-invalid",
               code->codings.empty() ? code_path.str() : code->codings.front().path,
               absl::StrCat("Procedure code ", DescribeCodings(*code),
                            " is not one the study tracks (codes/procedures.json) nor a local "
                            "code of site '", context.site_id,
                            "'; accepted and stored as no event"),
               issues);
    return result;
  }
  v1::CodedValue* procedure;
  if (resolved.match.entry->event == "transplant_performed") {
    event.mutable_transplant_performed()->set_status(status);
    procedure = event.mutable_transplant_performed()->mutable_procedure();
  } else {
    event.mutable_stem_cell_harvest()->set_status(status);
    procedure = event.mutable_stem_cell_harvest()->mutable_procedure();
  }
  SetCodedValue(*resolved.coding, procedure);
  NoteUnconfirmedMatch(resolved, &event, issues);
  MapPerformed(resource, root, &event, issues);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
