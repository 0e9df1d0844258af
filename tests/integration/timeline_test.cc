// Study.GetTimeline through the real server: FHIR resources in, a subject's protocol timeline out.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "fhir-profiles/embedded.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/schedule/finding_codes.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/fhir_resources.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/manual_clock.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using schedule::Date;

const Date kC1D1(2026, 3, 2);
constexpr double kBsa = 1.8181;  // 170 cm, 70 kg

absl::Time NoonUtc(Date date) {
  return absl::FromCivil(absl::CivilSecond(date.year(), date.month(), date.day(), 12, 0, 0),
                         absl::UTCTimeZone());
}

class TimelineServiceTest : public ::testing::Test {
 protected:
  void Start(Date today, config::Config config = {}) {
    clock_.Set(NoonUtc(today));
    server_ = StartInProcess(dir_.path(), std::move(config), clock_);
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<GatewayClient>(server_->address());
    study_ = v1::Study::NewStub(client_->channel());
  }

  void SubmitAll(const std::vector<std::string>& resources) {
    v1::SubmitResponse response = client_->SubmitOk(fhir::Batch(resources));
    for (const auto& entry : response.entries()) {
      ASSERT_NE(entry.outcome(), v1::EntryOutcome::REJECTED) << entry.operation_outcome();
    }
  }

  grpc::Status GetTimeline(const std::string& subject, v1::Timeline* timeline) {
    v1::GetTimelineRequest request;
    request.set_subject_id(subject);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return study_->GetTimeline(&context, request, timeline);
  }

  v1::Timeline Timeline() {
    v1::Timeline timeline;
    grpc::Status status = GetTimeline(fhir::kSubject, &timeline);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return timeline;
  }

  static std::vector<std::string> Codes(const v1::Timeline& timeline) {
    std::vector<std::string> codes;
    for (const auto& finding : timeline.findings()) codes.push_back(finding.finding().code());
    return codes;
  }

  // Enrolment, height and weight, and cycle 1 with lenalidomide given on day 24 as well and
  // carfilzomib day 15 never reported.
  static std::vector<std::string> CycleOneWithTwoDeviations() {
    std::vector<std::string> resources = {fhir::EnrolPt2001(kC1D1 - 7), fhir::Height(kC1D1 - 3, 170),
                                          fhir::Weight(kC1D1 - 3, 70)};
    for (std::string& dose : fhir::KrdCycle(1, kC1D1, kBsa, {{"carfilzomib", 15}})) {
      resources.push_back(std::move(dose));
    }
    resources.push_back(fhir::Dose("ma-extra-r", "lenalidomide", kC1D1 + 23, 25));
    return resources;
  }

  TempDir dir_;
  ManualClock clock_{absl::UnixEpoch()};  // outlives the server; Start sets it
  std::unique_ptr<server::GatewayServer> server_;
  std::unique_ptr<GatewayClient> client_;
  std::unique_ptr<v1::Study::Stub> study_;
};

TEST_F(TimelineServiceTest, SubmittedResourcesArePlacedOnTheProtocolTimeline) {
  Start(kC1D1 + 27);
  SubmitAll(CycleOneWithTwoDeviations());
  const v1::Timeline timeline = Timeline();
  EXPECT_EQ(timeline.subject_id(), fhir::kSubject);
  EXPECT_EQ(timeline.study_id(), "KRD-ASCT2");
  EXPECT_EQ(timeline.site_id(), "hospital-a");
  EXPECT_EQ(timeline.today(), "2026-03-29");
  EXPECT_EQ(timeline.current_phase(), "reinduction");
  ASSERT_THAT(Codes(timeline), ElementsAre(schedule::kDoseMissed, schedule::kDayNotScheduled));
  EXPECT_EQ(timeline.findings(0).date(), "2026-03-16");
  EXPECT_EQ(timeline.findings(1).position().day(), 24);
  const v1::TimelinePhase& reinduction = timeline.phases(0);
  EXPECT_EQ(reinduction.id(), "reinduction");
  ASSERT_EQ(reinduction.cycles_size(), 1);
  EXPECT_EQ(reinduction.cycles(0).day1_date(), "2026-03-02");
  EXPECT_NEAR(reinduction.cycles(0).doses(0).bsa_m2(), kBsa, 0.001);
}

