#ifndef TRIALGATE_TESTS_ENDPOINTS_PFS_COHORT_H_
#define TRIALGATE_TESTS_ENDPOINTS_PFS_COHORT_H_

// The hand-worked cohort of the time-to-event tests (time_to_event_test.cc works out each
// subject's times), shared with the report's tests. Day 0 (consent) + k, cut off at day 1000.
//
// A1: confirmed PR day 99, PD assessment and confirmed PD day 199; alive day 600.
// A2: confirmed PR day 99, confirmed VGPR day 199, death day 299 without PD.
// A3: SD days 99, 199, 399; a PD dated day 1200 is after the cutoff; alive day 500.
// A4: confirmed PR day 99, confirmed VGPR day 199, VGPR day 299; new therapy day 250; PD day 350.
// A5: unconfirmed PR day 99; withdrawal day 150; alive day 140; a death on day 400 (after
//     withdrawal: not observed by the study).
// A6: one NE (not evaluable) assessment day 99; alive day 120.
// A7: never dosed (not in the treated PFS population); SD day 50, PD assessment and confirmed
//     PD day 100; death day 500.

#include <vector>

#include "gateway/endpoints/subject_course.h"
#include "tests/endpoints/cohort_util.h"

namespace trialgate::endpoints::testing {

inline const absl::CivilDay kPfsCutoff = Day(1000);

inline std::vector<SubjectCourse> PfsCohort() {
  std::vector<SubjectCourse> out;
  SubjectCourse a1 = Subject("A1");
  a1.first_dose = Day(7);
  a1.assessments = {Assessment(99, "PR", true), Assessment(199, "PD", true)};
  a1.progression = Day(199);
  a1.last_known_alive = Day(600);
  out.push_back(a1);
  SubjectCourse a2 = Subject("A2");
  a2.first_dose = Day(7);
  a2.assessments = {Assessment(99, "PR", true), Assessment(199, "VGPR", true)};
  a2.death = Day(299);
  out.push_back(a2);
  SubjectCourse a3 = Subject("A3");
  a3.first_dose = Day(7);
  a3.assessments = {Assessment(99, "SD", false), Assessment(199, "SD", false),
                    Assessment(399, "SD", false)};
  a3.progression = Day(1200);
  a3.last_known_alive = Day(500);
  out.push_back(a3);
  SubjectCourse a4 = Subject("A4");
  a4.first_dose = Day(7);
  a4.assessments = {Assessment(99, "PR", true), Assessment(199, "VGPR", true),
                    Assessment(299, "VGPR", false)};
  a4.new_therapy = Day(250);
  a4.progression = Day(350);
  a4.last_known_alive = Day(700);
  out.push_back(a4);
  SubjectCourse a5 = Subject("A5");
  a5.first_dose = Day(7);
  a5.assessments = {Assessment(99, "PR", false)};
  a5.withdrawal = Day(150);
  a5.last_known_alive = Day(140);
  a5.death = Day(400);
  out.push_back(a5);
  SubjectCourse a6 = Subject("A6");
  a6.first_dose = Day(7);
  a6.assessments = {Assessment(99, "NE", false)};
  a6.last_known_alive = Day(120);
  out.push_back(a6);
  SubjectCourse a7 = Subject("A7");
  a7.assessments = {Assessment(50, "SD", false), Assessment(100, "PD", true)};
  a7.progression = Day(100);
  a7.death = Day(500);
  out.push_back(a7);
  return out;
}

}  // namespace trialgate::endpoints::testing

#endif  // TRIALGATE_TESTS_ENDPOINTS_PFS_COHORT_H_
