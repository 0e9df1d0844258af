// The HL7 v2 receiver in front of the real pipeline (fake store, accepting validator): which
// ACK each kind of message gets, that nothing is stored unless accepted, and that a resend and a
// reused control id are told apart.
#include "gateway/mllp/hl7_receiver.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "gateway/hl7v2/ack.h"
#include "gateway/identity/pseudonymizer.h"
#include "mappers/study.h"
#include "fhir-profiles/embedded.h"
#include "tests/support/accepting_validator.h"
#include "tests/support/fake_event_store.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::mllp {
namespace {

using ::testing::HasSubstr;
using ::trialgate::testing::AcceptingValidator;
using ::trialgate::testing::FakeEventStore;

// Enrols the patient HOSPA's systems know as KRD-001-0002 (PID-3 with the assigning
// authority's OID 1.2.276.0.76.4.8) as study subject KRD-001-0005, naming it by identifier as an
// HL7 v2 site must (the README's example).
std::string Enrolment() {
  return testing::ReadFile(std::string(TRIALGATE_SOURCE_DIR) +
                           "/tests/hl7v2/testdata/enrol-hl7-patient.json");
}

std::string Oru(const std::string& control_id, const std::string& value = "1.9",
                const std::string& version = "2.5.1", const std::string& ack_types = "") {
  return absl::StrCat(
      "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|202601050900+0100||ORU^R01^ORU_R01|", control_id,
      "|P|", version, "|||", ack_types, "\r",
      "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR||Muster^Erika||19600812|F\r",
      "OBR|1|ORD-1|FIL-1|26499-4^Neutrophils^LN|||202601050715+0100\r",
      "OBX|1|NM|751-8^Neutrophils [#/volume] in Blood by Automated count^LN||", value,
      "|x10E9/L^^L|1.8-7.7|N|||F|||202601050730+0100\r");
}

class Hl7ReceiverTest : public ::testing::Test {
 protected:
  Hl7ReceiverTest()
      : pipeline_(*mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2")),
                  {{}, {{"LIS@HOSPA", "site-a"}, {"hospital-a", "site-a"}}}, validator_,
                  identity::Pseudonymizer(std::string(32, 'k')), &registry_, &store_),
        receiver_(pipeline_, {}) {}

  void Enrol() {
    pipeline_.Ingest(security::DevelopmentCaller("test"),
                     {pipeline::Channel::kGrpc, "hospital-a", Enrolment()},
                     [](pipeline::SubmissionResult result) { ASSERT_TRUE(result.status.ok()); });
    ASSERT_EQ(store_.commits.size(), 1u);
  }

  hl7v2::AckReport Send(const std::string& message) {
    const std::string ack = receiver_.OnMessage(security::DevelopmentCaller("peer"), message);
    absl::StatusOr<hl7v2::AckReport> report = hl7v2::ReadAck(ack);
    EXPECT_TRUE(report.ok()) << report.status() << "\n" << ack;
    return report.ok() ? *report : hl7v2::AckReport{};
  }