TEST_F(TimelineServiceTest, ArrivalOrderDoesNotChangeTheTimeline) {
  Start(kC1D1 + 27);
  std::vector<std::string> resources = CycleOneWithTwoDeviations();
  SubmitAll(resources);
  const v1::Timeline in_order = Timeline();

  // Another gateway with the same pseudonymisation key (event ids are keyed) gets the same
  // resources one by one, shuffled (the enrolment first).
  TempDir other_dir;
  std::filesystem::copy_file(dir_.path() / "pseudonymisation.key",
                             other_dir.path() / "pseudonymisation.key");
  auto other = StartInProcess(other_dir.path(), {}, clock_);
  GatewayClient other_client(other->address());
  other_client.SubmitOk(resources[0]);
  std::vector<std::string> rest(resources.begin() + 1, resources.end());
  std::shuffle(rest.begin(), rest.end(), std::mt19937(42));
  for (const std::string& resource : rest) other_client.SubmitOk(resource);
  auto other_study = v1::Study::NewStub(other_client.channel());
  v1::GetTimelineRequest request;
  request.set_subject_id(fhir::kSubject);
  v1::Timeline shuffled;
  grpc::ClientContext context;
  ASSERT_TRUE(other_study->GetTimeline(&context, request, &shuffled).ok());
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(in_order, shuffled)) << difference;
}

TEST_F(TimelineServiceTest, ACorrectedVersionReplacesItsFindings) {
  Start(kC1D1 + 7);
  std::vector<std::string> resources = {fhir::EnrolPt2001(kC1D1 - 7), fhir::Height(kC1D1 - 3, 170),
                                        fhir::Weight(kC1D1 - 3, 70)};
  for (std::string& dose : fhir::KrdCycle(1, kC1D1, kBsa)) resources.push_back(std::move(dose));
  resources.push_back(fhir::Dose("ma-c1d8-carfilzomib", "carfilzomib", kC1D1 + 7, 80, "2"));
  SubmitAll(resources);
  EXPECT_THAT(Codes(Timeline()), ElementsAre(schedule::kDoseOutOfTolerance));
  SubmitAll({fhir::Dose("ma-c1d8-carfilzomib", "carfilzomib", kC1D1 + 7, 49, "3")});
  EXPECT_THAT(Codes(Timeline()), IsEmpty());
}

TEST_F(TimelineServiceTest, SiteTimeZoneDecidesTheProtocolDay) {
  config::Config config;
  config.time_zone_by_site["hospital-a"] = "Pacific/Honolulu";  // 09:00+01:00 is 22:00 the day before
  Start(kC1D1 + 1, config);
  SubmitAll({fhir::EnrolPt2001(kC1D1 - 7), fhir::Height(kC1D1 - 3, 170), fhir::Weight(kC1D1 - 3, 70),
             fhir::Dose("ma-k", "carfilzomib", kC1D1, 27 * kBsa)});
  const v1::Timeline timeline = Timeline();
  EXPECT_EQ(timeline.time_zone(), "Pacific/Honolulu");
  EXPECT_EQ(timeline.phases(0).start_date(), "2026-03-01");
}

