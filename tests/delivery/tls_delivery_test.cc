// Delivery over TLS with a client certificate (mutual TLS), as a destination's "tls" settings
// say, to a receiver that requires and verifies one. The certificates are made for the test
// with the openssl command line (a throwaway CA, a server and a client certificate).
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/delivery/destination_worker.h"
#include "gateway/delivery/forwarder.h"
#include "gateway/delivery/publisher.h"
#include "gateway/store/sqlite_event_store.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "trialgate/v1/registry.grpc.pb.h"

namespace trialgate::delivery {
namespace {

using testing::Eventually;

using ::testing::HasSubstr;

// Runs a shell command line; fails the test when it fails.
void Shell(const std::string& command) {
  ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0) << command;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Counts the events it is sent and remembers the client certificate's common name.
class RecordingRegistry final : public v1::Registry::Service {
 public:
  grpc::Status Publish(grpc::ServerContext* context, const v1::PublishRequest* request,
                       v1::PublishResponse*) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const grpc::string_ref& name :
         context->auth_context()->FindPropertyValues("x509_common_name")) {
      client_name_.assign(name.data(), name.size());
    }
    received_ += request->events_size();
    return grpc::Status::OK;
  }
  int received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  std::string client_name() {
    std::lock_guard<std::mutex> lock(mu_);
    return client_name_;
  }

 private:
  std::mutex mu_;
  int received_ = 0;
  std::string client_name_;
};

class TlsDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string d = dir_.path().string();
    const std::string subject = "-subj /O=trialgate-test/CN=";
    Shell(absl::StrCat("cd ", d, " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 ",
                       "-keyout ca.key -out ca.pem ", subject, "test-ca"));
    for (const std::string name : {"registry", "gateway"}) {
      Shell(absl::StrCat("cd ", d, " && openssl req -newkey rsa:2048 -nodes -keyout ", name,
                         ".key -out ", name, ".csr ", subject, "trialgate-", name));
      Shell(absl::StrCat("cd ", d, " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > ",
                         name, ".ext && openssl x509 -req -in ", name,
                         ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out ", name,
                         ".pem -extfile ", name, ".ext"));
    }
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = ReadFile(dir_.path() / "ca.pem");
    options.pem_key_cert_pairs.push_back(
        {ReadFile(dir_.path() / "registry.key"), ReadFile(dir_.path() / "registry.pem")});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(options), &port_);
    builder.RegisterService(&registry_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);

    destination_.name = "tls-registry";
    // An IP address: the certificate names it too, and a host name would go through c-ares,
    // whose resolver leaks a few bytes that LeakSanitizer reports.
    destination_.address = absl::StrCat("127.0.0.1:", port_);
    destination_.tls.ca_file = (dir_.path() / "ca.pem").string();
    destination_.tls.cert_file = (dir_.path() / "gateway.pem").string();
    destination_.tls.key_file = (dir_.path() / "gateway.key").string();
    destination_.retry_initial_ms = 10;
    destination_.retry_max_ms = 50;
    destination_.deadline_ms = 2000;
  }

  void TearDown() override {
    if (worker_) worker_->Stop();
    worker_.reset();
    store_.reset();
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  // Opens the store with a route to the destination, commits three events, starts a worker.
  void DeliverThreeEvents() {
    store::SqliteStoreOptions options;
    options.outbox_routes = OutboxRoutes({destination_});
    auto store = store::OpenSqliteEventStore((dir_.path() / "trialgate.db").string(), options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    std::vector<store::SourceWrite> writes(3);
    for (int i = 0; i < 3; ++i) {
      writes[i].source_key = absl::StrCat("source-", i);
      v1::Event& event = writes[i].events.emplace_back();
      event.set_event_id(absl::StrCat("ev-tls-", i));
      event.set_subject_id("S-1");
      event.mutable_lab_result()->set_analyte("serum_m_protein");
    }
    std::promise<void> done;
    store_->Commit(std::move(writes), [&](store::CommitResult) { done.set_value(); });
    done.get_future().wait();
    auto publisher = MakeGrpcPublisher(destination_);
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    worker_ = std::make_unique<DestinationWorker>(destination_, store_.get(), store_.get(),
                                                  *std::move(publisher));
    ASSERT_TRUE(worker_->Start().ok());
  }

  testing::TempDir dir_;
  RecordingRegistry registry_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  config::DestinationConfig destination_;
  std::unique_ptr<store::SqliteEventStore> store_;
  std::unique_ptr<DestinationWorker> worker_;
};

TEST_F(TlsDeliveryTest, DeliversOverMutualTlsWithTheGatewaysCertificate) {
  destination_.tls.server_name = "localhost";  // checked against the certificate's DNS name
  DeliverThreeEvents();
  ASSERT_TRUE(Eventually([&] { return registry_.received() == 3; }));
  EXPECT_EQ(registry_.client_name(), "trialgate-gateway");
  EXPECT_TRUE(Eventually([&] { return worker_->state().state == "idle"; }));
}

TEST_F(TlsDeliveryTest, WithoutTheClientCertificateNothingIsDeliveredAndNothingIsLost) {
  destination_.tls.cert_file.clear();
  destination_.tls.key_file.clear();
  DeliverThreeEvents();
  ASSERT_TRUE(Eventually([&] { return !worker_->state().last_error.empty(); }));
  EXPECT_THAT(worker_->state().last_error, HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(registry_.received(), 0);
  auto progress = store_->Progress({destination_.name});
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->front().pending_events, 3u);  // retried, not dead-lettered
  EXPECT_EQ(progress->front().dead_letters, 0u);
}

TEST_F(TlsDeliveryTest, AnUnreadableCertificateIsAClearStartError) {
  destination_.tls.ca_file = (dir_.path() / "missing-ca.pem").string();
  const auto publisher = MakeGrpcPublisher(destination_);
  ASSERT_FALSE(publisher.ok());
  EXPECT_THAT(publisher.status().message(),
              HasSubstr("destination tls-registry: CA file " + destination_.tls.ca_file));
}

}  // namespace
}  // namespace trialgate::delivery
