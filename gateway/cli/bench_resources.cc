#include "gateway/cli/bench_resources.h"

#include "absl/strings/str_cat.h"
#include "gateway/cli/bench_support.h"

namespace trialgate::cli {

std::string BenchPatientRef(const std::string& subject_run, int subject) {
  return absl::StrCat("Patient/bench-", subject_run, "-p", subject);
}

std::string BenchPatientEnrolment(const std::string& subject_run, int subject) {
  return BenchEnrolment(subject_run, subject,
                        absl::StrCat(R"({"reference":")", BenchPatientRef(subject_run, subject),
                                     R"("})"));
}

// Two of three are lab results, one a carfilzomib dose: the gateway's everyday mix.
const char* BenchResourceType(uint64_t i) {
  return i % 3 == 2 ? "MedicationAdministration" : "Observation";
}

std::string BenchResource(const std::string& run, const std::string& subject_run, uint64_t i,
                          int subjects) {
  const std::string patient =
      BenchPatientRef(subject_run, static_cast<int>(i % static_cast<uint64_t>(subjects)));
  if (i % 3 == 2) {
    return absl::StrCat(
        R"({"resourceType":"MedicationAdministration","id":"bench-)", run, "-", i,
        R"(","status":"completed","medicationCodeableConcept":{"coding":[{"system":)",
        R"("http://www.whocc.no/atc","code":"L01XG02"}]},"subject":{"reference":")", patient,
        R"("},"effectiveDateTime":"2026-01-06T09:30:00+01:00","dosage":{"route":{"coding":[)",
        R"({"system":"http://snomed.info/sct","code":"47625008"}]},"dose":{"value":50,)",
        R"("unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}})");
  }
  return absl::StrCat(
      R"({"resourceType":"Observation","id":"bench-)", run, "-", i,
      R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},)",
      R"("subject":{"reference":")", patient,
      R"("},"effectiveDateTime":"2026-01-06T08:00:00Z","valueQuantity":{"value":)",
      1.0 + static_cast<double>(i % 40) / 10.0,
      R"(,"unit":"10*9/L","system":"http://unitsofmeasure.org","code":"10*9/L"}})");
}

std::string BenchTransaction(const std::string& run, const std::string& subject_run,
                             uint64_t first, uint64_t end, int subjects) {
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (uint64_t i = first; i < end; ++i) {
    absl::StrAppend(&bundle, i == first ? "" : ",", R"({"resource":)",
                    BenchResource(run, subject_run, i, subjects),
                    R"(,"request":{"method":"POST","url":")", BenchResourceType(i), R"("}})");
  }
  absl::StrAppend(&bundle, "]}");
  return bundle;
}

}  // namespace trialgate::cli