  AcceptingValidator validator_;
  FakeEventStore store_;
  identity::EnrollmentRegistry registry_;
  pipeline::Pipeline pipeline_;
  Hl7Receiver receiver_;
};

TEST_F(Hl7ReceiverTest, AcceptsAResultOfAnEnrolledPatientAfterTheCommit) {
  Enrol();
  const hl7v2::AckReport ack = Send(Oru("ANC-1"));
  EXPECT_EQ(ack.code, "AA");
  EXPECT_EQ(ack.control_id, "ANC-1");
  EXPECT_TRUE(ack.errors.empty()) << ack.errors[0].text;
  ASSERT_EQ(store_.commits.size(), 2u);
  // The Observation's write, then the message's own record with its digest.
  const std::vector<store::SourceWrite>& commit = store_.commits[1];
  ASSERT_EQ(commit.size(), 2u);
  ASSERT_EQ(commit[0].events.size(), 1u);
  const v1::Event& event = commit[0].events[0];
  EXPECT_EQ(event.subject_id(), "KRD-001-0005");
  EXPECT_EQ(event.source().system(), "LIS@HOSPA");
  EXPECT_EQ(event.site_id(), "site-a");
  EXPECT_EQ(event.source().message_id().size(), 64u);
  EXPECT_THAT(event.SerializeAsString(), ::testing::Not(HasSubstr("ANC-1")));
  EXPECT_EQ(commit[1].source_key, "message|hl7v2|LIS@HOSPA|ANC-1");
  EXPECT_EQ(commit[1].digest.size(), 64u);
}

TEST_F(Hl7ReceiverTest, APatientNotEnrolledIsAnErrorAndNothingIsStored) {
  const hl7v2::AckReport ack = Send(Oru("ANC-2"));
  EXPECT_EQ(ack.code, "AE");
  ASSERT_EQ(ack.errors.size(), 1u);
  EXPECT_EQ(ack.errors[0].code, 204);
  EXPECT_EQ(ack.errors[0].parsed_location, (hl7v2::Hl7Location{"OBX", 1, 0, 0}));
  EXPECT_THAT(ack.errors[0].text, HasSubstr("not enrolled"));
  EXPECT_TRUE(store_.commits.empty());
}

TEST_F(Hl7ReceiverTest, AResendIsAcceptedAgainAndAReusedControlIdIsRefused) {
  Enrol();
  ASSERT_EQ(Send(Oru("ANC-3")).code, "AA");
  // The same message, stamped with a new MSH-7 as senders do when they resend.
  std::string resent = absl::StrReplaceAll(Oru("ANC-3"), {{"202601050900+0100", "202601051000"}});
  EXPECT_EQ(Send(resent).code, "AA");
  // Another result under the same control id.
  const hl7v2::AckReport reused = Send(Oru("ANC-3", "2.4"));
  EXPECT_EQ(reused.code, "AE");
  ASSERT_EQ(reused.errors.size(), 1u);
  EXPECT_EQ(reused.errors[0].code, 205);
  EXPECT_EQ(reused.errors[0].parsed_location, (hl7v2::Hl7Location{"MSH", 1, 10, 0}));
}

TEST_F(Hl7ReceiverTest, AStoreFailureIsARejectTheSenderRetries) {
  Enrol();
  store_.commit_status = absl::UnavailableError("disk I/O error");
  const hl7v2::AckReport ack = Send(Oru("ANC-4"));
  EXPECT_EQ(ack.code, "AR");
  ASSERT_EQ(ack.errors.size(), 1u);
  EXPECT_EQ(ack.errors[0].code, 207);
  EXPECT_THAT(ack.errors[0].text, HasSubstr("resend"));
}

TEST_F(Hl7ReceiverTest, AnUnsupportedVersionIsRejectedWith203) {
  const hl7v2::AckReport ack = Send(Oru("V-1", "1.0", "2.2"));
  EXPECT_EQ(ack.code, "AR");
  ASSERT_FALSE(ack.errors.empty());
  EXPECT_EQ(ack.errors[0].code, 203);
  EXPECT_TRUE(store_.commits.empty());
}

TEST_F(Hl7ReceiverTest, AnUnsupportedMessageTypeIsRejectedWith200) {
  const std::string adt = absl::StrReplaceAll(Oru("T-1"), {{"ORU^R01^ORU_R01", "ADT^A01^ADT_A01"}});
  const hl7v2::AckReport ack = Send(adt);
  EXPECT_EQ(ack.code, "AR");
  ASSERT_FALSE(ack.errors.empty());
  EXPECT_EQ(ack.errors[0].code, 200);
}

TEST_F(Hl7ReceiverTest, AMessageWithoutControlIdIsRejected) {
  const hl7v2::AckReport ack = Send(Oru(""));
  EXPECT_EQ(ack.code, "AR");
  ASSERT_FALSE(ack.errors.empty());
  EXPECT_EQ(ack.errors[0].code, 101);
  EXPECT_EQ(ack.errors[0].parsed_location, (hl7v2::Hl7Location{"MSH", 1, 10, 0}));
}

TEST_F(Hl7ReceiverTest, BytesNotInTheCharacterSetAreADataTypeError) {
  std::string latin1 = absl::StrReplaceAll(Oru("CS-1"), {{"Muster", "M\xFCster"}});
  const hl7v2::AckReport ack = Send(latin1);  // MSH-18 empty, no fallback: must be UTF-8
  EXPECT_EQ(ack.code, "AE");
  ASSERT_FALSE(ack.errors.empty());
  EXPECT_EQ(ack.errors[0].code, 102);
  EXPECT_THAT(ack.errors[0].text, HasSubstr("0xFC"));
}

TEST_F(Hl7ReceiverTest, TheSendersFallbackCharsetDecodesWhatMsh18DoesNotName) {
  Hl7ReceiverOptions options;
  options.senders["LIS@HOSPA"] = {"LIS@HOSPA", "WINDOWS-1252", ""};
  Hl7Receiver receiver(pipeline_, options);
  Enrol();
  std::string windows = absl::StrReplaceAll(Oru("CS-2"), {{"Muster", "M\xFCster"}});
  const std::string ack = receiver.OnMessage(security::DevelopmentCaller("peer"), windows);
  EXPECT_EQ(hl7v2::ReadAck(ack)->code, "AA") << ack;
}

TEST_F(Hl7ReceiverTest, APendingRowIsSkippedWithAWarningAndTheResultsAreStored) {
  Enrol();
  const std::string pending =
      "OBX|2|NM|718-7^Hemoglobin [Mass/volume] in Blood^LN||||||||I\r";
  const hl7v2::AckReport ack = Send(Oru("PEND-1") + pending);
  EXPECT_EQ(ack.code, "AA");
  ASSERT_EQ(ack.errors.size(), 1u);
  EXPECT_EQ(ack.errors[0].severity, "W");
  EXPECT_EQ(ack.errors[0].code, 0);
  // ERR-2 as written is what Hl7Location::ToString gives: repetition 1 before the component.
  EXPECT_EQ(ack.errors[0].location, "OBX^2^11^1");
  EXPECT_EQ(ack.errors[0].location, (hl7v2::Hl7Location{"OBX", 2, 11, 0}).ToString());
  EXPECT_THAT(ack.errors[0].text, HasSubstr("OBX 2 is not converted"));
  EXPECT_THAT(ack.errors[0].text, HasSubstr("pending"));
  ASSERT_EQ(store_.commits.size(), 2u);
  EXPECT_EQ(store_.commits[1][0].events.size(), 1u);
}

TEST_F(Hl7ReceiverTest, AMessageOfPendingRowsOnlyIsAcceptedAndNothingIsStored) {
  Enrol();
  const std::string only_pending = absl::StrReplaceAll(
      Oru("PEND-2"), {{"|N|||F|||", "|N|||I|||"}});
  const hl7v2::AckReport ack = Send(only_pending);
  // Not AE: the laboratory would resend a message that cannot change until its results come.
  EXPECT_EQ(ack.code, "AA");
  ASSERT_EQ(ack.errors.size(), 1u);
  EXPECT_EQ(ack.errors[0].severity, "W");
  EXPECT_THAT(ack.errors[0].text, HasSubstr("OBX 1 is not converted"));
  EXPECT_EQ(store_.commits.size(), 1u) << "only the enrolment";
}

TEST_F(Hl7ReceiverTest, TheSendersPatientIdentifierSystemStandsInForAMissingCx4) {
  Enrol();
  const std::string no_authority = absl::StrReplaceAll(
      Oru("CX4-1"), {{"KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR", "KRD-001-0002^^^^MR"}});
  const hl7v2::AckReport refused = Send(no_authority);
  EXPECT_EQ(refused.code, "AE");
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].code, 101);
  EXPECT_EQ(refused.errors[0].location, "PID^1^3^1^4");
  EXPECT_THAT(refused.errors[0].text, HasSubstr("mllp.senders[].patientIdentifierSystem"));

  Hl7ReceiverOptions options;
  options.senders["LIS@HOSPA"] = {"LIS@HOSPA", "", "", "urn:oid:1.2.276.0.76.4.8"};
  Hl7Receiver receiver(pipeline_, options);
  const std::string ack = receiver.OnMessage(
      security::DevelopmentCaller("peer"), absl::StrReplaceAll(no_authority, {{"CX4-1", "CX4-2"}}));
  EXPECT_EQ(hl7v2::ReadAck(ack)->code, "AA") << ack;
  ASSERT_EQ(store_.commits.size(), 2u);
  EXPECT_EQ(store_.commits[1][0].events.at(0).subject_id(), "KRD-001-0005");
}

