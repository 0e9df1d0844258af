// The append path (timeline_append.h) against the full computation: whenever AppendLabs takes
// new labs, the timeline it keeps must be exactly what BuildTimeline gives for all the events;
// whenever it cannot, it must say so. Courses with random lab values (grades 0-4, hold
// conditions, calcium with and without albumin, M-protein responses, reported responses and
// adverse events) are replayed one event at a time, as SubjectTimelines sees them arrive.
#include "gateway/schedule/timeline_append.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/schedule/timeline.h"
#include "gateway/schedule/timeline_state.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/schedule/subject_builder.h"

namespace trialgate::schedule {
namespace {

using testing::KrdClinicalRules;
using testing::KrdSchedule;
using testing::Noon;
using testing::SubjectBuilder;

const Date kC1D1(2026, 1, 5);
constexpr char kSubject[] = "KRD-001-0001";

std::unique_ptr<TimelineState> FullState(const std::vector<v1::Event>& events, Date today) {
  return BuildTimelineState(KrdSchedule(), kSubject, store::EventBatch(events), Noon(today),
                            SiteCalendar(), KrdClinicalRules().get());
}

v1::Timeline Full(const std::vector<v1::Event>& events, Date today) {
  return BuildTimeline(KrdSchedule(), kSubject, events, Noon(today), SiteCalendar(),
                       KrdClinicalRules().get());
}

bool Append(TimelineState* state, std::vector<v1::Event> fresh, Date today) {
  return AppendLabs(KrdSchedule(), KrdClinicalRules().get(), SiteCalendar(), std::move(fresh),
                    Noon(today), state);
}

// Equal but for when each was computed; the differences otherwise.
::testing::AssertionResult SameTimeline(const v1::Timeline& kept, const v1::Timeline& full) {
  google::protobuf::util::MessageDifferencer differ;
  differ.IgnoreField(v1::Timeline::descriptor()->FindFieldByName("computed_at"));
  std::string report;
  differ.ReportDifferencesToString(&report);
  if (differ.Compare(full, kept)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << report.substr(0, 4000);
}

struct ReplayCount {
  int appended = 0;
  int rebuilt = 0;
  int labs = 0;
};

// Feeds events[start..] one at a time, as SubjectTimelines does (appended when AppendLabs takes
// the event, else computed from all), comparing with the full computation after each.
ReplayCount Replay(const std::vector<v1::Event>& events, size_t start, Date today) {
  ReplayCount count;
  std::vector<v1::Event> so_far(events.begin(), events.begin() + start);
  std::unique_ptr<TimelineState> state = FullState(so_far, today);
  for (size_t i = start; i < events.size(); ++i) {
    so_far.push_back(events[i]);
    if (events[i].has_lab_result()) ++count.labs;
    if (Append(state.get(), {events[i]}, today)) {
      ++count.appended;
      EXPECT_TRUE(SameTimeline(*state->timeline, Full(so_far, today)))
          << "after event " << i << " (" << events[i].ShortDebugString() << ")";
      if (::testing::Test::HasFailure()) return count;
    } else {
      ++count.rebuilt;
      state = FullState(so_far, today);
    }
  }
  return count;
}

// `event` drawn `hours` into its day (the builder's events are at midnight): before or after the
// day's doses.
void At(v1::Event& event, int hours) {
  event.mutable_occurred_at()->set_seconds(event.occurred_at().seconds() + hours * 3600);
}

// A course with random labs: screening (baselines), `cycles` KRd cycles with a lab panel twice a
// week at random hours, lab values that reach every grade now and then, M-protein falling (a
// response) or rising, a reported response and a few adverse events; then weeks of labs
// without doses (follow-up style) when `tail_weeks`.
std::vector<v1::Event> RandomCourse(uint32_t seed, int cycles, int tail_weeks,
                                    bool reported_responses) {
  std::mt19937 random(seed);
  auto uniform = [&](double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(random);
  };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(random); };
  SubjectBuilder subject;
  const Date screening = kC1D1 - 7;
  subject.BodySize(screening);
  subject.Lab("anc", screening, 2.5, "10*9/L", 1.5, 7.5);
  subject.Lab("platelets", screening, 210, "10*9/L", 150, 400);
  subject.Lab("hemoglobin", screening, 12.5, "g/dL", 12, 16);
  subject.Lab("creatinine", screening, 1.0, "mg/dL", 0.6, 1.2);
  subject.Lab("calcium", screening, 9.5, "mg/dL", 8.5, 10.5);
  subject.Lab("serum_m_protein", screening, 3.0, "g/dL");
  double m_protein = 3.0;
  const double trend = chance(0.7) ? 0.8 : 1.15;

  auto panel = [&](Date date) {
    const int hour = chance(0.5) ? 0 : 15;  // before the day's doses, or after them
    At(subject.Lab("anc", date, chance(0.15) ? uniform(0.3, 1.4) : uniform(1.5, 5), "10*9/L",
                   1.5, 7.5),
       hour);
    At(subject.Lab("platelets", date, chance(0.15) ? uniform(15, 140) : uniform(150, 300),
                   "10*9/L", 150, 400),
       hour);
    At(subject.Lab("hemoglobin", date, uniform(7.5, 14), "g/dL", 12, 16), hour);
    At(subject.Lab("creatinine", date, chance(0.1) ? uniform(1.6, 3.5) : uniform(0.7, 1.3),
                   "mg/dL", 0.6, 1.2),
       hour);
    At(subject.Lab("calcium", date, uniform(7.0, 12.5), "mg/dL", 8.5, 10.5), hour);
    if (chance(0.5)) At(subject.Lab("albumin", date, uniform(25, 45), "g/L", 35, 50), hour + 1);
  };

  for (int cycle = 1; cycle <= cycles; ++cycle) {
    const Date day1 = kC1D1 + 28 * (cycle - 1);
    for (int day = 1; day <= 28; ++day) {
      const Date date = day1 + (day - 1);
      if (day == 1 || day == 8 || day == 15 || day == 22) panel(date);
      for (int k : {1, 2, 8, 9, 15, 16}) {
        if (day == k) At(subject.Dose("carfilzomib", date, 27 * 1.818), 10);
      }
      if (day <= 21) At(subject.Dose("lenalidomide", date, 25), 10);
      if (day == 1 || day == 8 || day == 15 || day == 22) {
        At(subject.Dose("dexamethasone", date, 40), 10);
      }
      // A response reported at a visit, before that day's M-protein arrives.
      if (reported_responses && cycle == 3 && day == 15) {
        subject.Response(chance(0.5) ? "CR" : "PR", date);
      }
      if (day == 1 || day == 15) {
        m_protein *= trend * uniform(0.9, 1.1);
        At(subject.Lab("serum_m_protein", date, m_protein, "g/dL"), 9);
      }
      if (day == 12 && chance(0.4)) subject.AdverseEvent("Anemia", 3, date);
    }
    if (reported_responses && cycle == 2) subject.Response("PR", day1 + 27);
  }
  const Date after = kC1D1 + 28 * cycles + 14;
  for (int week = 0; week < tail_weeks; ++week) {
    const Date date = after + 7 * week;
    panel(date);
    m_protein *= trend * uniform(0.9, 1.1);
    subject.Lab("serum_m_protein", date, m_protein, "g/dL");
  }
  return std::move(subject.events());
}

Date LastDate(const std::vector<v1::Event>& events) {
  return SiteCalendar().DateOf(events.back());
}

TEST(TimelineAppendTest, LabsDuringTreatmentAreAppendedExactlyAsTheFullComputation) {
  int appended = 0, labs = 0;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    const std::vector<v1::Event> events = RandomCourse(seed, 3, 0, seed % 2 == 0);
    const ReplayCount count = Replay(events, 20, LastDate(events));
    if (HasFailure()) return;
    appended += count.appended;
    labs += count.labs;
  }
  // Most labs take the append path (some need the whole computation: a grade 3+ on a dose day,
  // a response the gate reads): the test would be empty otherwise.
  EXPECT_GT(appended, labs / 2) << appended << " of " << labs << " labs appended";
}

TEST(TimelineAppendTest, LabsAfterTreatmentAreAppendedExactlyAsTheFullComputation) {
  int appended = 0, labs = 0;
  for (uint32_t seed = 11; seed <= 14; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    const std::vector<v1::Event> events = RandomCourse(seed, 1, 10, seed % 2 == 0);
    const ReplayCount count = Replay(events, 20, LastDate(events));
    if (HasFailure()) return;
    appended += count.appended;
    labs += count.labs;
  }
  EXPECT_GT(appended, labs * 3 / 4) << appended << " of " << labs << " labs appended";
}

TEST(TimelineAppendTest, JudgedWeeksLaterUnreportedToxicitiesAndMissedDosesStayExact) {
  // Today well after the labs: AE_NOT_REPORTED is due for the grade 3+ labs, and the doses of
  // the days since are missed; both sit among the findings the append path rewrites.
  for (uint32_t seed = 21; seed <= 24; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    const std::vector<v1::Event> events = RandomCourse(seed, 2, 4, seed % 2 == 0);
    const ReplayCount count = Replay(events, 20, LastDate(events) + 40);
    if (HasFailure()) return;
    EXPECT_GT(count.appended, 0);
  }
}

// One course to add to: cycle 1 (doses through day 28) and screening labs.
class AppendCaseTest : public ::testing::Test {
 protected:
  AppendCaseTest() {
    subject_.BodySize(kC1D1 - 7);
    subject_.Lab("creatinine", kC1D1 - 7, 1.0, "mg/dL", 0.6, 1.2);
    subject_.Lab("serum_m_protein", kC1D1 - 7, 3.0, "g/dL");
    subject_.Reinduction(kC1D1, 1);
    last_ = kC1D1 + 27;
  }
  // The state of everything so far, then `fresh` events added by the builder after it.
  bool AppendNew(size_t already) {
    std::vector<v1::Event> before(subject_.events().begin(),
                                  subject_.events().begin() + static_cast<long>(already));
    state_ = FullState(before, last_);
    std::vector<v1::Event> fresh(subject_.events().begin() + static_cast<long>(already),
                                 subject_.events().end());
    return Append(state_.get(), fresh, last_);
  }
  void ExpectExact() {
    EXPECT_TRUE(SameTimeline(*state_->timeline, Full(subject_.events(), last_)));
  }