// Six cycles, a response, a harvest from Procedure and CD34+ Observations, conditioning and the
// transplant as a Procedure.
std::vector<std::string> ThroughTransplant(const std::string& response) {
  std::vector<std::string> resources = {fhir::EnrolPt2001(kC1D1 - 7), fhir::Height(kC1D1 - 3, 170),
                                        fhir::Weight(kC1D1 - 3, 70)};
  for (int cycle = 1; cycle <= 6; ++cycle) {
    for (std::string& dose : fhir::KrdCycle(cycle, kC1D1 + 28 * (cycle - 1), kBsa)) {
      resources.push_back(std::move(dose));
    }
  }
  const Date after_c6 = kC1D1 + 6 * 28;
  resources.push_back(fhir::Response("resp-c6", after_c6 - 5, response));
  resources.push_back(fhir::Dose("ma-gcsf-1", "filgrastim", after_c6 + 2, 0.48));
  resources.push_back(fhir::Procedure("proc-apheresis-1", "urn:trialgate:krd-asct2:procedure",
                                      "stem_cell_collection", after_c6 + 6));
  resources.push_back(fhir::Cd34("cd34-1", after_c6 + 6, 1.4));
  resources.push_back(fhir::Cd34("cd34-2", after_c6 + 7, 1.1));
  resources.push_back(fhir::Dose("ma-mel", "melphalan", after_c6 + 30, 200));
  resources.push_back(fhir::Procedure("proc-asct", "http://snomed.info/sct", "234336002",
                                      after_c6 + 32));
  return resources;
}

TEST_F(TimelineServiceTest, ResponseHarvestAndTransplantFromFhirResources) {
  const Date after_c6 = kC1D1 + 6 * 28;
  Start(after_c6 + 40);
  SubmitAll(ThroughTransplant("VGPR"));
  const v1::Timeline timeline = Timeline();
  EXPECT_THAT(Codes(timeline), IsEmpty());
  EXPECT_EQ(timeline.current_phase(), "asct");
  EXPECT_EQ(timeline.phases(1).id(), "response_gate");
  EXPECT_EQ(timeline.phases(1).status(), "met");
  EXPECT_EQ(timeline.phases(1).response(), "VGPR");
  const v1::TimelinePhase& harvest = timeline.phases(2);
  EXPECT_TRUE(harvest.harvest_success());
  EXPECT_DOUBLE_EQ(harvest.cd34_per_kg(), 2.5);
  EXPECT_EQ(harvest.harvest_success_date(), schedule::FormatDate(after_c6 + 7));
  EXPECT_EQ(harvest.harvest_event_ids_size(), 3);
  const v1::TimelinePhase& asct = timeline.phases(3);
  EXPECT_EQ(asct.start_date(), schedule::FormatDate(after_c6 + 30));
  EXPECT_EQ(asct.day0_date(), schedule::FormatDate(after_c6 + 32));
}

TEST_F(TimelineServiceTest, ATransplantWithoutAPartialResponseIsInTheWrongPhase) {
  Start(kC1D1 + 6 * 28 + 40);
  SubmitAll(ThroughTransplant("SD"));
  const v1::Timeline timeline = Timeline();
  EXPECT_THAT(Codes(timeline), ElementsAre(schedule::kWrongPhase));
  EXPECT_EQ(timeline.phases(1).status(), "not-met");
}

// The deviations in the feed, by key.
std::map<std::string, int> DeviationsInFeed(GatewayClient& client) {
  std::map<std::string, int> keys;
  for (const v1::Event& event : client.Pull()) {
    if (event.has_protocol_deviation()) ++keys[event.protocol_deviation().key()];
  }
  return keys;
}

