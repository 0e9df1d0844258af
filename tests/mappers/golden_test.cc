// Golden cases: tests/mappers/golden/<case>.json is a resource as a site sends it,
// <case>.events.json what MapResource makes of it for site "example-hospital": the events in the
// protobuf JSON mapping, the issues as OperationOutcome.issue entries (every field of each Issue,
// in order), and the patient (and, for a ResearchSubject, the enrolment) the pipeline resolves.
// To regenerate the expected files after a deliberate change, run with TRIALGATE_UPDATE_GOLDEN=1,
// then review every
// changed file against the study (fhir-profiles/studies/krd-asct2/): an expected file says what
// is right, not what the code printed.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/golden.h"
#include "rapidjson/document.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "tests/mappers/mapper_test_util.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Document;
using rapidjson::Value;

std::string GoldenDir() { return std::string(TRIALGATE_SOURCE_DIR) + "/tests/mappers/golden/"; }

std::set<std::string>& Registered() {
  static auto* const names = new std::set<std::string>;
  return *names;
}

void AddString(const char* name, const std::string& value, Value* object,
               Document::AllocatorType& allocator) {
  if (value.empty()) return;
  object->AddMember(Value(name, allocator), Value(value.c_str(), allocator), allocator);
}

// An Issue as an OperationOutcome.issue: the mapper's own words, not the gateway's rendering
// (which belongs to the pipeline and is tested there).
Value IssueJson(const Issue& issue, Document::AllocatorType& allocator) {
  Value out(rapidjson::kObjectType);
  const char* severity = issue.severity == Issue::Severity::kError     ? "error"
                         : issue.severity == Issue::Severity::kWarning ? "warning"
                                                                       : "information";
  out.AddMember("severity", rapidjson::StringRef(severity), allocator);
  AddString("code", issue.code, &out, allocator);
  AddString("diagnostics", issue.diagnostics, &out, allocator);
  if (!issue.expression.empty()) {
    Value expression(rapidjson::kArrayType);
    expression.PushBack(Value(issue.expression.c_str(), allocator), allocator);
    out.AddMember("expression", expression, allocator);
  }
  return out;
}

Value PatientJson(const PatientRef& patient, Document::AllocatorType& allocator) {
  Value out(rapidjson::kObjectType);
  AddString("reference", patient.reference, &out, allocator);
  AddString("identifierSystem", patient.identifier_system, &out, allocator);
  AddString("identifierValue", patient.identifier_value, &out, allocator);
  AddString("expression", patient.expression, &out, allocator);
  return out;
}

// {"events": [...], "issues": [...], "patient": {...}, "enrollment": {...}}, pretty-printed.
std::string ResultJson(const MapResult& result) {
  Document out(rapidjson::kObjectType);
  Document::AllocatorType& allocator = out.GetAllocator();
  Value events(rapidjson::kArrayType);
  for (const v1::Event& event : result.events) {
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(event, &json).ok());
    Document parsed(&allocator);
    parsed.Parse(json.c_str());
    events.PushBack(Value(parsed, allocator), allocator);
  }
  out.AddMember("events", events, allocator);
  Value issues(rapidjson::kArrayType);
  for (const Issue& issue : result.issues) issues.PushBack(IssueJson(issue, allocator), allocator);
  out.AddMember("issues", issues, allocator);
  if (result.patient) out.AddMember("patient", PatientJson(*result.patient, allocator), allocator);
  if (result.enrollment) {
    Value enrollment(rapidjson::kObjectType);
    AddString("subjectId", result.enrollment->subject_id, &enrollment, allocator);
    AddString("status", result.enrollment->status, &enrollment, allocator);
    AddString("enrolledOn", result.enrollment->enrolled_on, &enrollment, allocator);
    enrollment.AddMember("individual", PatientJson(result.enrollment->individual, allocator),
                         allocator);
    out.AddMember("enrollment", enrollment, allocator);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  out.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void RunGolden(const std::string& name) {
  const MapResult result =
      testing::MapJson(testing::ReadFileOrDie(GoldenDir() + name + ".json"), "example-hospital");
  // The contract every case shows: a resource with errors yields no events.
  EXPECT_TRUE(!result.HasErrors() || result.events.empty()) << name;
  trialgate::testing::ExpectMatchesGolden(name, GoldenDir() + name + ".events.json",
                                          ResultJson(result));
}

#define GOLDEN(name)                                                            \
  const bool registered_##name = Registered().insert(#name).second;             \
  TEST(MapperGoldenTest, name) { RunGolden(#name); }

// Doses of the KRd regimen.
GOLDEN(carfilzomib_dose_by_atc)
GOLDEN(carfilzomib_dose_per_m2_by_previous_atc)
GOLDEN(carfilzomib_dose_by_local_code_in_micrograms)
GOLDEN(lenalidomide_dose_contained_rxnorm)
GOLDEN(dexamethasone_dose_by_study_code)
GOLDEN(dexamethasone_not_given_with_reason)
GOLDEN(non_study_drug)
// Laboratory results.
GOLDEN(lab_serum_m_protein_by_loinc)
GOLDEN(lab_serum_m_protein_by_local_code)
GOLDEN(lab_anc_converted_with_range)
GOLDEN(lab_cd34_per_kg)
GOLDEN(lab_unknown_code)
// Response, adverse events, procedures, enrolment.
GOLDEN(response_vgpr)
GOLDEN(ae_neutrophil_count_decreased_grade3)
GOLDEN(ae_febrile_neutropenia_serious_grade3)
GOLDEN(procedure_stem_cell_transplant)
GOLDEN(procedure_stem_cell_collection)
GOLDEN(research_subject_enrolment)
// Errors: nothing of these may be stored.
GOLDEN(error_lab_without_subject)
GOLDEN(error_dose_date_does_not_exist)
GOLDEN(error_ae_grade_as_string)

TEST(MapperGoldenTest, EveryCaseFileIsRegistered) {
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir())) {
    const std::string file = entry.path().filename().string();
    if (file.ends_with(".events.json")) continue;
    if (file.ends_with(".json")) on_disk.insert(file.substr(0, file.size() - 5));
  }
  EXPECT_EQ(on_disk, Registered());
}

}  // namespace
}  // namespace trialgate::mappers
