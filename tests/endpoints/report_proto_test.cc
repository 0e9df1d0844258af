// The report's machine form: ToProto over one hand-worked cohort (the PFS cohort of
// time_to_event_test.cc, with AEs and a second site), every number against the C++ report and
// the hand-worked anchors, NA limits absent, then JSON with proto field names.
#include "gateway/endpoints/report_proto.h"

#include <string>
#include <vector>

#include "gateway/endpoints/compute_endpoints.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
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

const absl::CivilDay kCutoff = testing::kPfsCutoff;  // 2026-09-27

AdverseEventRecord Ae(int onset, std::string term, std::string code, int grade) {
  AdverseEventRecord ae;
  ae.onset = Day(onset);
  ae.term = std::move(term);
  ae.meddra_code = std::move(code);
  ae.grade = grade;
  return ae;
}

// A1-A7 of pfs_cohort.h (PFS over A1-A6: 200, 300 events; 1+, 100+, 200+, 400+
// censored; A7 never dosed). Added: A1 Nausea g1 day 10 and g3 day 20, A2 Nausea g2 day 30
// (KRd, TE); A7 at site-2 with 2 deviations.
std::vector<SubjectCourse> Cohort() {
  std::vector<SubjectCourse> out = testing::PfsCohort();
  out[0].adverse_events = {Ae(10, "Nausea", "10028813", 1), Ae(20, "Nausea", "10028813", 3)};
  out[1].adverse_events = {Ae(30, "Nausea", "10028813", 2)};
  out[6].site_id = "site-2";
  out[6].deviations = 2;
  return out;
}

EndpointReport Report() {
  const std::vector<SubjectCourse> cohort = Cohort();
  absl::StatusOr<EndpointReport> report = ComputeEndpoints(ShippedDefinitions(), cohort, kCutoff);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : EndpointReport{};
}

template <typename Results>
int IndexOf(const Results& results, const std::string& id, const std::string& population) {
  for (int i = 0; i < static_cast<int>(results.size()); ++i) {
    if (results[i].id == id && results[i].population == population) return i;
  }
  ADD_FAILURE() << "no " << id << " over " << population;
  return -1;
}

