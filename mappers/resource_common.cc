#include "mappers/resource_common.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mappers/fhir_datetime.h"

namespace trialgate::mappers {

Path ResourceRoot(const MapContext& context, const char* resource_type) {
  return context.root_path.empty() ? Path(resource_type) : Path(context.root_path);
}

v1::Event NewEvent(const rapidjson::Value& resource, const std::string& resource_type,
                   const Path& root, const MapContext& context, std::vector<Issue>* issues) {
  v1::Event event;
  event.set_study_id(context.study.study_id());
  v1::SourceRef* source = event.mutable_source();
  source->set_resource_type(resource_type);
  source->set_logical_id(GetString(resource, "id", Path(root, "id"), Presence::kOptional, issues)
                             .value_or(""));
  const Path meta_path(root, "meta");
  if (const rapidjson::Value* meta =
          GetObject(resource, "meta", meta_path, Presence::kOptional, issues)) {
    source->set_version_id(GetString(*meta, "versionId", Path(meta_path, "versionId"),
                                     Presence::kOptional, issues).value_or(""));
  }
  return event;
}

std::optional<PatientRef> ReadPatient(const rapidjson::Value& resource, const Path& root,
                                      std::string_view element, std::vector<Issue>* issues) {
  const Path path(root, element);
  std::optional<Reference> reference =
      GetReference(resource, element, path, Presence::kRequired, issues);
  if (!reference) return std::nullopt;
  return PatientRef{std::move(reference->reference), std::move(reference->identifier_system),
                    std::move(reference->identifier_value), path.str()};
}

bool ParseTimeInto(const std::string& fhir_time, const Path& path,
                   google::protobuf::Timestamp* timestamp, std::vector<Issue>* issues) {
  absl::StatusOr<google::protobuf::Timestamp> parsed = ParseFhirDateTime(fhir_time);
  if (!parsed.ok()) {
    AddError("value", path.str(), std::string(parsed.status().message()), issues);
    return false;
  }
  *timestamp = *parsed;
  return true;
}

bool SetOccurredAt(const std::string& fhir_time, const Path& path, v1::Event* event,
                   std::vector<Issue>* issues) {
  if (!ParseTimeInto(fhir_time, path, event->mutable_occurred_at(), issues)) {
    event->clear_occurred_at();
    return false;
  }
  event->set_occurred_at_fhir(fhir_time);
  return true;
}

std::optional<std::string> CalendarDayOf(const std::string& fhir_time) {
  // "YYYY-MM-DD" then nothing or "T...": the validator has checked the rest of a dateTime, and
  // ParseFhirDateTime checks it again for resources mapped without validation (fuzzing, tests).
  if (fhir_time.size() < 10 || (fhir_time.size() > 10 && fhir_time[10] != 'T')) {
    return std::nullopt;
  }
  if (!ParseFhirDateTime(fhir_time).ok()) return std::nullopt;
  return fhir_time.substr(0, 10);
}

void SetOccurredOnDay(const std::string& day, v1::Event* event) {
  *event->mutable_occurred_at() = *ParseFhirDateTime(day);
  event->set_occurred_at_fhir(day);
}

void AddDataQualityNote(std::string_view issue_code, std::string_view finding_code,
                        const std::string& expression,
                        const std::string& text, const std::string& rule, v1::Event* event,
                        std::vector<Issue>* issues, v1::Finding::Severity finding_severity) {
  AddWarning(std::string(issue_code), expression, text, issues);
  v1::Finding* finding = event->add_findings();
  finding->set_code(std::string(finding_code));
  finding->set_severity(finding_severity);
  finding->set_text(text);
  finding->set_rule(rule);
}

std::string DescribeCoding(const Coding& coding) {
  return absl::StrCat(coding.system.empty() ? "(no system)" : coding.system, "|",
                      coding.code.empty() ? "(no code)" : coding.code);
}

std::string DescribeCodings(const CodeableConcept& concept_value) {
  if (concept_value.codings.empty()) {
    // The text is not repeated: this description also reaches events (findings).
    return concept_value.text.empty() ? "no coding" : "no coding (text only)";
  }
  return absl::StrJoin(concept_value.codings, ", ", [](std::string* out, const Coding& coding) {
    out->append(DescribeCoding(coding));
  });
}

std::string CodedText(const CodeableConcept& concept_value) {
  if (concept_value.codings.empty()) return "";
  const Coding& first = concept_value.codings.front();
  return first.display.empty() ? first.code : first.display;
}

void SetCodedValue(const Coding& coding, v1::CodedValue* out) {
  out->set_system(coding.system);
  out->set_code(coding.code);
  out->set_display(coding.display);
}

void SetQuantity(const Decimal& value, const std::string& unit, v1::Quantity* out) {
  out->set_value(value.value);
  out->set_value_decimal(value.text);
  out->set_unit(unit);
}

}  // namespace trialgate::mappers
