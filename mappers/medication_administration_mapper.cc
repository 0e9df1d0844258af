#include "mappers/medication_administration_mapper.h"

#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "mappers/fhir_json.h"
#include "mappers/quantity_units.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "MedicationAdministration";

// The required binding medication-admin-status (FHIR R4): structural, not a study code table.
std::optional<v1::DoseAdministered::Status> ParseStatus(const std::string& code) {
  static const auto* kStatuses = new std::map<std::string, v1::DoseAdministered::Status>{
      {"in-progress", v1::DoseAdministered::IN_PROGRESS},
      {"not-done", v1::DoseAdministered::NOT_DONE},
      {"on-hold", v1::DoseAdministered::ON_HOLD},
      {"completed", v1::DoseAdministered::COMPLETED},
      {"entered-in-error", v1::DoseAdministered::ENTERED_IN_ERROR},
      {"stopped", v1::DoseAdministered::STOPPED},
      {"unknown", v1::DoseAdministered::UNKNOWN},
  };
  auto it = kStatuses->find(code);
  if (it == kStatuses->end()) return std::nullopt;
  return it->second;
}

// The medication's CodeableConcept: medicationCodeableConcept, or the code of the contained
// Medication a "#id" medicationReference points to. nullopt (with an issue) otherwise.
std::optional<CodeableConcept> ReadMedication(const Value& resource, const Path& root,
                                              v1::Event* event, std::vector<Issue>* issues) {
  const Path concept_path(root, "medicationCodeableConcept");
  if (Has(resource, "medicationCodeableConcept")) {
    return GetCodeableConcept(resource, "medicationCodeableConcept", concept_path,
                              Presence::kRequired, issues);
  }
  const Path reference_path(root, "medicationReference");
  if (!Has(resource, "medicationReference")) {
    AddError("required", Path(root, "medication[x]").str(),
             "MedicationAdministration.medication[x] is required: send medicationCodeableConcept "
             "or medicationReference",
             issues);
    return std::nullopt;
  }
  std::optional<Reference> reference =
      GetReference(resource, "medicationReference", reference_path, Presence::kRequired, issues);
  if (!reference) return std::nullopt;
  const std::string& target = reference->reference;
  if (target.size() > 1 && target[0] == '#') {
    const Path contained_path(root, "contained");
    if (const Value* contained =
            GetArray(resource, "contained", contained_path, Presence::kOptional, issues)) {
      for (rapidjson::SizeType i = 0; i < contained->Size(); ++i) {
        const Value& item = (*contained)[i];
        if (!item.IsObject()) continue;
        const Path item_path(contained_path, i);
        std::vector<Issue> ignored;  // other contained resources are not this mapper's business
        if (GetString(item, "id", item_path, Presence::kOptional, &ignored) != target.substr(1) ||
            GetString(item, "resourceType", item_path, Presence::kOptional, &ignored) !=
                "Medication") {
          continue;
        }
        auto code = GetCodeableConcept(item, "code", Path(item_path, "code"),
                                       Presence::kOptional, issues);
        if (code) return code;
        break;
      }
    }
  }
  // An external reference cannot be resolved by a pure mapper: the dose is kept, unidentified.
  // Neither the hospital's reference nor its display (free text) reaches the event.
  AddDataQualityNote(
      "not-found", "medication-unresolved", Path(reference_path, "reference").str(),
      "medicationReference does not point to a contained Medication with a code; the "
      "medication is unknown to the gateway",
      "MedicationAdministration.medicationReference must resolve to #contained", event, issues);
  return CodeableConcept{};
}

