// Mutual TLS, identities, roles and sites through the real server on loopback: client
// certificates made by deploy/dev-ca.sh, calls made by real gRPC clients.
#include <atomic>
#include <thread>

#include "gateway/config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/security/dev_ca.h"
#include "trialgate/v1/delivery.grpc.pb.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

const char kSubject[] = "KRD-001-0001";  // enrolled by research-subject-pt-1001.json

// One CA for the whole suite (a dozen certificates); each test starts its own gateway.
class TlsAccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_dir_ = new TempDir;
    ca_ = new DevCa(ca_dir_->path() / "ca",
                    {"site-a:site:site-a", "site-b:site:site-b", "warehouse:warehouse",
                     "warehouse-2:warehouse", "registry-admin:registry-admin", "auditor:auditor",
                     "monitor:monitor", "stranger:warehouse"});
    other_ca_ = new DevCa(ca_dir_->path() / "other-ca", {"site-a:site:site-a"});
  }
  static void TearDownTestSuite() {
    delete other_ca_;
    delete ca_;
    delete ca_dir_;
  }

  // The config dev-ca.sh wrote, less the stranger (a certificate the CA signed that nobody
  // configured), with sending system epic-a belonging to site-a.
  static config::Config Config() {
    absl::StatusOr<config::Config> config = config::LoadConfigFile(ca_->config_file().string());
    EXPECT_TRUE(config.ok()) << config.status();
    std::erase_if(config->identities, [](const auto& i) { return i.name == "stranger"; });
    config->site_by_system = {{"epic-a", "site-a"}, {"epic-b", "site-b"}};
    return *config;
  }

  void Start(config::Config config = Config()) {
    ASSERT_TRUE(ca_->ok()) << "deploy/dev-ca.sh failed";
    server_ = StartInProcess(data_.path(), std::move(config));
    ASSERT_NE(server_, nullptr);
  }

  GatewayClient As(const std::string& client, const DevCa* ca = nullptr) {
    return GatewayClient(server_->address(), (ca ? ca : ca_)->Credentials(client));
  }

  static grpc::Status Validate(GatewayClient& client) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ValidateRequest request;
    request.set_body(R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})");
    v1::ValidateResponse response;
    return client.gateway().Validate(&context, request, &response);
  }

  static grpc::Status PullOne(GatewayClient& client, std::vector<v1::Event>* events = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::PullRequest request;
    auto reader = client.feed().Pull(&context, request);
    v1::Event event;
    while (reader->Read(&event)) {
      if (events) events->push_back(event);
    }
    return reader->Finish();
  }

  static grpc::Status ListDestinations(GatewayClient& client) {
    grpc::ClientContext context;
    v1::ListDestinationsRequest request;
    v1::ListDestinationsResponse response;
    return v1::Delivery::NewStub(client.channel())->ListDestinations(&context, request, &response);
  }

  static grpc::Status GetTimeline(GatewayClient& client, const std::string& subject) {
    grpc::ClientContext context;
    v1::GetTimelineRequest request;
    request.set_subject_id(subject);
    v1::Timeline response;
    return v1::Study::NewStub(client.channel())->GetTimeline(&context, request, &response);
  }

  static v1::SubmitResponse Submit(GatewayClient& client, const std::string& body,
                                   const std::string& source, grpc::Status* status) {
    return client.Submit(body, source, status);
  }

  static TempDir* ca_dir_;
  static DevCa* ca_;
  static DevCa* other_ca_;
  TempDir data_;
  std::unique_ptr<server::GatewayServer> server_;
};

TempDir* TlsAccessTest::ca_dir_ = nullptr;
DevCa* TlsAccessTest::ca_ = nullptr;
DevCa* TlsAccessTest::other_ca_ = nullptr;

TEST_F(TlsAccessTest, TheGatewayRefusesToStartInPlaintextUnlessAskedTo) {
  config::Config config;
  config.listen = "127.0.0.1:0";
  config.mllp.listen = "127.0.0.1:0";  // parallel tests: no fixed ports
  config.http.listen = "127.0.0.1:0";
  config.data_dir = data_.path().string();
  absl::StatusOr<std::unique_ptr<server::GatewayServer>> server =
      server::GatewayServer::Start(config);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("--insecure"));
  config = Config();
  config.identities.clear();
  config.listen = "127.0.0.1:0";
  config.mllp.listen = "127.0.0.1:0";  // parallel tests: no fixed ports
  config.http.listen = "127.0.0.1:0";
  config.data_dir = data_.path().string();
  server = server::GatewayServer::Start(config);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("no \"identities\""));
  config = Config();
  config.tls.key_file = (data_.path() / "missing.key").string();
  config.listen = "127.0.0.1:0";
  config.mllp.listen = "127.0.0.1:0";  // parallel tests: no fixed ports
  config.http.listen = "127.0.0.1:0";
  config.data_dir = data_.path().string();
  server = server::GatewayServer::Start(config);
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("missing.key"));
}

