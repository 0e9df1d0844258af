// EventFeed.Pull answers with the store's own code: a log the store cannot parse is DATA_LOSS,
// which no retry mends, while a busy database is UNAVAILABLE, worth a retry.
#include "gateway/server/feed_service.h"

#include <chrono>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace trialgate::server {
namespace {

// Every read fails with `error`.
class FailingReader final : public store::EventReader {
 public:
  explicit FailingReader(absl::Status error) : error_(std::move(error)) {}
  absl::StatusOr<std::vector<v1::Event>> ReadAfter(uint64_t, size_t) override { return error_; }
  absl::StatusOr<std::vector<v1::Event>> ReadSubject(const std::string&) override {
    return error_;
  }
  absl::Status ReadSubjectInto(const std::string&, store::EventBatch*) override { return error_; }
  absl::StatusOr<std::vector<v1::Event>> ReadSubjectAfter(const std::string&,
                                                          uint64_t) override {
    return error_;
  }
  absl::StatusOr<std::vector<std::string>> ListSubjects() override { return error_; }

 private:
  absl::Status error_;
};

// A store whose log cannot be read: opening a reader fails with `open_error` when set, else
// every read with `read_error`.
class UnreadableStore final : public store::EventStore {
 public:
  absl::Status open_error;
  absl::Status read_error;

  void Commit(std::vector<store::SourceWrite>, store::CommitCallback done) override {
    done(store::CommitResult{absl::UnimplementedError("read only"), {}});
  }
  absl::StatusOr<std::unique_ptr<store::EventReader>> OpenReader() override {
    if (!open_error.ok()) return open_error;
    return std::make_unique<FailingReader>(read_error);
  }
  uint64_t LastSequence() const override { return 0; }
  bool WaitForSequenceAbove(uint64_t, std::chrono::milliseconds) override { return false; }
  absl::StatusOr<std::unique_ptr<store::Lease>> TryAcquireLease(const std::string&) override {
    return std::unique_ptr<store::Lease>(std::make_unique<store::SoleWriterLease>());
  }
  absl::StatusOr<std::unique_ptr<store::Lease>> TryLockSubject(const std::string&) override {
    return std::unique_ptr<store::Lease>(std::make_unique<store::SoleWriterLease>());
  }
  absl::StatusOr<std::vector<store::EnrollmentRecord>> LoadEnrollments() override {
    return std::vector<store::EnrollmentRecord>{};
  }
  absl::StatusOr<store::EnrollmentChanges> LoadEnrollmentChanges(uint64_t) override {
    return store::EnrollmentChanges{};
  }
};

class FeedServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::EventFeed::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                       grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Pull() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::PullRequest request;
    std::unique_ptr<grpc::ClientReader<v1::Event>> reader = stub_->Pull(&context, request);
    v1::Event event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  }

  UnreadableStore store_;
  security::StreamSlots slots_{4};
  FeedService feed_{&store_, &slots_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::EventFeed::Stub> stub_;
};

TEST_F(FeedServiceTest, AnEventTheStoreCannotParseIsDataLoss) {
  store_.read_error = absl::DataLossError("event at sequence 7 cannot be parsed");
  const grpc::Status status = Pull();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(status.error_message(), "event at sequence 7 cannot be parsed");
}

TEST_F(FeedServiceTest, ABusyStoreIsUnavailable) {
  store_.read_error = absl::UnavailableError("cannot read events: database is locked");
  EXPECT_EQ(Pull().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(FeedServiceTest, AReaderThatCannotOpenKeepsItsCode) {
  store_.open_error = absl::InternalError("cannot prepare 'SELECT ...': no such table: events");
  EXPECT_EQ(Pull().error_code(), grpc::StatusCode::INTERNAL);
}

}  // namespace
}  // namespace trialgate::server
