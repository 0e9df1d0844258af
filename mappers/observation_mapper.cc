#include "mappers/observation_mapper.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "mappers/fhir_json.h"
#include "mappers/quantity_units.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "Observation";

// A quantity in the analyte's canonical unit, or nullopt when it cannot be converted.
std::optional<Decimal> Normalise(const QuantityValue& quantity, const LabAnalyte& analyte,
                                 const UnitTable& units) {
  if (!quantity.value) return std::nullopt;
  std::optional<std::string> unit = ResolveQuantityUnit(quantity, units);
  if (!unit) return std::nullopt;
  std::optional<double> value = ToAnalyteUnit(quantity.value->value, *unit, analyte, units);
  if (!value) return std::nullopt;
  return Converted(*quantity.value, *value);
}

void MapValueQuantity(const Value& resource, const Path& root, const LabAnalyte* analyte,
                      const MapContext& context, v1::Event* event, v1::LabResult* lab,
                      std::vector<Issue>* issues) {
  const Path path(root, "valueQuantity");
  std::optional<QuantityValue> quantity =
      ReadQuantity(resource["valueQuantity"], path, context.numbers, issues);
  if (!quantity) return;
  if (!quantity->value) {
    AddDataQualityNote("required", "missing-value", Path(path, "value").str(),
                       "valueQuantity has no value", "Observation.valueQuantity.value", event,
                       issues);
    return;
  }
  SetQuantity(*quantity->value, UnitAsSent(*quantity), lab->mutable_value_as_sent());
  const Path comparator_path(path, "comparator");
  if (auto comparator = GetString(resource["valueQuantity"], "comparator", comparator_path,
                                  Presence::kOptional, issues)) {
    // "<0.5" is a bound, not a value: keep it visible to whoever reads the number.
    lab->set_value_text(
        absl::StrCat(*comparator, quantity->value->text, " ", UnitAsSent(*quantity)));
    AddDataQualityNote("value", "value-has-comparator", comparator_path.str(),
                       absl::StrCat("the value is a bound (", *comparator, "), not a measurement"),
                       "Observation.valueQuantity.comparator", event, issues);
  }
  if (analyte == nullptr) return;
  if (auto normalised = Normalise(*quantity, *analyte, context.study.units())) {
    lab->set_value(normalised->value);
    lab->set_value_decimal(normalised->text);
    lab->set_unit(analyte->unit);
    return;
  }
  AddDataQualityNote(
      "value", "unit-not-normalised", path.str(),
      absl::StrCat("unit '", UnitAsSent(*quantity), "' of ", analyte->id,
                   " cannot be converted to ", analyte->unit, "; value kept as sent"),
      "codes/labs.json, codes/units.json", event, issues);
}