TEST_F(Hl7ReceiverTest, EnhancedModeAnswersWithACommitAcknowledgement) {
  Enrol();
  EXPECT_EQ(Send(Oru("EN-1", "1.9", "2.5.1", "AL|NE")).code, "CA");
  // NE: the sender asked for no accept acknowledgement at all.
  const std::string none = receiver_.OnMessage(security::DevelopmentCaller("peer"),
                                               Oru("EN-2", "1.9", "2.5.1", "NE|NE"));
  EXPECT_EQ(none, "");
  EXPECT_EQ(store_.commits.size(), 3u) << "NE still stores the message";
}

TEST_F(Hl7ReceiverTest, AFrameOverTheLimitIsRejected) {
  const std::string ack = receiver_.OnTooLarge(security::DevelopmentCaller("peer"), 1 << 25);
  absl::StatusOr<hl7v2::AckReport> report = hl7v2::ReadAck(ack);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->code, "AR");
  EXPECT_THAT(report->errors.at(0).text, HasSubstr("mllp.maxMessageBytes"));
}

TEST_F(Hl7ReceiverTest, GarbageIsAnsweredNotCrashedOn) {
  for (const std::string& garbage :
       {std::string(""), std::string("hello"), std::string("MSH"), std::string("MSH|^~\\&"),
        std::string("PID|1||x\r"), std::string("\xFF\xFE\x00M\x00S\x00H", 8)}) {
    const std::string ack = receiver_.OnMessage(security::DevelopmentCaller("peer"), garbage);
    absl::StatusOr<hl7v2::AckReport> report = hl7v2::ReadAck(ack);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_NE(report->code, "AA");
  }
  EXPECT_TRUE(store_.commits.empty());
}

}  // namespace
}  // namespace trialgate::mllp