  SubjectBuilder subject_;
  Date last_;
  std::unique_ptr<TimelineState> state_;
};

TEST_F(AppendCaseTest, ADayOfLabsInOneBatchIsAppended) {
  const size_t already = subject_.events().size();
  subject_.Lab("anc", last_, 1.2, "10*9/L", 1.5, 7.5);       // grade 2
  subject_.Lab("calcium", last_, 8.0, "mg/dL", 8.5, 10.5);   // corrected by the albumin after it
  subject_.Lab("albumin", last_, 28, "g/L", 35, 50);
  subject_.Lab("serum_m_protein", last_, 1.2, "g/dL");       // a response marker
  ASSERT_TRUE(AppendNew(already));
  ExpectExact();
  EXPECT_GT(state_->timeline->toxicities_size(), 0);
  EXPECT_GT(state_->timeline->responses_size(), 0);
}

// The study report builds timelines without their event list (list_events false): all else is
// what the full computation gives, and such a state is never appended to (the list would lack
// the new labs).
TEST_F(AppendCaseTest, ATimelineWithoutItsEventListIsTheSameOtherwiseAndIsComputedAfresh) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    const std::vector<v1::Event> events = RandomCourse(seed, 3, seed % 2 == 0 ? 6 : 0, true);
    const Date today = LastDate(events);
    const std::unique_ptr<TimelineState> lean =
        BuildTimelineState(KrdSchedule(), kSubject, store::EventBatch(events), Noon(today),
                           SiteCalendar(), KrdClinicalRules().get(), /*list_events=*/false);
    v1::Timeline full = Full(events, today);
    ASSERT_GT(full.events_size(), 0);
    EXPECT_EQ(lean->timeline->events_size(), 0);
    EXPECT_EQ(lean->history.all.size(), static_cast<size_t>(full.events_size()));
    full.clear_events();
    EXPECT_TRUE(SameTimeline(*lean->timeline, full));
  }

  const size_t already = subject_.events().size();
  subject_.Lab("anc", last_, 1.2, "10*9/L", 1.5, 7.5);  // appended to a full state (above)
  std::vector<v1::Event> before(subject_.events().begin(),
                                subject_.events().begin() + static_cast<long>(already));
  std::unique_ptr<TimelineState> lean =
      BuildTimelineState(KrdSchedule(), kSubject, store::EventBatch(before), Noon(last_),
                         SiteCalendar(), KrdClinicalRules().get(), /*list_events=*/false);
  EXPECT_FALSE(Append(lean.get(), {subject_.events().back()}, last_));
  EXPECT_TRUE(AppendNew(already));
}

