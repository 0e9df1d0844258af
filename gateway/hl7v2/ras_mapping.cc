#include "gateway/hl7v2/ras_mapping.h"

#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/mapping_tables.h"
#include "rapidjson/document.h"

namespace trialgate::hl7v2 {

std::string RasMapping::UcumFor(absl::string_view unit, absl::string_view unit_system_name) const {
  return hl7v2::UcumFor(unit_aliases, unit, unit_system_name);
}

absl::StatusOr<RasMapping> ParseRasMapping(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("the RAS mapping is not a JSON object");
  }
  for (const char* name : {"coding_systems", "completion_status", "action_codes", "routes",
                           "units"}) {
    if (Member(doc, name) == nullptr || !Member(doc, name)->IsObject()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the RAS mapping has no \"", name, "\" object"));
    }
  }
  RasMapping mapping;
  absl::Status status = ReadStringMap(*Member(doc, "coding_systems"), "coding_systems",
                                      &mapping.coding_systems);
  if (!status.ok()) return status;

  for (const auto& member : Member(doc, "completion_status")->GetObject()) {
    const std::string code = member.name.GetString();
    if (code == "_comment") continue;
    const rapidjson::Value* reason = Member(member.value, "reason");
    CompletionRule rule{StringOf(Member(member.value, "status")),
                        reason != nullptr && reason->IsBool() && reason->GetBool(),
                        StringOf(Member(member.value, "why"))};
    if (rule.status.empty() || rule.why.empty() || reason == nullptr || !reason->IsBool()) {
      return absl::InvalidArgumentError(
          absl::StrCat("completion_status.", code, " needs status, reason and why"));
    }
    mapping.completion_status[code] = std::move(rule);
  }

  for (const auto& member : Member(doc, "action_codes")->GetObject()) {
    const std::string code = member.name.GetString();
    if (code == "_comment") continue;
    const rapidjson::Value* action_status = Member(member.value, "status");
    ActionRule rule{StringOf(action_status), StringOf(Member(member.value, "why"))};
    if (action_status == nullptr || !action_status->IsString() || rule.why.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("action_codes.", code, " needs status (may be empty) and why"));
    }
    mapping.action_codes[code] = std::move(rule);
  }

  const rapidjson::Value& routes = *Member(doc, "routes");
  mapping.route_system = StringOf(Member(routes, "system"));
  mapping.route_translation_system = StringOf(Member(routes, "translation_system"));
  const rapidjson::Value* route_codes = Member(routes, "codes");
  if (mapping.route_system.empty() || route_codes == nullptr || !route_codes->IsObject()) {
    return absl::InvalidArgumentError("routes needs system and codes");
  }
  for (const auto& member : route_codes->GetObject()) {
    RouteRule rule{StringOf(Member(member.value, "display")),
                   StringOf(Member(member.value, "translation")),
                   StringOf(Member(member.value, "translation_display"))};
    if (rule.display.empty() ||
        (!rule.translation.empty() && mapping.route_translation_system.empty())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "routes.codes.", member.name.GetString(),
          " needs a display (and a translation needs routes.translation_system)"));
    }
    mapping.routes[member.name.GetString()] = std::move(rule);
  }

  status = ReadUnits(doc, &mapping.unit_system, &mapping.unit_aliases);
  if (!status.ok()) return status;
  return mapping;
}

const RasMapping& DefaultRasMapping() {
  static const RasMapping* const mapping = new RasMapping(ParseEmbeddedOrDie("ras_o17.json", &ParseRasMapping));
  return *mapping;
}

}  // namespace trialgate::hl7v2
