// The whole report: input checks, the cutoff, and the per-site counts.
#include "gateway/endpoints/compute_endpoints.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/endpoints/cohort_util.h"

namespace trialgate::endpoints {
namespace {

using testing::Assessment;
using testing::Day;
using ::testing::HasSubstr;
using testing::ShippedDefinitions;
using testing::Subject;

// Site 1: S1 (2 deviations), S2 (none); site 2: S3 (1 deviation); S4 consents after the cutoff
// (day 500) and is left out of everything, counted.
std::vector<SubjectCourse> Cohort() {
  SubjectCourse s1 = Subject("S1");
  s1.first_dose = Day(7);
  s1.deviations = 2;
  s1.assessments = {Assessment(99, "PR", true)};
  SubjectCourse s2 = Subject("S2");
  s2.first_dose = Day(7);
  SubjectCourse s3 = Subject("S3");
  s3.site_id = "site-2";
  s3.deviations = 1;
  SubjectCourse s4 = Subject("S4");
  s4.consent = Day(600);
  s4.site_id = "site-2";
  s4.deviations = 5;
  return {s1, s2, s3, s4};
}

TEST(ComputeEndpointsTest, SitesCountEnrolmentAndDeviationsAtTheCutoff) {
  const std::vector<SubjectCourse> cohort = Cohort();
  absl::StatusOr<EndpointReport> report = ComputeEndpoints(ShippedDefinitions(), cohort, Day(500));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->subjects, 4);
  EXPECT_EQ(report->consented_after_cutoff, 1);
  ASSERT_EQ(report->sites.size(), 2u);
  EXPECT_EQ(report->sites[0].site_id, "site-1");
  EXPECT_EQ(report->sites[0].enrolled, 2);
  EXPECT_EQ(report->sites[0].deviations, 2);
  EXPECT_EQ(report->sites[0].subjects_with_deviation, 1);
  EXPECT_EQ(report->sites[1].site_id, "site-2");
  EXPECT_EQ(report->sites[1].enrolled, 1);  // S4 is after the cutoff
  EXPECT_EQ(report->sites[1].deviations, 1);
  // Every endpoint of the file is reported: 5 time-to-event, and the rates once per population
  // (ORR 2, CR after KRd 1, CR after ASCT 2, harvest 2).
  EXPECT_EQ(report->time_to_event.size(), 5u);
  EXPECT_EQ(report->rates.size(), 7u);
  // ITT ORR: 1 of the 3 subjects consented by the cutoff.
  EXPECT_EQ(report->rates[0].n, 3);
  EXPECT_EQ(report->rates[0].successes, 1);
  // OS over all consented by the cutoff: 3, all censored.
  EXPECT_EQ(report->time_to_event[2].id, "os");
  EXPECT_EQ(report->time_to_event[2].n, 3);
  EXPECT_EQ(report->time_to_event[2].events, 0);
}

TEST(ComputeEndpointsTest, RejectsRepeatedSubjectAndDoseBeforeConsent) {
  std::vector<SubjectCourse> cohort = Cohort();
  cohort.push_back(cohort[0]);
  absl::StatusOr<EndpointReport> report = ComputeEndpoints(ShippedDefinitions(), cohort, Day(500));
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("S1 has two courses"));

  cohort = Cohort();
  cohort[1].first_dose = Day(-1);
  report = ComputeEndpoints(ShippedDefinitions(), cohort, Day(500));
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("first dose before consent"));
}

TEST(ComputeEndpointsTest, StudyWithoutEndpointsIsAnError) {
  EXPECT_FALSE(ComputeEndpoints(mappers::EndpointDefinitions{}, {}, Day(1)).ok());
}

}  // namespace
}  // namespace trialgate::endpoints