TEST_F(AppendCaseTest, CreatinineTwiceBaselineBeforeACarfilzomibDoseIsFoundOnTheAppendPath) {
  // Cycle 2 day 1: carfilzomib given, then the morning's creatinine arrives (drawn before it).
  const Date c2d1 = kC1D1 + 28;
  subject_.Dose("carfilzomib", c2d1, 27 * 1.818);
  last_ = c2d1;
  const size_t already = subject_.events().size();
  subject_.Lab("creatinine", c2d1, 2.2, "mg/dL", 0.6, 1.2);  // grade 2: no dose-reduction change
  ASSERT_TRUE(AppendNew(already));
  ExpectExact();
  bool held = false;
  for (const v1::TimelineFinding& finding : state_->timeline->findings()) {
    held = held || finding.finding().code() == "DOSE_GIVEN_DESPITE_HOLD";
  }
  EXPECT_TRUE(held);
}

TEST_F(AppendCaseTest, AGradeThreeLabOnADoseDayNeedsTheWholeComputation) {
  // It may explain a reduced dose of that day.
  const Date c2d1 = kC1D1 + 28;
  subject_.Dose("lenalidomide", c2d1, 25);
  last_ = c2d1;
  const size_t already = subject_.events().size();
  subject_.Lab("platelets", c2d1, 40, "10*9/L", 150, 400);  // grade 3
  EXPECT_FALSE(AppendNew(already));
  // Without a dose that day it is appended.
  subject_.events().clear();
  subject_.BodySize(kC1D1 - 7);
  subject_.Reinduction(kC1D1, 1);
  last_ = kC1D1 + 27;  // cycle 1 day 28: no dose
  const size_t no_dose = subject_.events().size();
  subject_.Lab("platelets", last_, 40, "10*9/L", 150, 400);
  EXPECT_TRUE(AppendNew(no_dose));
  ExpectExact();
}