void MapValue(const Value& resource, const Path& root, const LabAnalyte* analyte,
              const MapContext& context, v1::Event* event, v1::LabResult* lab,
              std::vector<Issue>* issues) {
  if (Has(resource, "valueQuantity")) {
    MapValueQuantity(resource, root, analyte, context, event, lab, issues);
    return;
  }
  // Free text and date values are not forwarded: they may name people or be a birth date, and
  // no study analyte takes them (codes/labs.json is quantitative). The finding keeps the fact.
  for (const char* name : {"valueString", "valueDateTime", "valueTime"}) {
    if (!Has(resource, name)) continue;
    const Path path(root, name);
    if (!GetString(resource, name, path, Presence::kRequired, issues)) return;
    // Information, not a warning: nothing is wrong with the resource.
    const std::string text = absl::StrCat(
        "Observation.", name, " is not forwarded: only coded and quantitative values leave the "
        "gateway");
    AddIssue(Issue::Severity::kInformation, "informational", path.str(), text, issues);
    v1::Finding* finding = event->add_findings();
    finding->set_code("value-not-forwarded");
    finding->set_severity(v1::Finding::INFO);
    finding->set_text(text);
    finding->set_rule("docs/identity-and-personal-data.md");
    return;
  }
  if (Has(resource, "valueCodeableConcept")) {
    std::optional<CodeableConcept> value = GetCodeableConcept(
        resource, "valueCodeableConcept", Path(root, "valueCodeableConcept"),
        Presence::kRequired, issues);
    if (!value) return;
    if (!value->codings.empty()) SetCodedValue(value->codings.front(), lab->mutable_value_code());
    lab->set_value_text(value->codings.empty() ? "" : value->codings.front().display);
    return;
  }
  if (Has(resource, "valueInteger")) {
    if (auto number = GetDecimal(resource, "valueInteger", Path(root, "valueInteger"),
                                 Presence::kRequired, context.numbers, issues)) {
      lab->mutable_value_as_sent()->set_value(number->value);
      lab->mutable_value_as_sent()->set_value_decimal(number->text);
    }
    return;
  }
  if (Has(resource, "valueBoolean")) {
    const Value& value = resource["valueBoolean"];
    if (value.IsBool()) {
      lab->set_value_text(value.GetBool() ? "true" : "false");
    } else {
      AddError("structure", Path(root, "valueBoolean").str(),
               "valueBoolean must be true or false", issues);
    }
    return;
  }
  // No value: a reason for its absence is still worth carrying.
  if (auto absent = GetCodeableConcept(resource, "dataAbsentReason",
                                       Path(root, "dataAbsentReason"), Presence::kOptional,
                                       issues)) {
    if (!absent->codings.empty()) SetCodedValue(absent->codings.front(), lab->mutable_value_code());
    lab->set_value_text(absent->codings.empty() ? "" : absent->codings.front().code);
  }
}

// The reference range's bounds, normalised like the value when every sent bound converts;
// otherwise all kept as sent, so that low and high are always in the one unit Range.unit names.
void MapReferenceRange(const Value& resource, const Path& root, const LabAnalyte* analyte,
                       const MapContext& context, v1::LabResult* lab,
                       std::vector<Issue>* issues) {
  const Path path(root, "referenceRange");
  const Value* ranges = GetArray(resource, "referenceRange", path, Presence::kOptional, issues);
  if (ranges == nullptr || ranges->Empty()) return;
  const Value& range = (*ranges)[0];
  const Path range_path(path, size_t{0});
  if (!range.IsObject()) {
    AddError("structure", range_path.str(), "referenceRange entries must be objects", issues);
    return;
  }
  std::optional<QuantityValue> bounds[2];
  const char* kNames[2] = {"low", "high"};
  for (int i = 0; i < 2; ++i) {
    if (Has(range, kNames[i])) {
      bounds[i] =
          ReadQuantity(range[kNames[i]], Path(range_path, kNames[i]), context.numbers, issues);
    }
  }
  std::optional<Decimal> normalised[2];
  bool all_normalised = analyte != nullptr;
  std::string unit_as_sent;
  for (int i = 0; i < 2; ++i) {
    if (!bounds[i] || !bounds[i]->value) continue;
    if (unit_as_sent.empty()) unit_as_sent = UnitAsSent(*bounds[i]);
    if (analyte != nullptr) normalised[i] = Normalise(*bounds[i], *analyte, context.study.units());
    if (!normalised[i]) all_normalised = false;
  }
  v1::Range* out = lab->mutable_reference_range();
  for (int i = 0; i < 2; ++i) {
    if (!bounds[i] || !bounds[i]->value) continue;
    const Decimal& value = all_normalised ? *normalised[i] : *bounds[i]->value;
    if (i == 0) {
      out->set_low(value.value);
      out->set_low_decimal(value.text);
    } else {
      out->set_high(value.value);
      out->set_high_decimal(value.text);
    }
    out->set_unit(all_normalised ? analyte->unit : unit_as_sent);
  }
  // referenceRange.text is free text ("normal for a woman of 67"): not forwarded.
  GetString(range, "text", Path(range_path, "text"), Presence::kOptional, issues);
}