void MapDose(const Value& dosage, const Path& dosage_path, const DrugEntry* drug,
             const MapContext& context, v1::Event* event, v1::DoseAdministered* dose,
             std::vector<Issue>* issues) {
  const Path dose_path(dosage_path, "dose");
  if (!Has(dosage, "dose")) {
    if (drug != nullptr && dose->status() != v1::DoseAdministered::NOT_DONE) {
      AddDataQualityNote("required", "missing-dose", dose_path.str(),
                         absl::StrCat("no dose sent for study agent ", drug->id),
                         "MedicationAdministration.dosage.dose", event, issues);
    }
    return;
  }
  std::optional<QuantityValue> quantity =
      ReadQuantity(dosage["dose"], dose_path, context.numbers, issues);
  if (!quantity) return;
  if (!quantity->value) {
    AddDataQualityNote("required", "missing-dose", Path(dose_path, "value").str(),
                       "dose has no value",
                       "MedicationAdministration.dosage.dose.value", event, issues);
    return;
  }
  SetQuantity(*quantity->value, UnitAsSent(*quantity), dose->mutable_dose_as_sent());

  const UnitTable& units = context.study.units();
  std::optional<std::string> unit = ResolveQuantityUnit(*quantity, units);
  const std::string& mass_unit = drug ? drug->dose_unit : context.study.default_dose_unit();
  const std::string& per_area_unit = context.study.dose_per_area_unit();
  if (unit) {
    const Decimal& sent = *quantity->value;
    if (auto mass = units.Convert(sent.value, *unit, mass_unit)) {
      SetQuantity(Converted(sent, *mass), mass_unit, dose->mutable_dose());
      return;
    }
    if (auto per_area = units.Convert(sent.value, *unit, per_area_unit)) {
      // The absolute dose needs the subject's BSA: the schedule engine derives it.
      SetQuantity(Converted(sent, *per_area), per_area_unit, dose->mutable_dose_per_m2());
      return;
    }
  }
  // Only a study agent's dose is checked against the protocol, so only its unit matters here.
  if (drug != nullptr) {
    AddDataQualityNote(
        "value", "unit-not-normalised", dose_path.str(),
        absl::StrCat("dose unit '", UnitAsSent(*quantity), "' of study agent ", drug->id,
                     " cannot be converted to ", mass_unit, " or ", per_area_unit,
                     "; kept as sent"),
        "codes/units.json", event, issues);
  }
}

void MapRoute(const Value& dosage, const Path& dosage_path, const MapContext& context,
              v1::DoseAdministered* dose, std::vector<Issue>* issues) {
  std::optional<CodeableConcept> route = GetCodeableConcept(
      dosage, "route", Path(dosage_path, "route"), Presence::kOptional, issues);
  if (!route) return;
  Resolved<RouteEntry> resolved = ResolveCodings<RouteEntry>(
      *route, context, [&](std::string_view system, std::string_view code) {
        return context.study.FindRoute(system, code);
      });
  if (resolved.match.entry != nullptr) {
    dose->set_route(resolved.match.entry->id);
    SetCodedValue(*resolved.coding, dose->mutable_route_as_sent());
    return;
  }
  // Unmapped routes are kept as their coding's words (the schedule engine compares route ids
  // only); a route sent only as free text is not kept.
  if (!route->codings.empty()) SetCodedValue(route->codings.front(), dose->mutable_route_as_sent());
  dose->set_route(CodedText(*route));
}

void MapStatusReason(const Value& resource, const Path& root, v1::Event* event,
                     v1::DoseAdministered* dose, std::vector<Issue>* issues) {
  const Path path(root, "statusReason");
  const Value* reasons = GetArray(resource, "statusReason", path, Presence::kOptional, issues);
  if (reasons == nullptr || reasons->Empty()) {
    if (dose->status() == v1::DoseAdministered::NOT_DONE) {
      AddDataQualityNote("required", "missing-status-reason", path.str(),
                         "a not-done administration should say why (statusReason)",
                         "MedicationAdministration.statusReason", event, issues);
    }
    return;
  }
  std::optional<CodeableConcept> reason =
      ReadCodeableConcept((*reasons)[0], Path(path, size_t{0}), issues);
  if (!reason) return;
  if (!reason->codings.empty()) {
    SetCodedValue(reason->codings.front(), dose->mutable_status_reason_code());
  }
  dose->set_status_reason(CodedText(*reason));  // coded content only: the text is free text
}