TEST(DeviationFeedTest, DeviationsReachTheFeedOnceThroughResubmissionAndRestart) {
  TempDir dir;
  const Date today = kC1D1 + 27;
  ManualClock clock(NoonUtc(today));
  config::Config config;
  config.deviation_delay_ms = 0;
  config.pseudonymization_key_hex = std::string(64, '5');
  std::vector<std::string> resources = {fhir::EnrolPt2001(kC1D1 - 7), fhir::Height(kC1D1 - 3, 170),
                                        fhir::Weight(kC1D1 - 3, 70)};
  for (std::string& dose : fhir::KrdCycle(1, kC1D1, kBsa, {{"carfilzomib", 15}})) {
    resources.push_back(std::move(dose));
  }
  resources.push_back(fhir::Dose("ma-extra-r", "lenalidomide", kC1D1 + 23, 25));
  // The key names the resource by its pseudonym, never the hospital's id ("ma-extra-r").
  const std::string extra_dose = identity::Pseudonymizer(std::string(32, '\x55'))
                                     .PseudonymizeResourceId("hospital-a",
                                                             "MedicationAdministration",
                                                             "ma-extra-r");
  const std::map<std::string, int> expected = {
      {"DAY_NOT_SCHEDULED|hospital-a/MedicationAdministration/" + extra_dose + "|MAJOR", 1},
      {"DOSE_MISSED|reinduction/c1/d15/carfilzomib|MAJOR", 1}};
  {
    auto server = StartInProcess(dir.path(), config, clock);
    GatewayClient client(server->address());
    client.SubmitOk(fhir::Batch(resources));
    server->WaitForScheduleIdle();
    EXPECT_EQ(DeviationsInFeed(client), expected);
    client.SubmitOk(fhir::Batch(resources));  // the same again: duplicates
    server->WaitForScheduleIdle();
    EXPECT_EQ(DeviationsInFeed(client), expected);
    server->Shutdown();
  }
  auto server = StartInProcess(dir.path(), config, clock);  // sweeps once at start
  GatewayClient client(server->address());
  server->WaitForScheduleIdle();
  EXPECT_EQ(DeviationsInFeed(client), expected);
  // The late report of the missed dose withdraws that deviation.
  client.SubmitOk(fhir::Dose("ma-c1d15-carfilzomib", "carfilzomib", kC1D1 + 14, 27 * kBsa));
  server->WaitForScheduleIdle();
  std::vector<v1::Event> events = client.Pull();
  ASSERT_TRUE(events.back().has_protocol_deviation());
  EXPECT_EQ(events.back().protocol_deviation().status(), v1::ProtocolDeviation::WITHDRAWN);
  EXPECT_EQ(events.back().protocol_deviation().key(),
            "DOSE_MISSED|reinduction/c1/d15/carfilzomib|MAJOR");
}

// Labs as a hospital sends them: neutrophils (grade 4) and serum M-protein falling by 60%
// twice after cycle 1 day 1.
std::vector<std::string> CycleOneWithLabs() {
  std::vector<std::string> resources = {fhir::EnrolPt2001(kC1D1 - 7), fhir::Height(kC1D1 - 3, 170),
                                        fhir::Weight(kC1D1 - 3, 70)};
  for (std::string& dose : fhir::KrdCycle(1, kC1D1, kBsa)) resources.push_back(std::move(dose));
  resources.push_back(fhir::Quantity("anc-d23", "http://loinc.org", "751-8", kC1D1 + 22, 0.4,
                                     "10*9/L"));
  resources.push_back(fhir::Quantity("spep-0", "http://loinc.org", "33358-3", kC1D1 - 3, 2.0,
                                     "g/dL"));
  resources.push_back(fhir::Quantity("spep-1", "http://loinc.org", "33358-3", kC1D1 + 20, 0.8,
                                     "g/dL"));
  resources.push_back(fhir::Quantity("spep-2", "http://loinc.org", "33358-3", kC1D1 + 26, 0.8,
                                     "g/dL"));
  return resources;
}

// The lab-derived events in the feed: ToxicityGraded and derived ResponseAssessed.
std::vector<v1::Event> DerivedFromLabs(GatewayClient& client) {
  std::vector<v1::Event> derived;
  for (v1::Event& event : client.Pull()) {
    if (event.source().resource_type() != "trialgate-derived") continue;
    if (event.has_toxicity_graded() || event.has_response_assessed()) derived.push_back(event);
  }
  return derived;
}