TEST_F(TlsAccessTest, OnlyConfiguredCertificatesOfTheConfiguredCaGetIn) {
  Start();
  GatewayClient plaintext(server_->address());
  EXPECT_EQ(Validate(plaintext).error_code(), grpc::StatusCode::UNAVAILABLE);
  GatewayClient no_certificate = As("");
  EXPECT_EQ(Validate(no_certificate).error_code(), grpc::StatusCode::UNAVAILABLE);
  GatewayClient other_ca = As("site-a", other_ca_);
  EXPECT_EQ(Validate(other_ca).error_code(), grpc::StatusCode::UNAVAILABLE);

  GatewayClient stranger = As("stranger");
  const grpc::Status status = PullOne(stranger);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("CN=stranger"));
  EXPECT_THAT(status.error_message(), HasSubstr("not a configured identity"));

  GatewayClient site_a = As("site-a");
  EXPECT_TRUE(Validate(site_a).ok());
}

TEST_F(TlsAccessTest, EachRoleCallsOnlyWhatItMay) {
  Start();
  GatewayClient site = As("site-a");
  GatewayClient warehouse = As("warehouse");
  GatewayClient admin = As("registry-admin");
  GatewayClient auditor = As("auditor");

  EXPECT_TRUE(Validate(site).ok());
  EXPECT_TRUE(PullOne(warehouse).ok());
  EXPECT_TRUE(ListDestinations(admin).ok());

  for (GatewayClient* other : {&warehouse, &admin, &auditor}) {
    const grpc::Status status = Validate(*other);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("/trialgate.v1.Gateway/Validate"));
    EXPECT_THAT(status.error_message(), HasSubstr("needs the role site"));
    EXPECT_EQ(GetTimeline(*other, kSubject).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  for (GatewayClient* other : {&site, &admin, &auditor}) {
    const grpc::Status status = PullOne(*other);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("needs the role warehouse"));
  }
  for (GatewayClient* other : {&site, &warehouse, &auditor}) {
    EXPECT_EQ(ListDestinations(*other).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  grpc::Status submit;
  Submit(warehouse, TestData("research-subject-pt-1001.json"), "epic-a", &submit);
  EXPECT_EQ(submit.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(PullOne(warehouse, nullptr).ok());
  std::vector<v1::Event> events;
  ASSERT_TRUE(PullOne(warehouse, &events).ok());
  EXPECT_TRUE(events.empty());  // the refused submission stored nothing
}

TEST_F(TlsAccessTest, ASiteActsForItselfWhateverTheRequestClaims) {
  Start();
  GatewayClient site_a = As("site-a");
  GatewayClient site_b = As("site-b");
  GatewayClient warehouse = As("warehouse");

  // Site A enrols under a system id of its own choosing: the event is site A's.
  grpc::Status status;
  v1::SubmitResponse enrolled =
      Submit(site_a, TestData("research-subject-pt-1001.json"), "anything-a", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(enrolled.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  std::vector<v1::Event> events;
  ASSERT_TRUE(PullOne(warehouse, &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].site_id(), "site-a");

  // Site B cannot pose as site A's sending system ...
  Submit(site_b, TestData("observation-anc-pt-1001.json"), "epic-a", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("belongs to site 'site-a'"));
  // ... nor enrol site A's subject again, nor submit data for it ...
  v1::SubmitResponse taken =
      Submit(site_b, TestData("research-subject-pt-1001.json"), "epic-b", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(taken.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  v1::SubmitResponse data =
      Submit(site_b, TestData("observation-anc-pt-1001.json"), "epic-b", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(data.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  // ... nor read its timeline; unknown subjects get the same answer.
  const grpc::Status foreign = GetTimeline(site_b, kSubject);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(foreign.error_message(), HasSubstr("not enrolled at site 'site-b'"));
  EXPECT_EQ(GetTimeline(site_b, "KRD-999-9999").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(GetTimeline(site_a, kSubject).ok());

  // Site A's own data go in; nothing of site B's attempts was stored.
  v1::SubmitResponse own =
      Submit(site_a, TestData("observation-anc-pt-1001.json"), "epic-a", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(own.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  events.clear();
  ASSERT_TRUE(PullOne(warehouse, &events).ok());
  ASSERT_EQ(events.size(), 2u);
  for (const v1::Event& event : events) EXPECT_EQ(event.site_id(), "site-a");
}

// The endpoints report: a monitor sees every site's subjects, a site only its own, and a
// caller of another role none. A monitor also reads any site's timeline.
TEST_F(TlsAccessTest, AMonitorSeesEverySiteASiteItsOwnSubjects) {
  Start();
  GatewayClient site_a = As("site-a");
  GatewayClient site_b = As("site-b");
  GatewayClient monitor = As("monitor");
  GatewayClient warehouse = As("warehouse");
  grpc::Status status;
  for (const char* file : {"research-subject-pt-1001.json", "observation-anc-pt-1001.json"}) {
    EXPECT_EQ(Submit(site_a, TestData(file), "epic-a", &status).entries(0).outcome(),
              v1::EntryOutcome::ACCEPTED) << file;
  }
  v1::SubmitResponse b = Submit(site_b, TestData("transaction-enrol-and-data.json"), "epic-b",
                                &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  for (const v1::EntryOutcome& entry : b.entries()) {
    ASSERT_EQ(entry.outcome(), v1::EntryOutcome::ACCEPTED);
  }

  auto endpoints = [](GatewayClient& client, v1::EndpointsReport* report) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::GetEndpointsRequest request;
    return v1::Study::NewStub(client.channel())->GetEndpoints(&context, request, report);
  };
  auto subjects = [](const v1::EndpointsReport& report) {
    std::vector<std::string> ids;
    for (const v1::SubjectSummary& s : report.subject_summaries()) ids.push_back(s.subject_id());
    return ids;
  };
  v1::EndpointsReport all, own_a, own_b, none;
  ASSERT_TRUE(endpoints(monitor, &all).ok());
  EXPECT_EQ(all.scope(), "all sites");
  EXPECT_EQ(all.subjects(), 2);
  EXPECT_EQ(subjects(all), (std::vector<std::string>{"KRD-001-0001", "KRD-001-0002"}));
  ASSERT_TRUE(endpoints(site_a, &own_a).ok());
  EXPECT_EQ(own_a.scope(), "site site-a");
  EXPECT_EQ(subjects(own_a), std::vector<std::string>{"KRD-001-0001"});
  ASSERT_TRUE(endpoints(site_b, &own_b).ok());
  EXPECT_EQ(subjects(own_b), std::vector<std::string>{"KRD-001-0002"});
  for (const v1::SiteCount& site : own_b.sites()) EXPECT_EQ(site.site_id(), "site-b");
  EXPECT_EQ(endpoints(warehouse, &none).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_TRUE(GetTimeline(monitor, kSubject).ok());
  EXPECT_TRUE(GetTimeline(monitor, "KRD-001-0002").ok());
  EXPECT_EQ(GetTimeline(site_a, "KRD-001-0002").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TlsAccessTest, StreamLimitRefusesTheCallerOverItOnly) {
  config::Config config = Config();
  config.call_limits.max_streams_per_caller = 2;
  Start(std::move(config));
  GatewayClient warehouse = As("warehouse");

  // An event in the log, so that a following pull shows it is being served by delivering it.
  grpc::Status status;
  GatewayClient site_a = As("site-a");
  Submit(site_a, TestData("research-subject-pt-1001.json"), "epic-a", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // Two following pulls stay open. The server counts a stream once its handler runs: each has
  // delivered the event before the third is asked for, or the third could overtake the second
  // and take its slot (as it did on a loaded machine).
  grpc::ClientContext first_context, second_context;
  v1::PullRequest follow;
  follow.set_follow(true);
  auto first = warehouse.feed().Pull(&first_context, follow);
  auto second = warehouse.feed().Pull(&second_context, follow);
  v1::Event event;
  ASSERT_TRUE(first->Read(&event));
  ASSERT_TRUE(second->Read(&event));
  const grpc::Status third = PullOne(warehouse);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << third.error_message();
  EXPECT_THAT(third.error_message(), HasSubstr("maxStreamsPerCaller"));

  GatewayClient other = As("warehouse-2");
  EXPECT_TRUE(PullOne(other).ok());  // another identity has its own streams

  first_context.TryCancel();
  first->Finish();
  EXPECT_TRUE(Eventually([&] { return PullOne(warehouse).ok(); }));  // the slot came back
  second_context.TryCancel();
  second->Finish();
}

TEST_F(TlsAccessTest, AFloodingCallerIsRefusedWhileOthersAreServed) {
  config::Config config = Config();
  config.call_limits.requests_per_second = 20;
  config.call_limits.request_burst = 20;
  Start(std::move(config));

  std::atomic<bool> flooding{true};
  std::atomic<int> refused{0}, served{0}, other_errors{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < 4; ++t) {
    flood.emplace_back([&] {
      GatewayClient site_a = As("site-a");
      while (flooding) {
        const grpc::Status status = Validate(site_a);
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++refused;
          EXPECT_THAT(status.error_message(), HasSubstr("requestsPerSecond"));
        } else if (status.ok()) {
          ++served;
        } else {
          ++other_errors;
        }
      }
    });
  }
  // Site B, well under its own rate, is served throughout (each call has a 10 s deadline).
  GatewayClient site_b = As("site-b");
  int site_b_ok = 0;
  for (int i = 0; i < 20; ++i) {
    if (Validate(site_b).ok()) ++site_b_ok;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  flooding = false;
  for (std::thread& thread : flood) thread.join();

  EXPECT_EQ(site_b_ok, 20);
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(other_errors.load(), 0);
  // Over ~2 s, site A got about its burst plus its rate, not everything it asked for.
  EXPECT_LT(served.load(), 20 + 20 * 10);
  // And it recovers once it slows down.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  GatewayClient site_a = As("site-a");
  EXPECT_TRUE(Validate(site_a).ok());
}

}  // namespace
}  // namespace trialgate::testing
