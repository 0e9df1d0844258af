// The real gateway in this process, fed over gRPC and HL7 v2 over MLLP: MetricsText() is
// well-formed by the strict parser, counts what was ingested on the right channel, resource type
// and site, times the stages, reports the outbox of a destination that cannot be reached, and
// carries no subject id, patient identifier or other patient data.
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/cli/mllp_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/prometheus_text_parser.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

PrometheusScrape Scrape(const server::GatewayServer& server) {
  const std::string text = server.MetricsText();
  absl::StatusOr<PrometheusScrape> scrape = ParsePrometheusText(text);
  EXPECT_TRUE(scrape.ok()) << scrape.status() << "\n" << text;
  return scrape.ok() ? *std::move(scrape) : PrometheusScrape();
}

std::string Enrolment() {
  return ReadFile(std::string(TRIALGATE_SOURCE_DIR) +
                  "/tests/hl7v2/testdata/enrol-hl7-patient.json");
}

// An ORU^R01 neutrophil count for the patient Enrolment() enrols, named by MRN, name and birth
// date as a lab system sends them.
std::string Oru() {
  return "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|202601050900+0100||ORU^R01^ORU_R01|ANC-77|P|2.5.1\r"
         "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR||Muster^Erika||19600812|F\r"
         "OBR|1|ORD-77|FIL-77|26499-4^Neutrophils^LN|||202601050715+0100\r"
         "OBX|1|NM|751-8^Neutrophils [#/volume] in Blood by Automated count^LN||1.7|"
         "x10E9/L^^L|1.8-7.7|L|||F|||202601050730+0100\r";
}

std::map<std::string, std::string> Entry(const std::string& channel, const std::string& outcome,
                                         const std::string& type, const std::string& site) {
  return {{"channel", channel}, {"outcome", outcome}, {"resource_type", type}, {"site", site}};
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Config config;
    config::DestinationConfig registry;  // nobody listens there: events stay in the outbox
    registry.name = "registry-a";
    registry.address = "127.0.0.1:1";
    registry.insecure = true;
    config.destinations.push_back(registry);
    server_ = StartInProcess(dir_.path(), config);
    ASSERT_NE(server_, nullptr);
  }

  TempDir dir_;
  std::unique_ptr<server::GatewayServer> server_;
};

TEST_F(MetricsServerTest, CountsGrpcSubmissionsAndTheirEntriesAndTimesTheStages) {
  const PrometheusScrape before = Scrape(*server_);
  EXPECT_EQ(before.Sum("trialgate_submissions_total"), 0);
  EXPECT_EQ(before.Value("trialgate_outbox_pending_events", {{"destination", "registry-a"}}), 0);

  GatewayClient client(server_->address());
  client.SubmitOk(TestData("research-subject-pt-1001.json"));
  client.SubmitOk(TestData("observation-anc-pt-1001.json"));
  client.SubmitOk(TestData("observation-anc-pt-1001.json"));  // a duplicate
  grpc::Status status;
  client.Submit("{\"resourceType\": ", "hospital-a", &status);  // not JSON: refused
  EXPECT_FALSE(status.ok());

  const PrometheusScrape after = Scrape(*server_);
  EXPECT_EQ(after.Value("trialgate_submissions_total",
                        {{"channel", "grpc"}, {"outcome", "stored"}}),
            3);
  EXPECT_EQ(after.Value("trialgate_submissions_total",
                        {{"channel", "grpc"}, {"outcome", "refused"}}),
            1);
  EXPECT_EQ(after.Value("trialgate_entries_total",
                        Entry("grpc", "accepted", "ResearchSubject", "hospital-a")),
            1);
  EXPECT_EQ(after.Value("trialgate_entries_total",
                        Entry("grpc", "accepted", "Observation", "hospital-a")),
            1);
  EXPECT_EQ(after.Value("trialgate_entries_total",
                        Entry("grpc", "duplicate", "Observation", "hospital-a")),
            1);
  for (const char* stage : {"decode", "validate", "map", "commit"}) {
    EXPECT_EQ(after.Value("trialgate_stage_seconds_count", {{"stage", stage}}), 3) << stage;
    EXPECT_GT(*after.Value("trialgate_stage_seconds_sum", {{"stage", stage}}), 0) << stage;
  }
  EXPECT_GE(*after.Value("trialgate_store_commit_group_size_count"), 3);
  EXPECT_GE(*after.Value("trialgate_store_fsync_seconds_count"), 3);
  // The ResearchSubject and the Observation each made events for the destination.
  EXPECT_GE(*after.Value("trialgate_outbox_pending_events", {{"destination", "registry-a"}}), 1);
  EXPECT_EQ(after.Value("trialgate_dead_letters", {{"destination", "registry-a"}}), 0);
}

