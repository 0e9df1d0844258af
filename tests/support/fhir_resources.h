#ifndef TRIALGATE_TESTS_SUPPORT_FHIR_RESOURCES_H_
#define TRIALGATE_TESTS_SUPPORT_FHIR_RESOURCES_H_

// Small FHIR R4 resources for the timeline's integration tests, as a hospital would send them
// about patient Patient/pt-2001 (enrolled as KRD-002-0001 by EnrolPt2001()).

#include <string>
#include <vector>

#include "gateway/schedule/calendar.h"

namespace trialgate::testing::fhir {

inline constexpr char kSubject[] = "KRD-002-0001";

// "2026-01-05T09:00:00+01:00": a morning in Central Europe.
std::string Morning(schedule::Date date);

std::string EnrolPt2001(schedule::Date start);

// Study agents by id: carfilzomib and lenalidomide by ATC, the others by the study-local code.
std::string Dose(const std::string& id, const std::string& agent, schedule::Date date, double mg,
                 const std::string& version = "1");
std::string NotDone(const std::string& id, const std::string& agent, schedule::Date date,
                    const std::string& reason);
// An Observation with a UCUM quantity: body_height (cm), body_weight (kg), or by LOINC code.
std::string Quantity(const std::string& id, const std::string& system, const std::string& code,
                     schedule::Date date, double value, const std::string& unit);
std::string Height(schedule::Date date, double cm);
std::string Weight(schedule::Date date, double kg);

// An IMWG response assessment (study-local codes) on `date`.
std::string Response(const std::string& id, schedule::Date date, const std::string& category);
// CD34+ cells per kg of an apheresis product (study-local lab code), 10^6/kg.
std::string Cd34(const std::string& id, schedule::Date date, double per_kg);
// A completed Procedure coded (system, code) on `date`.
std::string Procedure(const std::string& id, const std::string& system, const std::string& code,
                      schedule::Date date);

// A batch Bundle of `resources`.
std::string Batch(const std::vector<std::string>& resources);

// KRd cycle `cycle` (1-based) from `day1` as separate resources, skipping (agent, day) pairs.
std::vector<std::string> KrdCycle(int cycle, schedule::Date day1, double bsa_m2,
                                  const std::vector<std::pair<std::string, int>>& skip = {});

}  // namespace trialgate::testing::fhir

#endif  // TRIALGATE_TESTS_SUPPORT_FHIR_RESOURCES_H_