void MapEffective(const Value& resource, const Path& root, v1::Event* event,
                  v1::DoseAdministered* dose, std::vector<Issue>* issues) {
  const Path date_time_path(root, "effectiveDateTime");
  if (Has(resource, "effectiveDateTime")) {
    if (auto text = GetString(resource, "effectiveDateTime", date_time_path, Presence::kRequired,
                              issues)) {
      SetOccurredAt(*text, date_time_path, event, issues);
    }
    return;
  }
  const Path period_path(root, "effectivePeriod");
  if (!Has(resource, "effectivePeriod")) {
    AddError("required", Path(root, "effective[x]").str(),
             "MedicationAdministration.effective[x] is required: send effectiveDateTime or "
             "effectivePeriod.start",
             issues);
    return;
  }
  const Value* period = GetObject(resource, "effectivePeriod", period_path, Presence::kRequired,
                                  issues);
  if (period == nullptr) return;
  const Path start_path(period_path, "start");
  if (auto start = GetString(*period, "start", start_path, Presence::kRequired, issues)) {
    SetOccurredAt(*start, start_path, event, issues);
  }
  const Path end_path(period_path, "end");
  if (auto end = GetString(*period, "end", end_path, Presence::kOptional, issues)) {
    ParseTimeInto(*end, end_path, dose->mutable_effective_end(), issues);
  }
}

}  // namespace

MapResult MapMedicationAdministration(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  v1::DoseAdministered* dose = event.mutable_dose_administered();
  result.patient = ReadPatient(resource, root, "subject", issues);

  const Path status_path(root, "status");
  if (auto status = GetString(resource, "status", status_path, Presence::kRequired, issues)) {
    if (auto parsed = ParseStatus(*status)) {
      dose->set_status(*parsed);
    } else {
      AddError("code-invalid", status_path.str(),
               absl::StrCat("'", *status, "' is not a medication-admin-status code"), issues);
    }
  }
  MapStatusReason(resource, root, &event, dose, issues);

  const DrugEntry* drug = nullptr;
  if (std::optional<CodeableConcept> medication = ReadMedication(resource, root, &event, issues)) {
    Resolved<DrugEntry> resolved = ResolveCodings<DrugEntry>(
        *medication, context, [&](std::string_view system, std::string_view code) {
          return context.study.FindDrug(system, code);
        });
    if (resolved.match.entry != nullptr) {
      drug = resolved.match.entry;
      dose->set_agent(drug->id);
      dose->set_study_drug(true);
      SetCodedValue(*resolved.coding, dose->mutable_medication());
      NoteUnconfirmedMatch(resolved, &event, issues);
    } else {
      // A medication sent only as free text is not kept in words: the finding says so.
      if (!medication->codings.empty()) {
        SetCodedValue(medication->codings.front(), dose->mutable_medication());
      }
      const bool has_codes = !medication->codings.empty();
      AddDataQualityNote(
          "code-invalid", "non-study-drug",
          has_codes ? medication->codings.front().path : Path(root, "medication[x]").str(),
          absl::StrCat("medication ", DescribeCodings(*medication),
                       " is not in the study's drug table (codes/drugs.json) nor a local code of "
                       "site '", context.site_id, "'; kept as a non-study drug"),
          "codes/drugs.json", &event, issues);
    }
  }

  const Path dosage_path(root, "dosage");
  if (const Value* dosage =
          GetObject(resource, "dosage", dosage_path, Presence::kOptional, issues)) {
    MapDose(*dosage, dosage_path, drug, context, &event, dose, issues);
    MapRoute(*dosage, dosage_path, context, dose, issues);
  }
  MapEffective(resource, root, &event, dose, issues);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
