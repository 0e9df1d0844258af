// The audit log through the real server: every call of every service is on record, with who,
// what and how it ended, and the chain verifies, also through the Audit service.
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "gateway/audit/chain_verifier.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/support/gateway_harness.h"
#include "trialgate/v1/audit.grpc.pb.h"
#include "trialgate/v1/delivery.grpc.pb.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<rapidjson::Document> ReadRecords(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<rapidjson::Document> records;
  for (std::string line; std::getline(in, line);) {
    records.emplace_back().Parse(line.c_str());
    EXPECT_FALSE(records.back().HasParseError()) << line;
  }
  return records;
}

// The records of calls to `rpc`, in order.
std::vector<const rapidjson::Document*> Of(const std::vector<rapidjson::Document>& records,
                                           const std::string& rpc) {
  std::vector<const rapidjson::Document*> found;
  for (const rapidjson::Document& record : records) {
    if (rpc == record["rpc"].GetString()) found.push_back(&record);
  }
  return found;
}

template <typename Context>
void SetDeadline(Context* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
}

TEST(AuditLogTest, EveryCallOfEveryServiceIsRecordedAndTheChainVerifies) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());

  client.SubmitOk(TestData("transaction-enrol-and-data.json"), "hospital-a");
  grpc::Status bad;
  client.Submit("{not json", "hospital-a", &bad);
  ASSERT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(client.Pull(1, 2).size(), 2u);

  auto study = v1::Study::NewStub(client.channel());
  for (const std::string subject : {"KRD-001-0002", "Jane Doe 1957"}) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::GetTimelineRequest request;
    request.set_subject_id(subject);
    v1::Timeline timeline;
    study->GetTimeline(&context, request, &timeline);
  }
  auto delivery = v1::Delivery::NewStub(client.channel());
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::DeadLetterSelection selection;  // no destination: INVALID_ARGUMENT
    selection.set_all(true);
    v1::DeadLetterActionResponse response;
    EXPECT_FALSE(delivery->ReplayDeadLetters(&context, selection, &response).ok());
  }
  grpc::GenericStub generic(client.channel());
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Slice empty("", 0);
    grpc::ByteBuffer request(&empty, 1), response;
    grpc::Status status;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    generic.UnaryCall(&context, "/trialgate.v1.Nope/Missing", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) {
                        std::lock_guard<std::mutex> lock(mu);
                        status = s;
                        done = true;
                        cv.notify_one();
                      });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }

  // A call's record is durable before its status reaches the client: nothing to wait for.
  const std::filesystem::path log = dir.path() / "audit.log";
  std::vector<rapidjson::Document> records = ReadRecords(log);

  auto submits = Of(records, "/trialgate.v1.Gateway/Submit");
  ASSERT_EQ(submits.size(), 2u);
  const rapidjson::Value& ok = *submits[0];
  EXPECT_STREQ(ok["identity"].GetString(), "insecure-development");
  EXPECT_STREQ(ok["code"].GetString(), "OK");
  EXPECT_THAT(ok["peer"].GetString(), HasSubstr("127.0.0.1"));
  EXPECT_EQ(ok["roles"].Size(), 5u);  // the development caller has every role, monitor too
  EXPECT_STREQ(ok["target"]["sourceSystems"][0].GetString(), "hospital-a");
  EXPECT_EQ(ok["target"]["entries"]["accepted"].GetUint64(), 4u);
  EXPECT_TRUE(ok["target"]["resourceTypes"].HasMember("ResearchSubject"));
  const rapidjson::Value& failed = *submits[1];
  EXPECT_STREQ(failed["code"].GetString(), "INVALID_ARGUMENT");
  EXPECT_GT(std::string(failed["message"].GetString()).size(), 0u);

  auto pulls = Of(records, "/trialgate.v1.EventFeed/Pull");
  ASSERT_EQ(pulls.size(), 1u);
  EXPECT_EQ((*pulls[0])["target"]["after"].GetUint64(), 1u);
  EXPECT_EQ((*pulls[0])["target"]["events"].GetUint64(), 2u);
  EXPECT_EQ((*pulls[0])["target"]["lastSequence"].GetUint64(), 3u);

  auto timelines = Of(records, "/trialgate.v1.Study/GetTimeline");
  ASSERT_EQ(timelines.size(), 2u);
  EXPECT_STREQ((*timelines[0])["target"]["subject"].GetString(), "KRD-001-0002");
  EXPECT_STREQ((*timelines[1])["code"].GetString(), "NOT_FOUND");
  // What the caller typed for a subject nobody has is not kept: it might be a name.
  EXPECT_STREQ((*timelines[1])["target"]["subject"].GetString(), "(unconfirmed)");
  EXPECT_THAT((*timelines[1])["message"].GetString(), Not(HasSubstr("Jane")));

  auto replays = Of(records, "/trialgate.v1.Delivery/ReplayDeadLetters");
  ASSERT_EQ(replays.size(), 1u);
  EXPECT_STREQ((*replays[0])["code"].GetString(), "INVALID_ARGUMENT");
  EXPECT_TRUE((*replays[0])["target"]["all"].GetBool());

  auto unknown = Of(records, "/trialgate.v1.Nope/Missing");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_STREQ((*unknown[0])["code"].GetString(), "UNIMPLEMENTED");

  absl::StatusOr<audit::ChainReport> report = audit::VerifyChainFile(log.string());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->good.records, records.size());
}