TEST_F(MetricsServerTest, CountsMllpMessagesAsTheirOwnChannelAndCarriesNoPatientData) {
  GatewayClient client(server_->address());
  ASSERT_EQ(client.SubmitOk(Enrolment(), "LIS@HOSPA").entries(0).outcome(),
            v1::EntryOutcome::ACCEPTED);
  cli::MllpClientOptions options;
  options.target = server_->mllp_address();
  absl::StatusOr<std::unique_ptr<cli::MllpClient>> mllp = cli::MllpClient::Connect(options);
  ASSERT_TRUE(mllp.ok()) << mllp.status();
  absl::StatusOr<std::string> ack = (*mllp)->Exchange(Oru());
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_THAT(*ack, HasSubstr("MSA|AA"));
  server_->WaitForScheduleIdle();

  const std::string text = server_->MetricsText();
  absl::StatusOr<PrometheusScrape> scrape = ParsePrometheusText(text);
  ASSERT_TRUE(scrape.ok()) << scrape.status() << "\n" << text;
  EXPECT_EQ(scrape->Value("trialgate_submissions_total",
                          {{"channel", "mllp"}, {"outcome", "stored"}}),
            1);
  // Without "sites" every sending system is its own site.
  EXPECT_EQ(scrape->Value("trialgate_entries_total",
                          Entry("mllp", "accepted", "Observation", "LIS@HOSPA")),
            1);
  EXPECT_EQ(scrape->Value("trialgate_entries_total",
                          Entry("grpc", "accepted", "ResearchSubject", "LIS@HOSPA")),
            1);
  EXPECT_EQ(scrape->Value("trialgate_stage_seconds_count", {{"stage", "commit"}}), 2);

  // Subject ids (KRD-001-0005), the MRN (KRD-001-0002), the name, the birth date, the hospital's
  // resource and message ids: none of it is a label or anything else in the text.
  for (const char* forbidden : {"KRD-", "Muster", "Erika", "19600812", "rs-hl7",
                                "ANC-77", "ORD-77", "pt-1001"}) {
    EXPECT_THAT(text, Not(HasSubstr(forbidden))) << forbidden;
  }
  for (const PrometheusSample& sample : scrape->samples) {
    for (const auto& [label, value] : sample.labels) {
      EXPECT_THAT(label, ::testing::AnyOf("channel", "outcome", "resource_type", "site", "stage",
                                          "destination", "code", "status", "le"))
          << sample.name;
    }
  }
}

TEST_F(MetricsServerTest, StaysWellFormedAfterShutdown) {
  GatewayClient(server_->address()).SubmitOk(TestData("research-subject-pt-1001.json"));
  server_->Shutdown();
  const PrometheusScrape scrape = Scrape(*server_);
  EXPECT_EQ(scrape.Value("trialgate_submissions_total",
                         {{"channel", "grpc"}, {"outcome", "stored"}}),
            1);
  EXPECT_EQ(scrape.Value("trialgate_outbox_pending_events", {{"destination", "registry-a"}}),
            std::nullopt);
}

}  // namespace
}  // namespace trialgate::testing