TEST_F(AppendCaseTest, WhatALabCannotBeAppendedForIsComputedFromAllEvents) {
  const size_t already = subject_.events().size();
  // A new version of a lab already held.
  subject_.NewVersion(subject_.events()[2]);
  EXPECT_FALSE(AppendNew(already));
  subject_.events().pop_back();
  // A lab dated before the latest event (dexamethasone on day 22).
  subject_.Lab("anc", kC1D1 + 20, 2.0, "10*9/L", 1.5, 7.5);
  EXPECT_FALSE(AppendNew(already));
  subject_.events().pop_back();
  // A weight: the schedule reads it for BSA-based doses.
  subject_.Lab("body_weight", last_, 64, "kg");
  EXPECT_FALSE(AppendNew(already));
  subject_.events().pop_back();
  // Another kind of event.
  subject_.AdverseEvent("Fatigue", 1, last_);
  EXPECT_FALSE(AppendNew(already));
  subject_.events().pop_back();
  // Another day than the state's: missed doses are judged anew.
  subject_.Lab("anc", last_, 2.0, "10*9/L", 1.5, 7.5);
  state_ = FullState(std::vector<v1::Event>(subject_.events().begin(),
                                            subject_.events().begin() +
                                                static_cast<long>(already)),
                     last_);
  EXPECT_FALSE(Append(state_.get(), {subject_.events().back()}, last_ + 1));
  // The same lab on the state's day is appended.
  EXPECT_TRUE(AppendNew(already));
  ExpectExact();
}

TEST_F(AppendCaseTest, AMarkerOnTheDayOfAReportedResponseIsComparedWithIt) {
  // RESPONSE_DISCORDANT compares the reported response with the derived one of its day.
  subject_.Response("CR", last_);
  const size_t already = subject_.events().size();
  subject_.Lab("serum_m_protein", last_, 1.2, "g/dL");  // -60%: PR at best
  ASSERT_TRUE(AppendNew(already));
  ExpectExact();
  bool discordant = false;
  for (const v1::TimelineFinding& finding : state_->timeline->findings()) {
    discordant = discordant || finding.finding().code() == "RESPONSE_DISCORDANT";
  }
  EXPECT_TRUE(discordant);
}

TEST_F(AppendCaseTest, RecordsTheSystemDerivesChangeNothing) {
  const size_t already = subject_.events().size();
  v1::Event& derived = subject_.Lab("anc", last_, 0.2, "10*9/L", 1.5, 7.5);
  derived.mutable_source()->set_resource_type(kDerivedResourceType);
  ASSERT_TRUE(AppendNew(already));
  EXPECT_TRUE(SameTimeline(*state_->timeline, Full(std::vector<v1::Event>(
                                                       subject_.events().begin(),
                                                       subject_.events().begin() +
                                                           static_cast<long>(already)),
                                                   last_)));
}

TEST_F(AppendCaseTest, AReaderKeepsTheTimelineItHasWhileALabIsAppended) {
  state_ = FullState(subject_.events(), last_);
  std::shared_ptr<const v1::Timeline> reading = state_->timeline;
  const int events_before = reading->events_size();
  subject_.Lab("anc", last_, 2.0, "10*9/L", 1.5, 7.5);
  ASSERT_TRUE(Append(state_.get(), {subject_.events().back()}, last_));
  EXPECT_EQ(reading->events_size(), events_before);
  EXPECT_EQ(state_->timeline->events_size(), events_before + 1);
}

}  // namespace
}  // namespace trialgate::schedule
