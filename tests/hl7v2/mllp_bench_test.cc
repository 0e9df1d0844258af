// `trialgate bench --mode mllp`'s messages (each a new result: its own control id and order
// numbers, for an enrolled patient) and its load against the in-process echo server. Nothing
// here is timed.
#include "gateway/cli/mllp_bench.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::cli {
namespace {

using ::testing::HasSubstr;

TEST(MllpBenchTest, EveryMessageHasItsOwnControlIdAndOrderNumbers) {
  constexpr int kSubjects = 7;
  std::set<std::string> control_ids, placers, fillers;
  for (uint64_t i = 0; i < 3000; ++i) {
    absl::StatusOr<hl7v2::Message> message =
        hl7v2::Message::Parse(MllpBenchOru("0a1b2c3d", i, kSubjects));
    ASSERT_TRUE(message.ok()) << message.status();
    EXPECT_EQ(message->control_id(), MllpBenchControlId("0a1b2c3d", i));
    EXPECT_LE(message->control_id().size(), 20u);  // MSH-10's length in v2.5.1
    EXPECT_EQ(message->Text("MSH", 3) + "@" + message->Text("MSH", 4), kMllpBenchSystem);
    EXPECT_EQ(message->message_type(), "ORU^R01^ORU_R01");
    // Round robin over the enrolled patients, named as the enrolment names them.
    EXPECT_EQ(message->Text("PID", 3, 1), MllpBenchPatientId("0a1b2c3d", i % kSubjects));
    EXPECT_EQ(message->Text("PID", 3, 4, 2), kMllpBenchPatientOid);
    EXPECT_EQ(message->Text("OBX", 3, 1), "751-8");
    EXPECT_EQ(message->FindAll("OBX").size(), 1u);
    control_ids.insert(message->control_id());
    placers.insert(message->Text("OBR", 2));
    fillers.insert(message->Text("OBR", 3));
  }
  EXPECT_EQ(control_ids.size(), 3000u);
  EXPECT_EQ(placers.size(), 3000u);
  EXPECT_EQ(fillers.size(), 3000u);
  // Another run's messages are new as well.
  EXPECT_NE(MllpBenchControlId("0a1b2c3d", 5), MllpBenchControlId("ffffffff", 5));
}

TEST(MllpBenchTest, TheEnrolmentNamesThePatientByThePid3Identifier) {
  const std::string enrolment = MllpBenchEnrolment("0a1b2c3d", 3);
  EXPECT_THAT(enrolment, HasSubstr(absl::StrCat(R"("individual":{"identifier":{"system":)",
                                                R"("urn:oid:)", kMllpBenchPatientOid,
                                                R"(","value":")",
                                                MllpBenchPatientId("0a1b2c3d", 3), "\"}}")));
}

TEST(MllpBenchTest, TheEchoServerAnswersEveryMessageOnEveryConnectionInOrder) {
  absl::StatusOr<std::unique_ptr<EchoServer>> echo = EchoServer::Start();
  ASSERT_TRUE(echo.ok()) << echo.status();
  MllpClientOptions client;
  client.target = (*echo)->address();
  for (int pipeline : {1, 8}) {
    MllpLoadResult result = RunMllpLoad(client, "0a1b2c3d", 301, 3, pipeline, 5,
                                        MllpExpect::kEcho);
    EXPECT_EQ(result.accepted, 301u) << result.first_problem;
    EXPECT_EQ(result.other, 0u);
    EXPECT_EQ(result.latencies_ms.size(), 301u);
    EXPECT_GT(result.message_bytes, 200);
  }
}

TEST(MllpBenchTest, AnAnswerThatIsNoAckForTheMessageIsNotCountedAsAccepted) {
  absl::StatusOr<std::unique_ptr<EchoServer>> echo = EchoServer::Start();
  ASSERT_TRUE(echo.ok()) << echo.status();
  MllpClientOptions client;
  client.target = (*echo)->address();
  MllpLoadResult result = RunMllpLoad(client, "0a1b2c3d", 20, 2, 4, 5, MllpExpect::kAck);
  EXPECT_EQ(result.accepted, 0u);
  EXPECT_EQ(result.other, 20u);
  EXPECT_THAT(result.first_problem, HasSubstr("unreadable answer"));
}

TEST(MllpBenchTest, AServerThatIsNotThereCountsEveryMessageAsUnanswered) {
  MllpClientOptions client;
  {
    absl::StatusOr<std::unique_ptr<EchoServer>> echo = EchoServer::Start();
    ASSERT_TRUE(echo.ok());
    client.target = (*echo)->address();
  }  // closed: nothing listens there now
  client.timeout = absl::Seconds(5);
  MllpLoadResult result = RunMllpLoad(client, "0a1b2c3d", 10, 2, 1, 5, MllpExpect::kEcho);
  EXPECT_EQ(result.accepted, 0u);
  EXPECT_EQ(result.other, 10u);
  EXPECT_THAT(result.first_problem, HasSubstr("cannot connect"));
}

}  // namespace
}  // namespace trialgate::cli
