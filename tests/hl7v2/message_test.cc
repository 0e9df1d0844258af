#include "gateway/hl7v2/message.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::hl7v2 {
namespace {

Message ParseOrDie(std::string text) {
  absl::StatusOr<Message> message = Message::Parse(std::move(text));
  EXPECT_TRUE(message.ok()) << message.status();
  if (!message.ok()) std::abort();
  return *std::move(message);
}

const char kOru[] =
    "MSH|^~\\&|LIS|HOSPA|TRIALGATE|STUDY|20240102083000+0100||ORU^R01^ORU_R01|MSG0001|P|2.5.1"
    "|||AL|NE||UNICODE UTF-8\r"
    "PID|1||12345^^^HOSPA&1.2.3.4&ISO^MR~67890^^^NATIONAL^NI||Doe^Jane\r"
    "OBR|1||F123|2160-0^Creatinine^LN|||20240102070000\r"
    "OBX|1|NM|2160-0^Creatinine^LN||1.2|mg/dL^mg/dL^UCUM|0.6-1.1|H|||F\r"
    "OBX|2|SN|14957-5^M-protein^LN||<^0.05|g/dL|||||F\r"
    "NTE|1||Comment with \\F\\ and \\S\\ and\\.br\\a new line\r";

TEST(MessageTest, NumbersMshFieldsAsTheStandardDoes) {
  Message m = ParseOrDie(kOru);
  const Segment& msh = m.msh();
  EXPECT_EQ(msh.name(), "MSH");
  EXPECT_EQ(msh.RawField(1), "|");
  EXPECT_EQ(msh.RawField(2), "^~\\&");
  EXPECT_EQ(msh.Text(2), "^~\\&");  // not unescaped
  EXPECT_EQ(msh.Raw(2, 1), "^~\\&");  // not split
  EXPECT_EQ(msh.Raw(2, 2), "");
  EXPECT_EQ(msh.RepetitionCount(2), 1);
  EXPECT_EQ(msh.Text(3), "LIS");
  EXPECT_EQ(msh.Text(4), "HOSPA");
  EXPECT_EQ(msh.Text(7), "20240102083000+0100");
  EXPECT_EQ(m.message_type(), "ORU^R01^ORU_R01");
  EXPECT_EQ(m.message_code(), "ORU");
  EXPECT_EQ(m.trigger_event(), "R01");
  EXPECT_EQ(m.control_id(), "MSG0001");
  EXPECT_EQ(m.version(), "2.5.1");
  EXPECT_EQ(msh.Text(15), "AL");
  EXPECT_EQ(msh.Text(18), "UNICODE UTF-8");
  EXPECT_EQ(msh.field_count(), 18);
}

TEST(MessageTest, ReadsRepetitionsComponentsAndSubcomponents) {
  Message m = ParseOrDie(kOru);
  const Segment* pid = m.Find("PID");
  ASSERT_NE(pid, nullptr);
  EXPECT_EQ(pid->RepetitionCount(3), 2);
  EXPECT_EQ(pid->Text(3, 1), "12345");
  EXPECT_EQ(pid->Text(3, 4), "HOSPA&1.2.3.4&ISO");
  EXPECT_EQ(pid->Text(3, 4, 1), "HOSPA");
  EXPECT_EQ(pid->Text(3, 4, 2), "1.2.3.4");
  EXPECT_EQ(pid->Text(3, 4, 3), "ISO");
  EXPECT_EQ(pid->Text(3, 5), "MR");
  EXPECT_EQ(pid->Text(3, 1, 0, 2), "67890");
  EXPECT_EQ(pid->Text(3, 5, 0, 2), "NI");
  EXPECT_EQ(pid->Raw(3, 0, 0, 2), "67890^^^NATIONAL^NI");
  EXPECT_EQ(pid->Text(5, 2), "Jane");
}

TEST(MessageTest, AnswersEmptyForAbsentParts) {
  Message m = ParseOrDie(kOru);
  const Segment* pid = m.Find("PID");
  EXPECT_EQ(pid->Text(3, 1, 0, 3), "");   // third repetition
  EXPECT_EQ(pid->Text(3, 9), "");         // component past the end
  EXPECT_EQ(pid->Text(3, 1, 2), "");      // sub-component past the end
  EXPECT_EQ(pid->Text(40), "");           // field past the end
  EXPECT_EQ(pid->Text(0), "");
  EXPECT_EQ(pid->Text(-1), "");
  EXPECT_EQ(pid->Text(3, -1), "");
  EXPECT_EQ(pid->RepetitionCount(4), 0);  // empty field
  EXPECT_EQ(m.Find("PV1"), nullptr);
  EXPECT_EQ(m.Text("PV1", 2), "");
  EXPECT_EQ(m.Find("OBX", 3), nullptr);
}

TEST(MessageTest, FindsRepeatedSegments) {
  Message m = ParseOrDie(kOru);
  std::vector<const Segment*> obx = m.FindAll("OBX");
  ASSERT_EQ(obx.size(), 2u);
  EXPECT_EQ(obx[0]->Text(3, 1), "2160-0");
  EXPECT_EQ(obx[1]->Text(5, 1), "<");
  EXPECT_EQ(obx[1]->Text(5, 2), "0.05");
  EXPECT_EQ(m.Find("OBX", 2), obx[1]);
  EXPECT_EQ(m.Text("OBX", 6, 3), "UCUM");
  EXPECT_EQ(m.segments().size(), 6u);
}

TEST(MessageTest, UnescapesValues) {
  Message m = ParseOrDie(kOru);
  EXPECT_EQ(m.Text("NTE", 3), "Comment with | and ^ and\na new line");
  EXPECT_THAT(std::string(m.Find("NTE")->Raw(3)), testing::HasSubstr("\\F\\"));
}

TEST(MessageTest, ReadsOtherDelimitersFromMsh) {
  // Field # , component $ , repetition * , escape ! , sub-component @ , truncation %.
  Message m = ParseOrDie(
      "MSH#$*!@%#LAB#FAC#####ADT$A01#1#P#2.7\n"
      "PID#1##id1$$$AUTH@1.2@ISO*id2##Smith$John!S!Jr#|^~\\&\n");
  EXPECT_EQ(m.delimiters().field, '#');
  EXPECT_EQ(m.delimiters().component, '$');
  EXPECT_EQ(m.delimiters().repetition, '*');
  EXPECT_EQ(m.delimiters().escape, '!');
  EXPECT_EQ(m.delimiters().subcomponent, '@');
  EXPECT_EQ(m.delimiters().truncation, '%');
  EXPECT_EQ(m.msh().RawField(1), "#");
  EXPECT_EQ(m.msh().RawField(2), "$*!@%");
  EXPECT_EQ(m.message_code(), "ADT");
  EXPECT_EQ(m.trigger_event(), "A01");
  EXPECT_EQ(m.version(), "2.7");
  const Segment* pid = m.Find("PID");
  EXPECT_EQ(pid->RepetitionCount(3), 2);
  EXPECT_EQ(pid->Text(3, 4, 2), "1.2");
  EXPECT_EQ(pid->Text(3, 1, 0, 2), "id2");
  EXPECT_EQ(pid->Text(5, 2), "John$Jr");  // !S! is this message's component separator
  EXPECT_EQ(pid->Text(6), "|^~\\&");  // the usual delimiters are plain text here
}

TEST(MessageTest, AcceptsCrLfAndCrLfSegmentEndingsAndBlankLines) {
  for (const char* ending : {"\r", "\n", "\r\n"}) {
    std::string text = std::string("MSH|^~\\&|A|B|||||ACK|1|P|2.3") + ending + ending + "MSA|AA|1" +
                       ending;
    Message m = ParseOrDie(text);
    ASSERT_EQ(m.segments().size(), 2u) << "ending " << static_cast<int>(ending[0]);
    EXPECT_EQ(m.Text("MSA", 2), "1");
    EXPECT_EQ(m.version(), "2.3");
  }
}

TEST(MessageTest, SkipsAByteOrderMark) {
  Message m = ParseOrDie("\xEF\xBB\xBFMSH|^~\\&|A\r");
  EXPECT_EQ(m.msh().Text(3), "A");
}

TEST(MessageTest, KeepsViewsValidAfterAMove) {
  // Short messages live in std::string's inline buffer; segments must survive moves anyway.
  std::vector<Message> many;
  for (int i = 0; i < 20; ++i) {
    many.push_back(ParseOrDie("MSH|^~\\&|A" + std::to_string(i) + "\rZZ1|x\r"));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(many[i].msh().Text(3), "A" + std::to_string(i));
    EXPECT_EQ(many[i].Text("ZZ1", 1), "x");
  }
}

struct BadCase {
  const char* text;
  const char* reason;
};

TEST(MessageTest, RefusesMalformedMessagesWithAReason) {
  const BadCase cases[] = {
      {"", "start with an MSH"},
      {"PID|1\r", "start with an MSH"},
      {"FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&\r", "batch"},
      {"MSH", "MSH-1"},
      {"MSHA^~\\&", "field separator"},
      {"MSH|^~\\|", "4 encoding characters"},
      {"MSH|^~\\&#!|", "4 encoding characters"},
      {"MSH|^^\\&|", "MSH-2 character 2"},
      {"MSH|^~|&|", "MSH-2"},
      {"MSH\xC3^~\\&", "field separator"},      // not ASCII
      {"MSH|^~\\\xA7|", "MSH-2 character 4"},   // not ASCII
      {"MSH|^~\\&|A\rpid|1\r", "segment 2"},
      {"MSH|^~\\&|A\rPI|1\r", "segment 2"},
      {"MSH|^~\\&|A\rMSH|^~\\&|B\r", "second MSH"},
  };
  for (const BadCase& c : cases) {
    absl::StatusOr<Message> m = Message::Parse(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(m.status().message()), testing::HasSubstr(c.reason)) << c.text;
  }
}

TEST(MessageTest, ErrorsNeverQuoteTheMessage) {
  absl::StatusOr<Message> m = Message::Parse("MSH|^~\\&|A\rSecretName Doe|1\r");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), testing::Not(testing::HasSubstr("Secret")));
}

TEST(CheckVersionTest, AcceptsTwoThreeToTwoEight) {
  for (const char* v : {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8",
                        "2.8.2"}) {
    EXPECT_TRUE(CheckVersion(v).ok()) << v;
  }
}

TEST(CheckVersionTest, RefusesOthers) {
  for (const char* v : {"", "2.2", "2.1", "2.9", "3.0", "2.", "2.5.", "2.5.x", "25", "2.10"}) {
    absl::Status status = CheckVersion(v);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << v;
  }
  EXPECT_THAT(std::string(CheckVersion("2.9").message()), testing::HasSubstr("'2.9'"));
  EXPECT_THAT(std::string(CheckVersion(std::string(40, 'x')).message()),
              testing::HasSubstr("40 bytes"));
}

TEST(MessageTest, VersionComesFromMsh12FirstComponent) {
  Message m = ParseOrDie("MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1^USA\r");
  EXPECT_EQ(m.version(), "2.5.1");
  EXPECT_TRUE(CheckVersion(m.version()).ok());
}

}  // namespace
}  // namespace trialgate::hl7v2
