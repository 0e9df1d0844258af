#include "tests/support/fhir_resources.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace trialgate::testing::fhir {
namespace {

std::string MedicationCoding(const std::string& agent) {
  if (agent == "carfilzomib") return R"({"system": "http://www.whocc.no/atc", "code": "L01XG02"})";
  if (agent == "lenalidomide") return R"({"system": "http://www.whocc.no/atc", "code": "L04AX04"})";
  return absl::StrCat(R"({"system": "urn:trialgate:krd-asct2:drug", "code": ")", agent, R"("})");
}

}  // namespace

std::string Morning(schedule::Date date) {
  return absl::StrCat(schedule::FormatDate(date), "T09:00:00+01:00");
}

std::string EnrolPt2001(schedule::Date start) {
  return absl::StrCat(R"({"resourceType": "ResearchSubject", "id": "rs-2001",
    "identifier": [{"system": "urn:trialgate:krd-asct2:subject", "value": ")", kSubject, R"("}],
    "status": "on-study", "period": {"start": ")", schedule::FormatDate(start), R"("},
    "study": {"reference": "ResearchStudy/krd-asct2"},
    "individual": {"reference": "Patient/pt-2001"}})");
}

std::string Dose(const std::string& id, const std::string& agent, schedule::Date date, double mg,
                 const std::string& version) {
  return absl::StrCat(R"({"resourceType": "MedicationAdministration", "id": ")", id,
                      R"(", "meta": {"versionId": ")", version, R"("}, "status": "completed",
    "medicationCodeableConcept": {"coding": [)", MedicationCoding(agent), R"(]},
    "subject": {"reference": "Patient/pt-2001"}, "effectiveDateTime": ")", Morning(date), R"(",
    "dosage": {"dose": {"value": )", mg,
                      R"(, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}})");
}

std::string NotDone(const std::string& id, const std::string& agent, schedule::Date date,
                    const std::string& reason) {
  return absl::StrCat(R"({"resourceType": "MedicationAdministration", "id": ")", id,
                      R"(", "status": "not-done", "statusReason": [{"text": ")", reason, R"("}],
    "medicationCodeableConcept": {"coding": [)", MedicationCoding(agent), R"(]},
    "subject": {"reference": "Patient/pt-2001"}, "effectiveDateTime": ")", Morning(date), R"("})");
}

std::string Quantity(const std::string& id, const std::string& system, const std::string& code,
                     schedule::Date date, double value, const std::string& unit) {
  return absl::StrCat(R"({"resourceType": "Observation", "id": ")", id, R"(", "status": "final",
    "code": {"coding": [{"system": ")", system, R"(", "code": ")", code, R"("}]},
    "subject": {"reference": "Patient/pt-2001"}, "effectiveDateTime": ")", Morning(date), R"(",
    "valueQuantity": {"value": )", value, R"(, "unit": ")", unit,
                      R"(", "system": "http://unitsofmeasure.org", "code": ")", unit, R"("}})");
}

std::string Height(schedule::Date date, double cm) {
  return Quantity(absl::StrCat("height-", schedule::FormatDate(date)), "http://loinc.org",
                  "8302-2", date, cm, "cm");
}

std::string Weight(schedule::Date date, double kg) {
  return Quantity(absl::StrCat("weight-", schedule::FormatDate(date)), "http://loinc.org",
                  "29463-7", date, kg, "kg");
}

std::string Response(const std::string& id, schedule::Date date, const std::string& category) {
  return absl::StrCat(R"({"resourceType": "Observation", "id": ")", id, R"(", "status": "final",
    "code": {"coding": [{"system": "urn:trialgate:krd-asct2:assessment", "code": "imwg-response"}]},
    "subject": {"reference": "Patient/pt-2001"}, "effectiveDateTime": ")", Morning(date), R"(",
    "valueCodeableConcept": {"coding": [{"system": "urn:trialgate:krd-asct2:imwg-response",
      "code": ")", category, R"("}]}})");
}

std::string Cd34(const std::string& id, schedule::Date date, double per_kg) {
  return Quantity(id, "urn:trialgate:krd-asct2:lab", "cd34_per_kg", date, per_kg, "10*6/kg");
}

std::string Procedure(const std::string& id, const std::string& system, const std::string& code,
                      schedule::Date date) {
  return absl::StrCat(R"({"resourceType": "Procedure", "id": ")", id, R"(", "status": "completed",
    "code": {"coding": [{"system": ")", system, R"(", "code": ")", code, R"("}]},
    "subject": {"reference": "Patient/pt-2001"}, "performedDateTime": ")", Morning(date), R"("})");
}

std::string Batch(const std::vector<std::string>& resources) {
  std::vector<std::string> entries;
  for (const std::string& resource : resources) {
    entries.push_back(absl::StrCat(R"({"resource": )", resource,
                                   R"(, "request": {"method": "POST", "url": "Resource"}})"));
  }
  return absl::StrCat(R"({"resourceType": "Bundle", "type": "batch", "entry": [)",
                      absl::StrJoin(entries, ", "), "]}");
}

std::vector<std::string> KrdCycle(int cycle, schedule::Date day1, double bsa_m2,
                                  const std::vector<std::pair<std::string, int>>& skip) {
  std::vector<std::string> out;
  auto add = [&](const std::string& agent, int day, double mg) {
    for (const auto& [a, d] : skip) {
      if (a == agent && d == day) return;
    }
    out.push_back(Dose(absl::StrCat("ma-c", cycle, "d", day, "-", agent), agent,
                       day1 + (day - 1), mg));
  };
  for (int day = 1; day <= 28; ++day) {
    for (int k : {1, 2, 8, 9, 15, 16}) {
      if (day == k) add("carfilzomib", day, 27 * bsa_m2);
    }
    if (day <= 21) add("lenalidomide", day, 25);
    for (int d : {1, 8, 15, 22}) {
      if (day == d) add("dexamethasone", day, 40);
    }
  }
  return out;
}

}  // namespace trialgate::testing::fhir