void MapInterpretation(const Value& resource, const Path& root, v1::LabResult* lab,
                       std::vector<Issue>* issues) {
  const Path path(root, "interpretation");
  const Value* items = GetArray(resource, "interpretation", path, Presence::kOptional, issues);
  if (items == nullptr || items->Empty()) return;
  std::optional<CodeableConcept> first =
      ReadCodeableConcept((*items)[0], Path(path, size_t{0}), issues);
  if (!first) return;
  lab->set_interpretation(first->codings.empty() ? "" : first->codings.front().code);
}

}  // namespace

void MapObservationEffective(const Value& resource, const Path& root, v1::Event* event,
                             std::vector<Issue>* issues) {
  for (const char* name : {"effectiveDateTime", "effectiveInstant"}) {
    if (!Has(resource, name)) continue;
    const Path path(root, name);
    if (auto text = GetString(resource, name, path, Presence::kRequired, issues)) {
      SetOccurredAt(*text, path, event, issues);
    }
    return;
  }
  if (Has(resource, "effectivePeriod")) {
    const Path path(root, "effectivePeriod");
    if (const Value* period =
            GetObject(resource, "effectivePeriod", path, Presence::kRequired, issues)) {
      const Path start_path(path, "start");
      if (auto start = GetString(*period, "start", start_path, Presence::kRequired, issues)) {
        SetOccurredAt(*start, start_path, event, issues);
      }
    }
    return;
  }
  // effective[x] is optional in R4; without it the result cannot be placed on the timeline.
  const Path issued_path(root, "issued");
  std::optional<std::string> issued =
      GetString(resource, "issued", issued_path, Presence::kOptional, issues);
  std::string text = "Observation.effective[x] is missing; the result has no specimen time";
  if (issued) {
    text += "; occurred_at taken from Observation.issued";
    SetOccurredAt(*issued, issued_path, event, issues);
  }
  AddDataQualityNote("required", "missing-effective-time", Path(root, "effective[x]").str(),
                     text, "Observation.effective[x]", event, issues);
}

MapResult MapObservation(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  v1::LabResult* lab = event.mutable_lab_result();
  result.patient = ReadPatient(resource, root, "subject", issues);
  lab->set_status(GetString(resource, "status", Path(root, "status"), Presence::kRequired,
                            issues).value_or(""));

  const LabAnalyte* analyte = nullptr;
  const Path code_path(root, "code");
  if (std::optional<CodeableConcept> code =
          GetCodeableConcept(resource, "code", code_path, Presence::kRequired, issues)) {
    Resolved<LabAnalyte> resolved = ResolveCodings<LabAnalyte>(
        *code, context, [&](std::string_view system, std::string_view value) {
          return context.study.FindLab(system, value);
        });
    if (resolved.match.entry != nullptr) {
      analyte = resolved.match.entry;
      lab->set_analyte(analyte->id);
      SetCodedValue(*resolved.coding, lab->mutable_code());
      NoteUnconfirmedMatch(resolved, &event, issues);
    } else {
      if (!code->codings.empty()) SetCodedValue(code->codings.front(), lab->mutable_code());
      AddDataQualityNote(
          "code-invalid", "unknown-lab-code",
          code->codings.empty() ? code_path.str() : code->codings.front().path,
          absl::StrCat("Observation code ", DescribeCodings(*code),
                       " is not a study analyte (codes/labs.json) nor a local code of site '",
                       context.site_id, "'; kept without an analyte"),
          "codes/labs.json", &event, issues);
    }
  }
  MapValue(resource, root, analyte, context, &event, lab, issues);
  MapReferenceRange(resource, root, analyte, context, lab, issues);
  MapInterpretation(resource, root, lab, issues);
  MapObservationEffective(resource, root, &event, issues);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
