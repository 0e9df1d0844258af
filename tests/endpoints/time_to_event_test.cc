// PFS, OS, time to response and duration of response over one hand-worked cohort. Every date is
// day 0 (consent, 2024-01-01) + k, so a time is k + 1 days (days = end - start + 1). The data
// cutoff is day 1000.
#include "gateway/endpoints/time_to_event.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/endpoints/cohort_util.h"
#include "tests/endpoints/pfs_cohort.h"

namespace trialgate::endpoints {
namespace {

using testing::Assessment;
using testing::Day;
using ::testing::ElementsAre;
using ::testing::Pair;
using testing::ShippedDefinitions;
using testing::Subject;

const absl::CivilDay kCutoff = testing::kPfsCutoff;

// The cohort: A1-A7 of pfs_cohort.h.
std::vector<SubjectCourse> Cohort() { return testing::PfsCohort(); }

const mappers::TimeToEventDefinition& Find(const mappers::EndpointDefinitions& definitions,
                                           const std::string& id) {
  for (const auto& d : definitions.time_to_event) {
    if (d.id == id) return d;
  }
  ADD_FAILURE() << "no endpoint " << id;
  return definitions.time_to_event.front();
}

TimeToEventResult Compute(const std::string& id) {
  const mappers::EndpointDefinitions definitions = ShippedDefinitions();
  const std::vector<SubjectCourse> cohort = Cohort();
  absl::StatusOr<TimeToEventResult> result =
      ComputeTimeToEvent(Find(definitions, id), definitions.conventions, cohort, kCutoff);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : TimeToEventResult{};
}

// subject -> (days, event, reason)
std::map<std::string, std::string> Times(const TimeToEventResult& result) {
  std::map<std::string, std::string> out;
  for (const SubjectTime& t : result.subjects) {
    out[t.subject_id] =
        std::to_string(static_cast<int>(t.days)) + (t.event ? " E " : " C ") + t.reason;
  }
  return out;
}

// PFS by hand (treated: A1-A6; A7 was never dosed):
//   A1 PD day 199                          -> 200 event (confirmed_progression)
//   A2 death day 299, no PD                -> 300 event (death)
//   A3 no event by the cutoff              -> 400 censored at the last adequate assessment
//   A4 new therapy day 250 before PD 350   -> 200 censored at the last assessment before it (199)
//   A5 withdrawn day 150; death 400 unseen -> 100 censored at the last assessment (99)
//   A6 only an NE assessment               -> 1   censored at consent (no post-baseline)
TEST(TimeToEventTest, PfsTimesFollowEachCensoringRule) {
  const TimeToEventResult pfs = Compute("pfs");
  EXPECT_EQ(pfs.population, "treated");
  EXPECT_EQ(pfs.n, 6);
  EXPECT_THAT(
      Times(pfs),
      ElementsAre(Pair("A1", "200 E confirmed_progression"), Pair("A2", "300 E death"),
                  Pair("A3", "400 C no_event"), Pair("A4", "200 C new_anti_myeloma_therapy"),
                  Pair("A5", "100 C withdrawal"), Pair("A6", "1 C no_post_baseline_assessment")));
  EXPECT_EQ(pfs.events, 2);
  EXPECT_THAT(pfs.events_by_kind, ElementsAre(Pair("confirmed_progression", 1), Pair("death", 1)));
  EXPECT_EQ(pfs.censored, 4);
  EXPECT_THAT(pfs.censored_by_reason,
              ElementsAre(Pair("new_anti_myeloma_therapy", 1), Pair("no_event", 1),
                          Pair("no_post_baseline_assessment", 1), Pair("withdrawal", 1)));
}

// Sorted times: 1+, 100+, 200, 200+, 300, 400+ (+ censored).
//   t = 200: at risk 4 (censored at 200 still at risk), 1 event: S = 3/4 = 0.75,
//            Greenwood sigma^2 = 1/(4*3) = 1/12.
//   t = 300: at risk 2, 1 event: S = 0.75 * 1/2 = 0.375, sigma^2 = 1/12 + 1/(2*1) = 7/12.
// Log-log 95% at 200: exp(-exp(ln(-ln .75) -/+ 1.959964 sqrt(1/12) / ln .75)) = (0.127947,
// 0.960549). Median: first S <= 0.5 is 300; its lower limit is where the lower band first is
// <= 0.5 (200); the upper band (0.960549, then 0.808001) never is: absent.
// 2-year rate: 24 x 30.4375 = 730.5 days, after the last time (400): S carried forward (0.375)
// and flagged, as SAS would call it not estimable.
TEST(TimeToEventTest, PfsCurveMedianAndTwoYearRate) {
  const TimeToEventResult pfs = Compute("pfs");
  EXPECT_EQ(pfs.confidence, "log-log");
  ASSERT_EQ(pfs.fit.rows.size(), 2u);
  EXPECT_EQ(pfs.fit.rows[0].time, 200);
  EXPECT_EQ(pfs.fit.rows[0].at_risk, 4);
  EXPECT_DOUBLE_EQ(pfs.fit.rows[0].survival, 0.75);
  EXPECT_DOUBLE_EQ(pfs.fit.rows[0].log_variance, 1.0 / 12);
  EXPECT_NEAR(*pfs.fit.rows[0].limits.lower, 0.127947, 1e-6);
  EXPECT_NEAR(*pfs.fit.rows[0].limits.upper, 0.960549, 1e-6);
  EXPECT_EQ(pfs.fit.rows[1].time, 300);
  EXPECT_EQ(pfs.fit.rows[1].at_risk, 2);
  EXPECT_DOUBLE_EQ(pfs.fit.rows[1].survival, 0.375);
  EXPECT_EQ(pfs.median.median, 300);
  EXPECT_EQ(pfs.median.lower, 200);
  EXPECT_FALSE(pfs.median.upper.has_value());
  ASSERT_EQ(pfs.landmarks.size(), 1u);
  EXPECT_DOUBLE_EQ(pfs.landmarks[0].days, 730.5);
  EXPECT_DOUBLE_EQ(pfs.landmarks[0].rate.survival, 0.375);
  EXPECT_TRUE(pfs.landmarks[0].rate.beyond_last_observation);
  EXPECT_EQ(pfs.landmarks[0].rate.at_risk, 0);
  // Number at risk at 0, 6 (182.625 d), 12 (365.25 d), 18, 24 months: 6, 4, 1, 0, 0.
  ASSERT_GE(pfs.at_risk.size(), 5u);
  EXPECT_EQ(pfs.at_risk[0].at_risk, 6);
  EXPECT_EQ(pfs.at_risk[1].at_risk, 4);
  EXPECT_EQ(pfs.at_risk[2].at_risk, 1);
  EXPECT_EQ(pfs.at_risk[3].at_risk, 0);
  EXPECT_EQ(pfs.at_risk[4].at_risk, 0);
}

// OS by hand (all consented, A1-A7; censored at the last day known alive):
//   A1 601+, A2 300, A3 501+, A4 701+, A5 141+ (withdrawn day 150, last alive 140; the death on
//   day 400 is after withdrawal), A6 121+, A7 501 (death day 500).
//   t = 300: at risk 5, S = 4/5 = 0.8; t = 501: at risk 4 (A7 and A3 tie; the censored one is
//   still at risk), S = 0.8 * 3/4 = 0.6. The median is never reached.
TEST(TimeToEventTest, OsCensorsAtLastKnownAlive) {
  const TimeToEventResult os = Compute("os");
  EXPECT_EQ(os.population, "all_consented");
  EXPECT_EQ(os.n, 7);
  EXPECT_THAT(Times(os), ElementsAre(Pair("A1", "601 C no_event"), Pair("A2", "300 E death"),
                                     Pair("A3", "501 C no_event"), Pair("A4", "701 C no_event"),
                                     Pair("A5", "141 C withdrawal"), Pair("A6", "121 C no_event"),
                                     Pair("A7", "501 E death")));
  ASSERT_EQ(os.fit.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(os.fit.rows[0].survival, 0.8);
  EXPECT_EQ(os.fit.rows[1].at_risk, 4);
  EXPECT_DOUBLE_EQ(os.fit.rows[1].survival, 0.6);
  EXPECT_FALSE(os.median.median.has_value());
}

// Time to response (all consented; event = first confirmed >= PR):
//   A1, A2, A4 confirmed PR day 99 -> 100 events; A3 SD only -> 400+ (no_event);
//   A5 unconfirmed PR, withdrawn -> 100+ (withdrawal); A6 -> 1+ (no post-baseline);
//   A7 PD day 100 before any response -> 101+ censored at the PD assessment (competing_event).
//   t = 100: at risk 6 (all but A6), 3 events: S = 1/2 exactly, flat to the last time (400):
//   R's median rule gives the midpoint of the flat, (100 + 400) / 2 = 250.
TEST(TimeToEventTest, TimeToResponseCensorsProgressionBeforeResponse) {
  const TimeToEventResult ttr = Compute("ttr");
  EXPECT_THAT(Times(ttr), ElementsAre(Pair("A1", "100 E response"), Pair("A2", "100 E response"),
                                      Pair("A3", "400 C no_event"), Pair("A4", "100 E response"),
                                      Pair("A5", "100 C withdrawal"),
                                      Pair("A6", "1 C no_post_baseline_assessment"),
                                      Pair("A7", "101 C competing_event")));
  ASSERT_EQ(ttr.fit.rows.size(), 1u);
  EXPECT_EQ(ttr.fit.rows[0].at_risk, 6);
  EXPECT_DOUBLE_EQ(ttr.fit.rows[0].survival, 0.5);
  EXPECT_EQ(ttr.median.median, 250);
}

// Duration of response (confirmed responders A1, A2, A4; from the response date, day 99):
//   A1 PD day 199 -> 199 - 99 + 1 = 101 event; A2 death day 299 -> 201 event;
//   A4 new therapy day 250 -> censored at the VGPR of day 199 -> 101+.
//   t = 101: at risk 3, S = 2/3; t = 201: at risk 1, S = 0; median 201.
TEST(TimeToEventTest, DurationOfResponseStartsAtTheFirstConfirmedResponse) {
  const TimeToEventResult dor = Compute("dor");
  EXPECT_EQ(dor.population, "confirmed_responders");
  EXPECT_THAT(Times(dor),
              ElementsAre(Pair("A1", "101 E confirmed_progression"), Pair("A2", "201 E death"),
                          Pair("A4", "101 C new_anti_myeloma_therapy")));
  ASSERT_EQ(dor.fit.rows.size(), 2u);
  EXPECT_NEAR(dor.fit.rows[0].survival, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(dor.fit.rows[1].survival, 0);
  EXPECT_EQ(dor.median.median, 201);
}

// An event dated before the origin is a data error: the subject is not evaluable, with why,
// rather than given a negative time.
TEST(TimeToEventTest, EventBeforeConsentIsNotEvaluable) {
  const mappers::EndpointDefinitions definitions = ShippedDefinitions();
  SubjectCourse wrong = Subject("X");
  wrong.first_dose = Day(7);
  wrong.death = Day(-3);
  const std::vector<SubjectCourse> cohort = {wrong};
  absl::StatusOr<TimeToEventResult> os =
      ComputeTimeToEvent(Find(definitions, "os"), definitions.conventions, cohort, kCutoff);
  ASSERT_TRUE(os.ok()) << os.status();
  EXPECT_EQ(os->n, 0);
  EXPECT_THAT(os->not_evaluable, ElementsAre(Pair("death dated before the origin", 1)));
}

// A confirmed PR on the day new therapy starts is not a response ([ONC-IMWG]: assessments after
// new therapy cannot confirm): time to response is censored at the SD of day 50 -> 51 days.
TEST(TimeToEventTest, ResponseOnTheDayOfNewTherapyDoesNotCount) {
  const mappers::EndpointDefinitions definitions = ShippedDefinitions();
  SubjectCourse s = Subject("S");
  s.assessments = {Assessment(50, "SD", false), Assessment(99, "PR", true)};
  s.new_therapy = Day(99);
  std::string why;
  std::optional<SubjectTime> time =
      DeriveSubjectTime(Find(definitions, "ttr"), definitions.conventions, s, kCutoff, &why);
  ASSERT_TRUE(time.has_value()) << why;
  EXPECT_FALSE(time->event);
  EXPECT_EQ(time->reason, "new_anti_myeloma_therapy");
  EXPECT_EQ(time->days, 51);
}

// The sensitivity rule (2 missed assessments of 28 days, as shipped): an event more than 56 days
// after the last adequate assessment is censored there.
//   M1: SD day 99, death day 156 (57 days later) -> censored at day 99: 100 days.
//   M2: SD day 99, PD day 155 (56 days later: two intervals, not more) -> event, 156 days.
//   M3: no assessment, death day 30 (30 days after consent) -> event, 31 days.
// The primary PFS counts all three as events.
TEST(TimeToEventTest, MissedAssessmentsSensitivityCensorsLateEvents) {
  const mappers::EndpointDefinitions definitions = ShippedDefinitions();
  SubjectCourse m1 = Subject("M1");
  m1.first_dose = Day(7);
  m1.assessments = {Assessment(99, "SD", false)};
  m1.death = Day(156);
  SubjectCourse m2 = Subject("M2");
  m2.first_dose = Day(7);
  m2.assessments = {Assessment(99, "SD", false), Assessment(155, "PD", true)};
  m2.progression = Day(155);
  SubjectCourse m3 = Subject("M3");
  m3.first_dose = Day(7);
  m3.death = Day(30);
  const std::vector<SubjectCourse> cohort = {m1, m2, m3};
  absl::StatusOr<TimeToEventResult> sensitivity = ComputeTimeToEvent(
      Find(definitions, "pfs_missed_assessments"), definitions.conventions, cohort, kCutoff);
  ASSERT_TRUE(sensitivity.ok()) << sensitivity.status();
  EXPECT_THAT(Times(*sensitivity),
              ElementsAre(Pair("M1", "100 C event_after_missed_assessments"),
                          Pair("M2", "156 E confirmed_progression"), Pair("M3", "31 E death")));
  EXPECT_THAT(sensitivity->censored_by_reason,
              ElementsAre(Pair("event_after_missed_assessments", 1)));
  absl::StatusOr<TimeToEventResult> primary =
      ComputeTimeToEvent(Find(definitions, "pfs"), definitions.conventions, cohort, kCutoff);
  ASSERT_TRUE(primary.ok());
  EXPECT_EQ(primary->events, 3);
}

// Log, R's default, is the option: the same curve with S exp(-/+ z sigma) limits at 200.
TEST(TimeToEventTest, LogIntervalIsTheOption) {
  mappers::EndpointDefinitions definitions = ShippedDefinitions();
  mappers::TimeToEventDefinition pfs = Find(definitions, "pfs");
  pfs.confidence = mappers::SurvivalCi::kLog;
  const std::vector<SubjectCourse> cohort = Cohort();
  absl::StatusOr<TimeToEventResult> result =
      ComputeTimeToEvent(pfs, definitions.conventions, cohort, kCutoff);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->confidence, "log");
  // 0.75 exp(-1.959964 sqrt(1/12)) = 0.425932; the upper limit is capped at 1.
  EXPECT_NEAR(*result->fit.rows[0].limits.lower, 0.425932, 1e-6);
  EXPECT_DOUBLE_EQ(*result->fit.rows[0].limits.upper, 1.0);
}

}  // namespace
}  // namespace trialgate::endpoints