TEST(AuditLogTest, AStreamIsOneRecordSummingItsSubmissions) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    auto stream = client.gateway().SubmitStream(&context);
    for (const std::string& body : {TestData("research-subject-pt-1001.json"),
                                    std::string("{not json"),
                                    TestData("observation-anc-pt-1001.json")}) {
      v1::SubmitRequest request;
      request.set_source_system("hospital-a");
      request.set_body(body);
      ASSERT_TRUE(stream->Write(request));
    }
    stream->WritesDone();
    v1::SubmitResponse response;
    while (stream->Read(&response)) {
    }
    ASSERT_TRUE(stream->Finish().ok());
  }
  std::vector<rapidjson::Document> records = ReadRecords(dir.path() / "audit.log");
  auto streams = Of(records, "/trialgate.v1.Gateway/SubmitStream");
  ASSERT_EQ(streams.size(), 1u);
  const rapidjson::Value& target = (*streams[0])["target"];
  EXPECT_EQ(target["submissions"].GetUint64(), 3u);
  EXPECT_EQ(target["entries"]["accepted"].GetUint64(), 2u);
  EXPECT_EQ(target["entries"]["bodyRejected"].GetUint64(), 1u);
  EXPECT_EQ(target["resourceTypes"]["Observation"].GetUint64(), 1u);
}

TEST(AuditLogTest, AuditServiceVerifiesAndPagesThroughTheLog) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  for (int i = 0; i < 5; ++i) client.Pull();

  auto audit = v1::Audit::NewStub(client.channel());
  v1::VerifyAuditResponse verified;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    ASSERT_TRUE(audit->Verify(&context, v1::VerifyAuditRequest(), &verified).ok());
  }
  EXPECT_TRUE(verified.intact()) << verified.problem();
  EXPECT_EQ(verified.records(), 5u);
  EXPECT_EQ(verified.head_hash().size(), 64u);

  // Pages of two: records 1-2, 3-4, then from the offset the last page ended at.
  std::vector<uint64_t> numbers;
  uint64_t offset = 0;
  for (int page = 0; page < 3; ++page) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ReadAuditRequest request;
    request.set_offset(offset);
    request.set_limit(2);
    auto reader = audit->Read(&context, request);
    for (v1::AuditLogLine line; reader->Read(&line);) {
      numbers.push_back(line.record());
      EXPECT_THAT(line.line(), HasSubstr("\"rpc\":\""));
      offset = line.next_offset();
    }
    ASSERT_TRUE(reader->Finish().ok());
  }
  // Records 1-5 are the pulls, 6 the Verify; the Read calls come after what they read.
  ASSERT_GE(numbers.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(numbers[i], i + 1);

  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ReadAuditRequest request;
  request.set_from_record(4);
  request.set_limit(1);
  auto reader = audit->Read(&context, request);
  v1::AuditLogLine line;
  ASSERT_TRUE(reader->Read(&line));
  EXPECT_EQ(line.record(), 4u);
  EXPECT_FALSE(reader->Read(&line));
  EXPECT_TRUE(reader->Finish().ok());

  grpc::ClientContext bad_context;
  SetDeadline(&bad_context);
  request.set_offset(3);
  auto bad = audit->Read(&bad_context, request);
  EXPECT_FALSE(bad->Read(&line));
  EXPECT_EQ(bad->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(AuditLogTest, ASecondGatewayOnTheSameLogDoesNotStart) {
  TempDir dir;
  auto first = StartInProcess(dir.path() / "first");
  ASSERT_NE(first, nullptr);
  config::Config config;
  config.listen = "127.0.0.1:0";
  config.mllp.listen = "127.0.0.1:0";  // parallel tests: no fixed ports
  config.http.listen = "127.0.0.1:0";
  config.data_dir = (dir.path() / "second").string();
  config.audit_log = (dir.path() / "first" / "audit.log").string();
  const auto second = server::GatewayServer::Start(config);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("in use"));
}

}  // namespace
}  // namespace trialgate::testing