// Every optional limit: present in the proto exactly when the report has it, and then equal.
#define EXPECT_SAME_LIMIT(proto, field, limit)             \
  do {                                                     \
    EXPECT_EQ((proto).has_##field(), (limit).has_value()); \
    if ((limit).has_value()) {                             \
      EXPECT_EQ((proto).field(), *(limit));                \
    }                                                      \
  } while (false)

TEST(ReportProtoTest, PfsCarriesEveryNumberOfTheReport) {
  const EndpointReport report = Report();
  const v1::EndpointsReport proto = ToProto(report);
  EXPECT_EQ(proto.data_cutoff(), "2026-09-27");
  EXPECT_EQ(proto.subjects(), 7);
  EXPECT_EQ(proto.consented_after_cutoff(), 0);
  ASSERT_EQ(proto.time_to_event_size(), static_cast<int>(report.time_to_event.size()));
  const int i = IndexOf(report.time_to_event, "pfs", "treated");
  ASSERT_GE(i, 0);
  const TimeToEventResult& pfs = report.time_to_event[i];
  const v1::TimeToEvent& out = proto.time_to_event(i);
  EXPECT_EQ(out.id(), "pfs");
  EXPECT_EQ(out.name(), pfs.name);
  EXPECT_EQ(out.n(), 6);
  EXPECT_EQ(out.events(), 2);
  EXPECT_EQ(out.censored(), 4);
  EXPECT_EQ(out.confidence(), "log-log");
  EXPECT_EQ(out.source(), pfs.source);
  EXPECT_EQ(out.unconfirmed(), pfs.unconfirmed);

  // The curve, row by row: 200 (at risk 4, S 0.75, log-log 0.127947-0.960549) and 300.
  ASSERT_EQ(out.rows_size(), 2);
  ASSERT_EQ(pfs.fit.rows.size(), 2u);
  for (int r = 0; r < out.rows_size(); ++r) {
    SCOPED_TRACE(r);
    const statistics::KaplanMeierRow& row = pfs.fit.rows[r];
    EXPECT_EQ(out.rows(r).time(), row.time);
    EXPECT_EQ(out.rows(r).at_risk(), row.at_risk);
    EXPECT_EQ(out.rows(r).events(), row.events);
    EXPECT_EQ(out.rows(r).censored(), row.censored);
    EXPECT_EQ(out.rows(r).survival(), row.survival);
    EXPECT_EQ(out.rows(r).std_error(), row.std_error);
    EXPECT_SAME_LIMIT(out.rows(r), lower, row.limits.lower);
    EXPECT_SAME_LIMIT(out.rows(r), upper, row.limits.upper);
  }
  EXPECT_EQ(out.rows(0).time(), 200);
  EXPECT_EQ(out.rows(0).at_risk(), 4);
  EXPECT_DOUBLE_EQ(out.rows(0).survival(), 0.75);
  EXPECT_NEAR(out.rows(0).lower(), 0.127947, 1e-6);
  EXPECT_NEAR(out.rows(0).upper(), 0.960549, 1e-6);
  EXPECT_DOUBLE_EQ(out.rows(1).survival(), 0.375);

  // Median 300, lower 200, upper not reached: absent, not 0.
  EXPECT_SAME_LIMIT(out.median(), days, pfs.median.median);
  EXPECT_SAME_LIMIT(out.median(), lower, pfs.median.lower);
  EXPECT_SAME_LIMIT(out.median(), upper, pfs.median.upper);
  EXPECT_EQ(out.median().days(), 300);
  EXPECT_EQ(out.median().lower(), 200);
  EXPECT_FALSE(out.median().has_upper());

  // The 2-year rate, carried forward past the last time (400) and flagged.
  ASSERT_EQ(out.landmarks_size(), 1);
  ASSERT_EQ(pfs.landmarks.size(), 1u);
  const LandmarkRate& landmark = pfs.landmarks[0];
  EXPECT_EQ(out.landmarks(0).months(), landmark.months);
  EXPECT_EQ(out.landmarks(0).days(), 730.5);
  EXPECT_EQ(out.landmarks(0).survival(), 0.375);
  EXPECT_EQ(out.landmarks(0).std_error(), landmark.rate.std_error);
  EXPECT_SAME_LIMIT(out.landmarks(0), lower, landmark.rate.limits.lower);
  EXPECT_SAME_LIMIT(out.landmarks(0), upper, landmark.rate.limits.upper);
  EXPECT_EQ(out.landmarks(0).at_risk(), 0);
  EXPECT_TRUE(out.landmarks(0).beyond_last_observation());

  // Numbers at risk at 0, 6, 12, 18, 24 months: 6, 4, 1, 0, 0.
  ASSERT_EQ(out.at_risk_size(), static_cast<int>(pfs.at_risk.size()));
  for (int r = 0; r < out.at_risk_size(); ++r) {
    EXPECT_EQ(out.at_risk(r).months(), pfs.at_risk[r].months);
    EXPECT_EQ(out.at_risk(r).days(), pfs.at_risk[r].days);
    EXPECT_EQ(out.at_risk(r).at_risk(), pfs.at_risk[r].at_risk);
  }
  ASSERT_GE(out.at_risk_size(), 3);
  EXPECT_EQ(out.at_risk(1).at_risk(), 4);
  EXPECT_EQ(out.at_risk(2).at_risk(), 1);

  // The counts and each subject's time: A1 from consent (2024-01-01) to PD day 199.
  EXPECT_THAT(out.events_by_kind(), ::testing::UnorderedElementsAre(
                                        Pair("confirmed_progression", 1), Pair("death", 1)));
  EXPECT_THAT(out.censored_by_reason(),
              ::testing::UnorderedElementsAre(Pair("new_anti_myeloma_therapy", 1),
                                              Pair("no_event", 1),
                                              Pair("no_post_baseline_assessment", 1),
                                              Pair("withdrawal", 1)));
  EXPECT_TRUE(out.not_evaluable().empty());
  ASSERT_EQ(out.subjects_size(), 6);
  EXPECT_EQ(out.subjects(0).subject_id(), "A1");
  EXPECT_EQ(out.subjects(0).start(), "2024-01-01");
  EXPECT_EQ(out.subjects(0).end(), "2024-07-18");
  EXPECT_EQ(out.subjects(0).days(), 200);
  EXPECT_TRUE(out.subjects(0).event());
  EXPECT_EQ(out.subjects(0).reason(), "confirmed_progression");
  for (int s = 0; s < out.subjects_size(); ++s) {
    EXPECT_EQ(out.subjects(s).subject_id(), pfs.subjects[s].subject_id);
    EXPECT_EQ(out.subjects(s).days(), pfs.subjects[s].days);
    EXPECT_EQ(out.subjects(s).event(), pfs.subjects[s].event);
    EXPECT_EQ(out.subjects(s).reason(), pfs.subjects[s].reason);
  }
}

// Duration of response: S = 0 at 201, where R gives NA limits; the proto leaves them unset.
// A rate over nobody (CR after ASCT among ASCT recipients: none here) has no proportion and no
// interval.
TEST(ReportProtoTest, NotEstimableIsAbsentNotZero) {
  const EndpointReport report = Report();
  const v1::EndpointsReport proto = ToProto(report);
  const int i = IndexOf(report.time_to_event, "dor", "confirmed_responders");
  ASSERT_GE(i, 0);
  const v1::TimeToEvent& dor = proto.time_to_event(i);
  ASSERT_EQ(dor.rows_size(), 2);
  ASSERT_FALSE(report.time_to_event[i].fit.rows[1].limits.lower.has_value());
  EXPECT_TRUE(dor.rows(0).has_lower());
  EXPECT_TRUE(dor.rows(0).has_upper());
  EXPECT_EQ(dor.rows(1).survival(), 0);
  EXPECT_FALSE(dor.rows(1).has_lower());
  EXPECT_FALSE(dor.rows(1).has_upper());

  const int os = IndexOf(report.time_to_event, "os", "all_consented");
  ASSERT_GE(os, 0);
  EXPECT_FALSE(proto.time_to_event(os).median().has_days());  // never reaches 0.5

  const int r = IndexOf(report.rates, "cr_after_asct", "asct_recipients");
  ASSERT_GE(r, 0);
  ASSERT_FALSE(report.rates[r].ci.has_value());
  EXPECT_EQ(proto.rates(r).n(), 0);
  EXPECT_FALSE(proto.rates(r).has_proportion());
  EXPECT_FALSE(proto.rates(r).has_lower());
  EXPECT_FALSE(proto.rates(r).has_upper());
}

// ITT ORR: A1, A2, A4 confirmed PR of 7: 3/7, exact (Clopper-Pearson, as
// binom.test) 0.0989883-0.8159484: the p where P(X >= 3) and P(X <= 3) are 0.025.
TEST(ReportProtoTest, RatesCarryTheExactInterval) {
  const EndpointReport report = Report();
  const v1::EndpointsReport proto = ToProto(report);
  ASSERT_EQ(proto.rates_size(), static_cast<int>(report.rates.size()));
  for (int r = 0; r < proto.rates_size(); ++r) {
    SCOPED_TRACE(report.rates[r].id + " " + report.rates[r].population);
    const RateResult& rate = report.rates[r];
    EXPECT_EQ(proto.rates(r).id(), rate.id);
    EXPECT_EQ(proto.rates(r).population(), rate.population);
    EXPECT_EQ(proto.rates(r).primary(), rate.primary);
    EXPECT_EQ(proto.rates(r).denominator(), rate.denominator);
    EXPECT_EQ(proto.rates(r).n(), rate.n);
    EXPECT_EQ(proto.rates(r).successes(), rate.successes);
    EXPECT_EQ(proto.rates(r).has_proportion(), rate.ci.has_value());
    if (rate.ci.has_value()) {
      EXPECT_EQ(proto.rates(r).proportion(), rate.ci->estimate);
      EXPECT_EQ(proto.rates(r).lower(), rate.ci->lower);
      EXPECT_EQ(proto.rates(r).upper(), rate.ci->upper);
    }
    EXPECT_EQ(proto.rates(r).not_evaluable_size(), static_cast<int>(rate.not_evaluable.size()));
    for (const auto& [why, count] : rate.not_evaluable) {
      EXPECT_EQ(proto.rates(r).not_evaluable().at(why), count) << why;
    }
    EXPECT_THAT(proto.rates(r).success_subject_ids(),
                ::testing::ElementsAreArray(rate.success_subjects));
  }
  const int orr = IndexOf(report.rates, "orr", "all_consented");
  ASSERT_GE(orr, 0);
  EXPECT_EQ(proto.rates(orr).n(), 7);
  EXPECT_EQ(proto.rates(orr).successes(), 3);
  EXPECT_DOUBLE_EQ(proto.rates(orr).proportion(), 3.0 / 7);
  EXPECT_NEAR(proto.rates(orr).lower(), 0.0989883, 1e-6);
  EXPECT_NEAR(proto.rates(orr).upper(), 0.8159484, 1e-6);
  EXPECT_THAT(proto.rates(orr).success_subject_ids(), ElementsAre("A1", "A2", "A4"));
}

// TEAEs: 6 treated (A7 never dosed); Nausea in A1 (worst grade 3, 2 events) and A2 (grade 2).
// Sites: site-1 A1-A6, site-2 A7 with 2 deviations.
TEST(ReportProtoTest, TeaeTablesAndSitesKeepTheirCounts) {
  const EndpointReport report = Report();
  const v1::EndpointsReport proto = ToProto(report);
  const v1::Teae& teae = proto.adverse_events();
  EXPECT_EQ(teae.population(), report.adverse_events.population);
  EXPECT_EQ(teae.n(), 6);
  EXPECT_EQ(teae.end_window_days(), report.adverse_events.end_window_days);
  EXPECT_EQ(teae.severe_grade_at_least(), 3);
  ASSERT_EQ(teae.tables_size(), static_cast<int>(report.adverse_events.tables.size()));
  ASSERT_GE(teae.tables_size(), 1);
  const v1::TeaeTable& any = teae.tables(0);
  EXPECT_EQ(any.phase(), "any");
  EXPECT_EQ(any.subjects_with_teae(), 2);
  EXPECT_EQ(any.events(), 3);
  EXPECT_EQ(any.subjects_severe(), 1);
  ASSERT_EQ(any.by_term_size(), 1);
  EXPECT_EQ(any.by_term(0).meddra_code(), "10028813");
  EXPECT_EQ(any.by_term(0).subjects(), 2);
  EXPECT_EQ(any.by_term(0).events(), 3);
  EXPECT_THAT(any.by_term(0).subjects_by_worst_grade(),
              ::testing::UnorderedElementsAre(Pair(2, 1), Pair(3, 1)));

  ASSERT_EQ(proto.sites_size(), 2);
  EXPECT_EQ(proto.sites(0).site_id(), "site-1");
  EXPECT_EQ(proto.sites(0).enrolled(), 6);
  EXPECT_EQ(proto.sites(1).site_id(), "site-2");
  EXPECT_EQ(proto.sites(1).enrolled(), 1);
  EXPECT_EQ(proto.sites(1).deviations(), 2);
  EXPECT_EQ(proto.sites(1).subjects_with_deviation(), 1);
}

// JSON with the proto's field names: parses, and carries the PFS median and n; an absent limit
// is left out, a zero count is printed.
TEST(ReportProtoTest, JsonUsesProtoFieldNames) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(ToProto(Report()), &json, options).ok());

  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  ASSERT_FALSE(doc.HasParseError()) << json;
  ASSERT_TRUE(doc.IsObject());
  ASSERT_TRUE(doc.HasMember("data_cutoff") && doc.HasMember("time_to_event")) << json;
  EXPECT_STREQ(doc["data_cutoff"].GetString(), "2026-09-27");
  EXPECT_EQ(doc["consented_after_cutoff"].GetInt(), 0);
  const rapidjson::Value* pfs = nullptr;
  for (const rapidjson::Value& result : doc["time_to_event"].GetArray()) {
    if (std::string(result["id"].GetString()) == "pfs") pfs = &result;
  }
  ASSERT_NE(pfs, nullptr) << json;
  for (const char* key : {"n", "median", "rows", "landmarks", "censored_by_reason",
                          "not_evaluable", "unconfirmed"}) {
    ASSERT_TRUE(pfs->HasMember(key)) << key;
  }
  EXPECT_EQ((*pfs)["n"].GetInt(), 6);
  const rapidjson::Value& median = (*pfs)["median"];
  ASSERT_TRUE(median.HasMember("days") && median.HasMember("lower")) << json;
  EXPECT_EQ(median["days"].GetDouble(), 300);
  EXPECT_EQ(median["lower"].GetDouble(), 200);
  EXPECT_FALSE(median.HasMember("upper")) << json;
  EXPECT_EQ((*pfs)["rows"][0]["at_risk"].GetInt(), 4);
  EXPECT_TRUE((*pfs)["landmarks"][0]["beyond_last_observation"].GetBool());
  EXPECT_EQ((*pfs)["censored_by_reason"]["withdrawal"].GetInt(), 1);
  EXPECT_TRUE((*pfs)["not_evaluable"].IsObject());  // empty, printed
  EXPECT_TRUE((*pfs)["unconfirmed"].IsBool());
}

}  // namespace
}  // namespace trialgate::endpoints
