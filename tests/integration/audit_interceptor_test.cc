// The audit interceptor on a bare server: a call is answered only once its record is durable,
// and once the log has failed, calls end UNAVAILABLE instead of going unaudited.
#include "gateway/server/audit_interceptor.h"

#include <chrono>

#include "gmock/gmock.h"
#include "gateway/server/study_service.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::server {
namespace {

using ::testing::HasSubstr;

// Keeps what it is given; fails every write once `fail` is set.
class FakeAuditSink final : public audit::AuditSink {
 public:
  FakeAuditSink(std::string* bytes, std::atomic<bool>* fail) : bytes_(bytes), fail_(fail) {}
  absl::Status Write(std::string_view bytes) override {
    if (*fail_) return absl::UnavailableError("No space left on device");
    bytes_->append(bytes);
    return absl::OkStatus();
  }
  absl::Status Sync() override { return absl::OkStatus(); }

 private:
  std::string* bytes_;
  std::atomic<bool>* fail_;
};

class AuditInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::make_unique<audit::AuditLog>(std::make_unique<FakeAuditSink>(&bytes_, &fail_),
                                             audit::ChainPosition(), audit::AuditLog::Options());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&study_);
    builder.experimental().SetInterceptorCreators(
        AuditInterceptorCreators(log_.get(), SystemClock()));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::Study::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                   grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown();
    log_->Close();
  }

  grpc::Status Call() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::GetTimelineRequest request;
    request.set_subject_id("KRD-001-0001");
    v1::Timeline timeline;
    return stub_->GetTimeline(&context, request, &timeline);
  }

  std::string bytes_;  // written by the log's writer thread; read once the call has returned
  std::atomic<bool> fail_{false};
  std::unique_ptr<audit::AuditLog> log_;
  StudyService study_{nullptr, nullptr, nullptr};  // no schedule: every call FAILED_PRECONDITION
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Study::Stub> stub_;
};

TEST_F(AuditInterceptorTest, CallIsAnsweredAfterItsRecordIsWritten) {
  EXPECT_EQ(Call().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(log_->durable().records, 1u);
  EXPECT_THAT(bytes_, HasSubstr("\"rpc\":\"/trialgate.v1.Study/GetTimeline\""));
  EXPECT_THAT(bytes_, HasSubstr("\"code\":\"FAILED_PRECONDITION\""));
  EXPECT_THAT(bytes_, HasSubstr("\"subject\":\"(unconfirmed)\""));
}

TEST_F(AuditInterceptorTest, OnceTheLogHasFailedCallsEndUnavailable) {
  EXPECT_EQ(Call().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  fail_ = true;
  const grpc::Status failed = Call();
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(failed.error_message(), HasSubstr("No space left on device"));
  EXPECT_EQ(Call().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(log_->durable().records, 1u);
}

}  // namespace
}  // namespace trialgate::server
