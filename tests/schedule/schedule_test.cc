#include "gateway/schedule/schedule.h"

#include "absl/strings/str_replace.h"
#include "fhir-profiles/embedded.h"
#include "gateway/schedule/bsa.h"
#include "gateway/schedule/calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/schedule/subject_builder.h"

namespace trialgate::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ScheduleParseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = profiles::EmbeddedStudyFiles("krd-asct2");
    auto study = mappers::Study::FromFiles(files_);
    ASSERT_TRUE(study.ok()) << study.status();
    study_ = *study;
  }
  // Parses the embedded schedule.json with `from` replaced by `to` (once).
  absl::Status ParseEdited(const std::string& from, const std::string& to) {
    std::string text = study_->schedule_json();
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return Schedule::Parse(text, *study_).status();
  }

  std::map<std::string, std::string> files_;
  std::shared_ptr<const mappers::Study> study_;
};

TEST_F(ScheduleParseTest, TheEmbeddedScheduleHoldsTheProtocol) {
  const Schedule& schedule = testing::KrdSchedule();
  ASSERT_EQ(schedule.phases().size(), 7u);
  const Phase& reinduction = schedule.phases()[0];
  EXPECT_EQ(reinduction.id, "reinduction");
  EXPECT_EQ(reinduction.cycles, 6);
  EXPECT_EQ(reinduction.cycle_length_days, 28);
  ASSERT_NE(reinduction.FindRegimen("carfilzomib"), nullptr);
  EXPECT_THAT(reinduction.FindRegimen("carfilzomib")->days, ElementsAre(1, 2, 8, 9, 15, 16));
  EXPECT_EQ(reinduction.FindRegimen("carfilzomib")->unit, "mg/m2");
  EXPECT_EQ(reinduction.FindRegimen("lenalidomide")->days.size(), 21u);
  EXPECT_THAT(reinduction.FindRegimen("dexamethasone")->days, ElementsAre(1, 8, 15, 22));
  // The label-versus-study choice for carfilzomib C1 D1-2 is explicit.
  const DoseOverride* start = reinduction.FindOverride("carfilzomib", 1, 2);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->dose, 27);
  EXPECT_THAT(start->choice, HasSubstr("20 mg/m2"));
  EXPECT_EQ(reinduction.FindOverride("carfilzomib", 1, 8), nullptr);
  EXPECT_EQ(reinduction.FindOverride("carfilzomib", 2, 1), nullptr);

  EXPECT_THAT(schedule.FindAgent("carfilzomib")->dose_levels, ElementsAre(27, 20, 15));
  EXPECT_EQ(schedule.FindAgent("carfilzomib")->bsa_cap_m2, 2.2);
  EXPECT_THAT(schedule.FindAgent("lenalidomide")->dose_levels, ElementsAre(25, 15, 10, 5));
  EXPECT_THAT(schedule.FindAgent("dexamethasone")->dose_levels, ElementsAre(40, 20));
  EXPECT_EQ(schedule.dose_tolerance_percent(), 10);
  EXPECT_EQ(schedule.cycle_delay_window_days(), 3);
  EXPECT_EQ(schedule.height_analyte(), "body_height");
  EXPECT_EQ(schedule.weight_analyte(), "body_weight");
  EXPECT_EQ(schedule.FindPhase("response_gate")->minimum_response, "PR");
  EXPECT_LT(*schedule.ResponseRank("VGPR"), *schedule.ResponseRank("PR"));
  EXPECT_EQ(schedule.FindPhase("mobilisation")->success_greater_than, 2.0);
  EXPECT_EQ(schedule.FindPhase("maintenance")->duration_months, 18);
  EXPECT_EQ(schedule.FindPhase("maintenance")->FindRegimen("lenalidomide")->dose, 10);
  EXPECT_EQ(schedule.FindPhase("follow_up")->visit_every_months, 3);
  EXPECT_EQ(schedule.FindPhase("follow_up")->duration_months, 36);
  EXPECT_TRUE(schedule.AllowedInAnyPhase("filgrastim"));
}

TEST_F(ScheduleParseTest, MistakesNameTheMember) {
  EXPECT_THAT(ParseEdited("\"agent\": \"lenalidomide\", \"dose\": 25", "\"agent\": \"lenalidomid\", \"dose\": 25")
                  .message(),
              HasSubstr("'lenalidomid' is not a drug of codes/drugs.json"));
  EXPECT_THAT(ParseEdited("\"dose\": 10, \"unit\": \"mg\"", "\"dose\": 12, \"unit\": \"mg\"").message(),
              HasSubstr("maintenance: lenalidomide: dose 12 is not one of its doseLevels"));
  EXPECT_THAT(ParseEdited("\"days\": [1, 8, 15, 22]", "\"days\": [1, 8, 15, 29]").message(),
              HasSubstr("days must be 1-28"));
  EXPECT_THAT(ParseEdited("\"kind\": \"gate\"", "\"kind\": \"gait\"").message(),
              HasSubstr("kind 'gait' is not one of"));
  EXPECT_THAT(ParseEdited("\"heightAnalyte\": \"body_height\"", "\"heightAnalyte\": \"height\"")
                  .message(),
              HasSubstr("'height' is not an analyte"));
  EXPECT_THAT(ParseEdited("\"doseLevels\": [27, 20, 15]", "\"doseLevels\": [20, 27, 15]").message(),
              HasSubstr("highest first"));
  EXPECT_THAT(ParseEdited("{", "[").message(), HasSubstr("invalid JSON"));
}

TEST(BsaTest, MostellerFormula) {
  EXPECT_NEAR(MostellerBsa(170, 70), 1.8181, 0.0001);
  EXPECT_NEAR(MostellerBsa(190, 110), 2.4095, 0.0001);
}

TEST(CalendarTest, DatesFollowTheSiteZoneOrTheEventsOwnOffset) {
  v1::Event late_evening;  // 04:30 UTC on Jan 6
  late_evening.set_occurred_at_fhir("2026-01-05T23:30:00-05:00");
  late_evening.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(2026, 1, 6, 4, 30, 0), absl::UTCTimeZone())));
  absl::TimeZone new_york, berlin;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &new_york));
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  EXPECT_EQ(SiteCalendar().DateOf(late_evening), Date(2026, 1, 5));
  EXPECT_EQ(SiteCalendar(new_york).DateOf(late_evening), Date(2026, 1, 5));
  EXPECT_EQ(SiteCalendar(berlin).DateOf(late_evening), Date(2026, 1, 6));
  v1::Event date_only;
  date_only.set_occurred_at_fhir("2026-01-05");
  EXPECT_EQ(SiteCalendar(berlin).DateOf(date_only), Date(2026, 1, 5));
  EXPECT_EQ(SiteCalendar(berlin).ZoneName(), "Europe/Berlin");
}

TEST(CalendarTest, AddMonthsKeepsTheDayOrTheMonthsLastDay) {
  EXPECT_EQ(AddMonths(Date(2026, 9, 1), 18), Date(2028, 3, 1));
  EXPECT_EQ(AddMonths(Date(2026, 1, 31), 1), Date(2026, 2, 28));
  EXPECT_EQ(AddMonths(Date(2027, 11, 30), 3), Date(2028, 2, 29));
  EXPECT_EQ(FormatDate(Date(2026, 2, 3)), "2026-02-03");
}

}  // namespace
}  // namespace trialgate::schedule
