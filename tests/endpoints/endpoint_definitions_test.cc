// endpoints.json: the shipped file parses and loads with the study with the values the
// reference gives; each broken field stops it with an error naming endpoints.json and the field.
#include "mappers/endpoint_definitions.h"

#include <map>
#include <string>

#include "fhir-profiles/embedded.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mappers/study.h"

namespace trialgate::mappers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Shipped() { return profiles::EmbeddedStudyFiles("krd-asct2")[kEndpointsFile]; }

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return text;
  return text.replace(at, from.size(), to);
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<EndpointDefinitions> parsed = ParseEndpointDefinitions(text);
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : std::string(parsed.status().message());
}

TEST(EndpointDefinitionsTest, ShippedFileLoadsWithTheStudy) {
  auto study = Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  ASSERT_TRUE(study.ok()) << study.status();
  const EndpointDefinitions& e = (*study)->endpoints();
  ASSERT_TRUE(e.present);
  // days = end - start + 1; 24 months = 24 x 30.4375 = 730.5 days (reference part C).
  EXPECT_TRUE(e.conventions.add_one_day);
  EXPECT_DOUBLE_EQ(24 * e.conventions.days_per_month, 730.5);

  ASSERT_EQ(e.time_to_event.size(), 5u);
  const TimeToEventDefinition& pfs = e.time_to_event[0];
  EXPECT_EQ(pfs.id, "pfs");
  EXPECT_EQ(pfs.population, Population::kTreated);
  EXPECT_THAT(pfs.events, ElementsAre(EndpointEvent::kConfirmedProgression, EndpointEvent::kDeath));
  ASSERT_EQ(pfs.censoring.size(), 4u);
  EXPECT_EQ(pfs.censoring[0].rule, CensoringRule::kNoPostBaselineAssessment);
  EXPECT_EQ(pfs.censoring[0].censor_at, CensorAt::kOrigin);
  EXPECT_EQ(pfs.censoring[1].rule, CensoringRule::kNewAntiMyelomaTherapy);
  EXPECT_EQ(pfs.censoring[1].censor_at, CensorAt::kLastAdequateAssessment);
  EXPECT_EQ(pfs.censoring[3].rule, CensoringRule::kNoEvent);
  EXPECT_EQ(pfs.confidence, SurvivalCi::kLogLog);
  EXPECT_THAT(pfs.landmark_months, ElementsAre(24));
  EXPECT_TRUE(pfs.unconfirmed);  // the PD date rule
  EXPECT_THAT(pfs.source, HasSubstr("clinical-derivations.md part C"));
  EXPECT_FALSE(pfs.missed_assessments.enabled);
  // The sensitivity PFS: 2 missed assessments of 28 days (the interval is UNCONFIRMED).
  EXPECT_EQ(e.time_to_event[1].id, "pfs_missed_assessments");
  EXPECT_TRUE(e.time_to_event[1].missed_assessments.enabled);
  EXPECT_EQ(e.time_to_event[1].missed_assessments.count, 2);
  EXPECT_EQ(e.time_to_event[1].missed_assessments.interval_days, 28);
  EXPECT_TRUE(e.time_to_event[1].missed_assessments.unconfirmed);
  EXPECT_EQ(e.time_to_event[2].censoring.back().censor_at, CensorAt::kLastKnownAlive);
  EXPECT_EQ(e.time_to_event[4].origin, TimeOrigin::kFirstResponse);

  ASSERT_EQ(e.rates.size(), 4u);
  const RateDefinition& asct = e.rates[2];
  EXPECT_EQ(asct.id, "cr_after_asct");
  EXPECT_EQ(asct.window.anchor, WindowAnchor::kAsctDay0);
  EXPECT_EQ(asct.window.from_days, 0);
  EXPECT_EQ(asct.window.to_days, 60);
  EXPECT_TRUE(asct.window.unconfirmed);
  EXPECT_THAT(asct.populations,
              ElementsAre(Population::kAsctRecipients, Population::kAllConsented));
  EXPECT_DOUBLE_EQ(e.rates[3].cd34_per_kg_greater_than, 2e6);

  EXPECT_EQ(e.adverse_events.end_window_days, 30);
  EXPECT_TRUE(e.adverse_events.end_window_unconfirmed);
  EXPECT_TRUE(e.adverse_events.missing_onset_is_treatment_emergent);
  ASSERT_EQ(e.adverse_events.phases.size(), 3u);
  EXPECT_EQ(e.adverse_events.phases[1].starts_at, PhaseStart::kAsctDay0);
}

TEST(EndpointDefinitionsTest, MonthLengthMustBePositive) {
  EXPECT_THAT(ErrorOf(Replace(Shipped(), "\"daysPerMonth\": 30.4375", "\"daysPerMonth\": 0")),
              HasSubstr("endpoints.json: conventions.daysPerMonth"));
}

TEST(EndpointDefinitionsTest, UnknownCensoringRuleNamesItsPath) {
  const std::string error = ErrorOf(
      Replace(Shipped(), "\"rule\": \"new_anti_myeloma_therapy\"", "\"rule\": \"new_therapy\""));
  EXPECT_THAT(error, HasSubstr("timeToEvent[0].censoring[1].rule"));
  EXPECT_THAT(error, HasSubstr("new_therapy"));
}

TEST(EndpointDefinitionsTest, CensoringMustEndWithNoEvent) {
  // OS's list without its catch-all.
  const std::string error =
      ErrorOf(Replace(Shipped(), "\"rule\": \"no_event\", \"censorAt\": \"last_known_alive\"",
                      "\"rule\": \"withdrawal\", \"censorAt\": \"last_known_alive\""));
  EXPECT_THAT(error, HasSubstr("timeToEvent[2].censoring[1]"));
  EXPECT_THAT(error, HasSubstr("no_event"));
}

TEST(EndpointDefinitionsTest, WindowEndBeforeStartIsRejected) {
  EXPECT_THAT(ErrorOf(Replace(Shipped(), "\"fromDays\": 0, \"toDays\": 60",
                              "\"fromDays\": 61, \"toDays\": 60")),
              HasSubstr("rates[2].window"));
}

TEST(EndpointDefinitionsTest, UnknownPopulationAndCategoryNameTheirField) {
  EXPECT_THAT(
      ErrorOf(Replace(Shipped(), "\"population\": \"treated\"", "\"population\": \"safety\"")),
      HasSubstr("timeToEvent[0].population"));
  EXPECT_THAT(ErrorOf(Replace(Shipped(), "[\"sCR\", \"CR\", \"VGPR\", \"PR\"]",
                              "[\"sCR\", \"CR\", \"VGPR\", \"nPR\"]")),
              HasSubstr("rates[0].categories[3]"));
}

TEST(EndpointDefinitionsTest, DuplicateIdIsRejected) {
  EXPECT_THAT(ErrorOf(Replace(Shipped(), "\"id\": \"os\"", "\"id\": \"pfs\"")),
              HasSubstr("endpoint id pfs is used twice"));
}

TEST(EndpointDefinitionsTest, BrokenFileStopsTheStudy) {
  std::map<std::string, std::string> files = profiles::EmbeddedStudyFiles("krd-asct2");
  files[kEndpointsFile] =
      Replace(files[kEndpointsFile], "\"endWindowDays\": 30", "\"endWindowDays\": -1");
  auto study = Study::FromFiles(files);
  ASSERT_FALSE(study.ok());
  EXPECT_THAT(std::string(study.status().message()),
              HasSubstr("endpoints.json: adverseEvents.endWindowDays"));
}

}  // namespace
}  // namespace trialgate::mappers
