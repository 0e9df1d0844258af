#include "gateway/hl7v2/oru_mapping.h"

#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/mapping_tables.h"
#include "rapidjson/document.h"

namespace trialgate::hl7v2 {

std::string OruMapping::UcumFor(absl::string_view unit, absl::string_view unit_system_name) const {
  return hl7v2::UcumFor(unit_aliases, unit, unit_system_name);
}

absl::StatusOr<OruMapping> ParseOruMapping(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError("the ORU mapping is not a JSON object");
  }
  OruMapping mapping;
  for (const char* name : {"value_types", "coding_systems", "status_policy", "missing_status",
                           "interpretation", "units"}) {
    if (Member(doc, name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("the ORU mapping has no \"", name, "\""));
    }
  }
  absl::Status status = ReadStringMap(*Member(doc, "value_types"), "value_types",
                                      &mapping.value_types);
  if (!status.ok()) return status;
  status = ReadStringMap(*Member(doc, "coding_systems"), "coding_systems",
                         &mapping.coding_systems);
  if (!status.ok()) return status;
  auto read_rule = [](const rapidjson::Value& rule, absl::string_view where,
                      StatusRule* parsed) -> absl::Status {
    parsed->status = StringOf(Member(rule, "status"));
    parsed->reason = StringOf(Member(rule, "reason"));
    const rapidjson::Value* convert = Member(rule, "convert");
    const rapidjson::Value* requires_value = Member(rule, "requires_value");
    if (parsed->status.empty() || parsed->reason.empty() || convert == nullptr ||
        !convert->IsBool()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " needs status, convert and reason"));
    }
    parsed->convert = convert->GetBool();
    parsed->requires_value = requires_value != nullptr && requires_value->IsBool() &&
                             requires_value->GetBool();
    return absl::OkStatus();
  };
  for (const auto& member : Member(doc, "status_policy")->GetObject()) {
    const std::string code = member.name.GetString();
    if (code == "_comment") continue;
    StatusRule parsed;
    status = read_rule(member.value, absl::StrCat("status_policy.", code), &parsed);
    if (!status.ok()) return status;
    mapping.status_policy[code] = std::move(parsed);
  }
  status = read_rule(*Member(doc, "missing_status"), "missing_status", &mapping.missing_status);
  if (!status.ok()) return status;
  const rapidjson::Value& interpretation = *Member(doc, "interpretation");
  mapping.interpretation_system = StringOf(Member(interpretation, "system"));
  const rapidjson::Value* codes = Member(interpretation, "codes");
  if (mapping.interpretation_system.empty() || codes == nullptr) {
    return absl::InvalidArgumentError("interpretation needs system and codes");
  }
  status = ReadStringMap(*codes, "interpretation.codes", &mapping.interpretation);
  if (!status.ok()) return status;
  status = ReadUnits(doc, &mapping.unit_system, &mapping.unit_aliases);
  if (!status.ok()) return status;
  return mapping;
}

const OruMapping& DefaultOruMapping() {
  static const OruMapping* const mapping = new OruMapping(ParseEmbeddedOrDie("oru_r01.json", &ParseOruMapping));
  return *mapping;
}

}  // namespace trialgate::hl7v2