TEST(LabDerivationFeedTest, GradesAndResponsesFromLabsReachTheTimelineAndTheFeedOnce) {
  TempDir dir;
  ManualClock clock(NoonUtc(kC1D1 + 27));
  config::Config config;
  config.deviation_delay_ms = 0;
  const std::vector<std::string> resources = CycleOneWithLabs();
  std::vector<v1::Event> first;
  {
    auto server = StartInProcess(dir.path(), config, clock);
    GatewayClient client(server->address());
    client.SubmitOk(fhir::Batch(resources));
    server->WaitForScheduleIdle();
    first = DerivedFromLabs(client);
    client.SubmitOk(fhir::Batch(resources));  // resent: nothing new
    server->WaitForScheduleIdle();
    EXPECT_EQ(DerivedFromLabs(client).size(), first.size());

    auto study = v1::Study::NewStub(client.channel());
    v1::GetTimelineRequest request;
    request.set_subject_id(fhir::kSubject);
    v1::Timeline timeline;
    grpc::ClientContext context;
    ASSERT_TRUE(study->GetTimeline(&context, request, &timeline).ok());
    ASSERT_EQ(timeline.toxicities_size(), 1);
    EXPECT_EQ(timeline.toxicities(0).origin(), "lab");
    EXPECT_EQ(timeline.toxicities(0).term(), "Neutrophil count decreased");
    EXPECT_EQ(timeline.toxicities(0).grade(), 4);
    ASSERT_EQ(timeline.responses_size(), 2);
    EXPECT_EQ(timeline.responses(1).origin(), "derived");
    EXPECT_EQ(timeline.responses(1).response().category(), "PR");
    EXPECT_TRUE(timeline.responses(1).response().confirmed());
    EXPECT_EQ(timeline.phases(1).response(), "PR");  // the gate: confirmed, none reported
    server->Shutdown();
  }
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(first[0].has_toxicity_graded());
  EXPECT_EQ(first[0].toxicity_graded().grade(), 4);
  EXPECT_EQ(first[0].toxicity_graded().meddra_code(), "10029366");
  EXPECT_FALSE(first[0].toxicity_graded().lab_event_id().empty());
  EXPECT_EQ(first[0].subject_id(), fhir::kSubject);
  EXPECT_EQ(first[1].response_assessed().category(), "PR");
  EXPECT_FALSE(first[1].response_assessed().confirmed());
  EXPECT_EQ(first[2].response_assessed().category(), "PR");
  EXPECT_TRUE(first[2].response_assessed().confirmed());
  EXPECT_EQ(first[2].response_assessed().response_date(), schedule::FormatDate(kC1D1 + 20));
  ASSERT_GE(first[2].response_assessed().evidence_size(), 1);
  EXPECT_DOUBLE_EQ(first[2].response_assessed().evidence(0).baseline(), 2.0);

  // After a restart (which sweeps every subject): still nothing new.
  auto server = StartInProcess(dir.path(), config, clock);
  GatewayClient client(server->address());
  server->WaitForScheduleIdle();
  EXPECT_EQ(DerivedFromLabs(client).size(), first.size());
}

// The embedded study written to `dir`, with schedule.json replaced by `schedule` (or left out
// when empty).
void WriteStudy(const std::filesystem::path& dir, const std::string& schedule) {
  for (const auto& [path, content] : profiles::EmbeddedStudyFiles("krd-asct2")) {
    if (path == "schedule.json" && schedule.empty()) continue;
    std::filesystem::create_directories((dir / path).parent_path());
    std::ofstream(dir / path, std::ios::binary) << (path == "schedule.json" ? schedule : content);
  }
}

TEST(ScheduleStartTest, AMalformedScheduleStopsTheStart) {
  TempDir dir;
  WriteStudy(dir.path() / "study", R"({"format": "trialgate-schedule/1"})");
  config::Config config;
  config.listen = "127.0.0.1:0";
  config.mllp.listen = "127.0.0.1:0";  // parallel tests: no fixed ports
  config.http.listen = "127.0.0.1:0";
  config.data_dir = (dir.path() / "data").string();
  config.study_dir = (dir.path() / "study").string();
  absl::StatusOr<std::unique_ptr<server::GatewayServer>> server =
      server::GatewayServer::Start(config);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), ::testing::HasSubstr("schedule.json"));
}

