#ifndef TRIALGATE_TESTS_ENDPOINTS_COHORT_UTIL_H_
#define TRIALGATE_TESTS_ENDPOINTS_COHORT_UTIL_H_

// Helpers for the hand-worked cohorts of the endpoint tests: every date is day 0 (2024-01-01,
// the consent date) + k, so that a time under the +1 convention is k + 1 days.

#include <string>

#include "absl/time/civil_time.h"
#include "fhir-profiles/embedded.h"
#include "gateway/endpoints/subject_course.h"
#include "gtest/gtest.h"
#include "mappers/endpoint_definitions.h"

namespace trialgate::endpoints::testing {

inline const absl::CivilDay kDay0(2024, 1, 1);

// Day 0 + k.
inline absl::CivilDay Day(int k) { return kDay0 + k; }

// The shipped endpoints.json, so the tests exercise the study's own definitions.
inline mappers::EndpointDefinitions ShippedDefinitions() {
  const std::string text = profiles::EmbeddedStudyFiles("krd-asct2")[mappers::kEndpointsFile];
  absl::StatusOr<mappers::EndpointDefinitions> parsed = mappers::ParseEndpointDefinitions(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : mappers::EndpointDefinitions{};
}

inline ResponseAssessment Assessment(int k, std::string category, bool confirmed) {
  return ResponseAssessment{Day(k), std::move(category), confirmed, AssessmentOrigin::kDerived};
}

inline SubjectCourse Subject(std::string id) {
  SubjectCourse course;
  course.subject_id = std::move(id);
  course.site_id = "site-1";
  course.consent = kDay0;
  return course;
}

}  // namespace trialgate::endpoints::testing

#endif  // TRIALGATE_TESTS_ENDPOINTS_COHORT_UTIL_H_