TEST(ScheduleStartTest, AStudyWithoutAScheduleHasNoTimelines) {
  TempDir dir;
  WriteStudy(dir.path() / "study", "");
  config::Config config;
  config.study_dir = (dir.path() / "study").string();
  auto server = StartInProcess(dir.path() / "data", config);
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  client.SubmitOk(fhir::EnrolPt2001(kC1D1));
  auto study = v1::Study::NewStub(client.channel());
  v1::GetTimelineRequest request;
  request.set_subject_id(fhir::kSubject);
  v1::Timeline timeline;
  grpc::ClientContext context;
  EXPECT_EQ(study->GetTimeline(&context, request, &timeline).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TimelineServiceTest, UnknownSubjectIsNotFound) {
  Start(kC1D1);
  v1::Timeline timeline;
  EXPECT_EQ(GetTimeline("KRD-999-9999", &timeline).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetTimeline("", &timeline).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace trialgate::testing

namespace trialgate::testing {
namespace {

class EndpointsServiceTest : public TimelineServiceTest {
 protected:
  grpc::Status GetEndpoints(const std::string& cutoff, v1::EndpointsReport* report) {
    v1::GetEndpointsRequest request;
    request.set_data_cutoff(cutoff);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return study_->GetEndpoints(&context, request, report);
  }

  static const v1::TimeToEvent& Pfs(const v1::EndpointsReport& report) {
    for (const v1::TimeToEvent& result : report.time_to_event()) {
      if (result.id() == "pfs") return result;
    }
    ADD_FAILURE() << "no pfs in the report";
    return report.time_to_event(0);
  }
};

// The report is the log's: a new resource changes it at once (a kept report is not served once
// the log has grown), and the cutoff decides who and what counts.
TEST_F(EndpointsServiceTest, TheReportFollowsTheLogAndTheCutoff) {
  Start(kC1D1 + 27);
  SubmitAll(CycleOneWithTwoDeviations());

  v1::EndpointsReport report;
  grpc::Status status = GetEndpoints("", &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(report.study_id(), "KRD-ASCT2");
  EXPECT_EQ(report.data_cutoff(), "2026-03-29");  // today on the server's clock
  EXPECT_EQ(report.scope(), "all sites");
  EXPECT_EQ(report.subjects(), 1);
  ASSERT_EQ(report.subject_summaries_size(), 1);
  const v1::SubjectSummary& subject = report.subject_summaries(0);
  EXPECT_EQ(subject.subject_id(), fhir::kSubject);
  EXPECT_EQ(subject.consent(), "2026-02-23");  // the ResearchSubject's period.start
  EXPECT_EQ(subject.status(), "on_treatment");
  EXPECT_EQ(subject.last_day(), 35);  // 2026-03-29 - 2026-02-23 + 1
  bool dose_missed = false;
  for (const v1::DeviationCount& count : report.deviations()) {
    if (count.code() != schedule::kDoseMissed) continue;
    dose_missed = true;
    EXPECT_EQ(count.site_id(), "hospital-a");
    EXPECT_EQ(count.deviations(), 1);
    EXPECT_EQ(count.subjects(), 1);
  }
  EXPECT_TRUE(dose_missed);
  EXPECT_EQ(Pfs(report).events(), 0);
  EXPECT_EQ(Pfs(report).n(), 1);

  // Progression reported: the next report has the PFS event.
  SubmitAll({fhir::Response("resp-pd", kC1D1 + 20, "PD")});
  ASSERT_TRUE(GetEndpoints("", &report).ok());
  EXPECT_EQ(Pfs(report).events(), 1);
  ASSERT_EQ(Pfs(report).subjects_size(), 1);
  EXPECT_EQ(Pfs(report).subjects(0).end(), "2026-03-22");

  // A cutoff before consent leaves the subject out of every endpoint.
  ASSERT_TRUE(GetEndpoints("2026-02-20", &report).ok());
  EXPECT_EQ(report.data_cutoff(), "2026-02-20");
  EXPECT_EQ(report.consented_after_cutoff(), 1);
  EXPECT_EQ(Pfs(report).n(), 0);

  status = GetEndpoints("29/03/2026", &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("29/03/2026"));
}

}  // namespace
}  // namespace trialgate::testing
