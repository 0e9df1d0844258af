#include "gateway/hl7v2/ack.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::hl7v2 {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// An ORU^R01 from LIS@HOSPA to TG@STUDY with MSH-15 and MSH-16 as given.
std::string Oru(const std::string& version = "2.5.1", const std::string& msh15 = "",
                const std::string& msh16 = "") {
  return "MSH|^~\\&|LIS|HOSPA|TG|STUDY|20240101120000||ORU^R01^ORU_R01|MSG-0001|P|" + version +
         "|||" + msh15 + "|" + msh16 + "\rPID|1||42^^^HOSPA^MR\rOBX|1|NM|26499-4^ANC^LN||1.2\r";
}

InboundHeader HeaderOfText(const std::string& text) {
  absl::StatusOr<Message> message = Message::Parse(text);
  EXPECT_TRUE(message.ok()) << message.status();
  return message.ok() ? HeaderOf(*message) : InboundHeader();
}

AckParams Params(AckOutcome outcome, std::vector<AckError> errors = {}) {
  AckParams params;
  params.outcome = outcome;
  params.errors = std::move(errors);
  params.now = absl::FromCivil(absl::CivilSecond(2024, 3, 5, 7, 8, 9), absl::UTCTimeZone());
  params.control_id = "TGack1";
  return params;
}

std::vector<std::string> Segments(const std::string& ack) {
  EXPECT_FALSE(ack.empty());
  EXPECT_EQ(ack.back(), '\r') << "the last segment must end in CR";
  std::vector<std::string> segments = absl::StrSplit(ack, '\r', absl::SkipEmpty());
  return segments;
}

// Whether the version has ERR-1 only (ack.h: below 2.5).
bool BeforeV25ForTest(const std::string& version) {
  return absl::StartsWith(version, "2.1") || absl::StartsWith(version, "2.2") ||
         absl::StartsWith(version, "2.3") || absl::StartsWith(version, "2.4");
}

TEST(DecideAckTest, OriginalModeWhenMsh15AndMsh16AreEmpty) {
  InboundHeader header = HeaderOfText(Oru());
  for (auto [outcome, code] : {std::pair{AckOutcome::kAccept, "AA"},
                               std::pair{AckOutcome::kError, "AE"},
                               std::pair{AckOutcome::kReject, "AR"}}) {
    AckDecision decision = DecideAck(header, outcome);
    EXPECT_EQ(decision.mode, AckMode::kOriginal);
    EXPECT_TRUE(decision.send);
    EXPECT_EQ(decision.code, code);
  }
}

TEST(DecideAckTest, EnhancedModeFollowsMsh15) {
  struct Case {
    std::string msh15, msh16;
    bool send_on_accept, send_on_error;
  };
  for (const Case& c : std::vector<Case>{{"AL", "", true, true},
                                         {"AL", "NE", true, true},
                                         {"NE", "AL", false, false},
                                         {"ER", "", false, true},
                                         {"SU", "", true, false},
                                         {"", "AL", true, true},     // MSH-15 empty: as AL
                                         {"XX", "", true, true}}) {  // not in table 0155
    SCOPED_TRACE(c.msh15 + "/" + c.msh16);
    InboundHeader header = HeaderOfText(Oru("2.5.1", c.msh15, c.msh16));
    AckDecision accept = DecideAck(header, AckOutcome::kAccept);
    AckDecision error = DecideAck(header, AckOutcome::kError);
    AckDecision reject = DecideAck(header, AckOutcome::kReject);
    EXPECT_EQ(accept.mode, AckMode::kEnhanced);
    EXPECT_EQ(accept.code, "CA");
    EXPECT_EQ(error.code, "CE");
    EXPECT_EQ(reject.code, "CR");
    EXPECT_EQ(accept.send, c.send_on_accept);
    EXPECT_EQ(error.send, c.send_on_error);
    EXPECT_EQ(reject.send, c.send_on_error);
  }
}

TEST(BuildAckTest, SwapsSenderAndReceiverAndEchoesTheControlId) {
  std::string ack = BuildAck(HeaderOfText(Oru()), Params(AckOutcome::kAccept));
  EXPECT_EQ(ack,
            "MSH|^~\\&|TG|STUDY|LIS|HOSPA|20240305070809+0000||ACK^R01^ACK|TGack1|P|2.5.1\r"
            "MSA|AA|MSG-0001\r");
  absl::StatusOr<Message> parsed = Message::Parse(ack);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->msh().Text(3), "TG");
  EXPECT_EQ(parsed->msh().Text(4), "STUDY");
  EXPECT_EQ(parsed->msh().Text(5), "LIS");
  EXPECT_EQ(parsed->msh().Text(6), "HOSPA");
  EXPECT_EQ(parsed->Text("MSA", 2), "MSG-0001");
}

TEST(BuildAckTest, TimeInTheCallersZoneAndMirroredProcessingAndVersion) {
  AckParams params = Params(AckOutcome::kAccept);
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &params.zone));
  std::string inbound =
      "MSH|^~\\&|LIS|HOSPA|TG|STUDY|20240101||ADT^A08|7|T^A|2.6^DEU&&ISO3166\r";
  std::string ack = BuildAck(HeaderOfText(inbound), params);
  EXPECT_THAT(ack, HasSubstr("|20240305080809+0100||ACK^A08^ACK|TGack1|T^A|2.6^DEU&&ISO3166\r"));
}

TEST(BuildAckTest, EnhancedModeWritesCommitCodes) {
  std::string ack = BuildAck(HeaderOfText(Oru("2.5.1", "AL", "NE")),
                             Params(AckOutcome::kReject, {{{"MSH", 1, 12, 0}, 203,
                                                           AckSeverity::kError, "version 9.9"}}));
  absl::StatusOr<AckReport> report = ReadAck(ack);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->code, "CR");
  EXPECT_FALSE(report->accepted());
}

TEST(BuildAckTest, WritesOneErrPerErrorWithLocationCodeSeverityAndText) {
  std::string ack = BuildAck(
      HeaderOfText(Oru()),
      Params(AckOutcome::kError,
             {{{"OBX", 2, 5, 1}, 102, AckSeverity::kError, "OBX-5 is not a number"},
              {{"PID", 1, 3, 0}, 101, AckSeverity::kWarning, "no assigning authority"},
              {{"OBX", 1, 0, 0}, 207, AckSeverity::kInformation, "note"}}));
  std::vector<std::string> segments = Segments(ack);
  ASSERT_EQ(segments.size(), 5u) << ack;
  EXPECT_EQ(segments[1], "MSA|AE|MSG-0001|Data type error: OBX-5 is not a number (+2 more)");
  EXPECT_EQ(segments[2],
            "ERR||OBX^2^5^1^1|102^Data type error^HL70357|E|||OBX-5 is not a number|"
            "OBX-5 is not a number");
  EXPECT_EQ(segments[3],
            "ERR||PID^1^3^1|101^Required field missing^HL70357|W|||no assigning authority|"
            "no assigning authority");
  EXPECT_EQ(segments[4], "ERR||OBX^1|207^Application internal error^HL70357|I|||note|note");
}

TEST(BuildAckTest, EveryTable0357CodeHasItsText) {
  EXPECT_EQ(Hl7ErrorCodeText(0), "Message accepted");
  EXPECT_EQ(Hl7ErrorCodeText(100), "Segment sequence error");
  EXPECT_EQ(Hl7ErrorCodeText(104), "Value too long");
  EXPECT_EQ(Hl7ErrorCodeText(203), "Unsupported version id");
  EXPECT_EQ(Hl7ErrorCodeText(205), "Duplicate key identifier");
  EXPECT_EQ(Hl7ErrorCodeText(207), "Application internal error");
  EXPECT_EQ(Hl7ErrorCodeText(999), "");
  std::set<std::string> texts;
  for (int code : {0, 100, 101, 102, 103, 104, 200, 201, 202, 203, 204, 205, 206, 207}) {
    EXPECT_FALSE(Hl7ErrorCodeText(code).empty()) << code;
    texts.insert(std::string(Hl7ErrorCodeText(code)));
  }
  EXPECT_EQ(texts.size(), 14u);
}

TEST(BuildAckTest, EscapesDelimitersAndLineBreaksInText) {
  const std::string text = "bad |value| ^a~b\\c&d\r\nnext";
  std::string ack = BuildAck(HeaderOfText(Oru()),
                             Params(AckOutcome::kError,
                                    {{{"OBX", 1, 5, 0}, 102, AckSeverity::kError, text}}));
  std::vector<std::string> segments = Segments(ack);
  ASSERT_EQ(segments.size(), 3u) << ack;  // no CR leaked into the text
  EXPECT_THAT(segments[2], HasSubstr("|bad \\F\\value\\F\\ \\S\\a\\R\\b\\E\\c\\T\\d\\X0D\\\\X0A\\next|"));
  absl::StatusOr<Message> parsed = Message::Parse(ack);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Segment* err = parsed->Find("ERR");
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->field_count(), 8);
  EXPECT_EQ(err->Text(7), text);
  EXPECT_EQ(err->Text(8), text);
  EXPECT_EQ(parsed->Text("MSA", 3), "Data type error: " + text);
}

TEST(BuildAckTest, UsesTheInboundDelimiters) {
  // Field #, component $, repetition *, escape !, sub-component @, truncation % (v2.7).
  const std::string inbound =
      "MSH#$*!@%#LAB#FAC#TG#STUDY###ORU$R01$ORU_R01#C$1#P#2.7\rOBX#1#NM#x$y$LN##5\r";
  AckParams params = Params(AckOutcome::kError,
                            {{{"OBX", 1, 3, 2}, 103, AckSeverity::kError, "a#b$c*d!e@f%g|^~\\&"}});
  params.control_id = "id#1";
  std::string ack = BuildAck(HeaderOfText(inbound), params);
  std::vector<std::string> segments = Segments(ack);
  ASSERT_EQ(segments.size(), 3u) << ack;
  EXPECT_EQ(segments[0], "MSH#$*!@%#TG#STUDY#LAB#FAC#20240305070809+0000##ACK$R01$ACK#id!F!1#P#2.7");
  EXPECT_EQ(segments[1].substr(0, 12), "MSA#AE#C$1#T");
  EXPECT_EQ(segments[2],
            "ERR##OBX$1$3$1$2#103$Table value not found$HL70357#E###"
            "a!F!b!S!c!R!d!E!e!T!f!P!g|^~\\&#a!F!b!S!c!R!d!E!e!T!f!P!g|^~\\&");
  absl::StatusOr<AckReport> report = ReadAck(ack);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->control_id, "C$1");  // the whole field, as the sender wrote it
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0].location, "OBX^1^3^1^2");
  EXPECT_EQ(report->errors[0].text, "a#b$c*d!e@f%g|^~\\&");
}

TEST(BuildAckTest, BeforeV25WritesErr1Repetitions) {
  std::string ack = BuildAck(
      HeaderOfText(Oru("2.4")),
      Params(AckOutcome::kError, {{{"OBX", 2, 5, 1}, 102, AckSeverity::kError, "not a number"},
                                  {{"PID", 1, 0, 0}, 100, AckSeverity::kError, "out of order"}}));
  std::vector<std::string> segments = Segments(ack);
  ASSERT_EQ(segments.size(), 3u) << ack;
  EXPECT_EQ(segments[1], "MSA|AE|MSG-0001|Data type error: not a number (+1 more)");
  EXPECT_EQ(segments[2],
            "ERR|OBX^2^5^102&Data type error&HL70357~PID^1^^100&Segment sequence error&HL70357");
  for (const char* version : {"2.3", "2.3.1", "2.4"}) {
    EXPECT_THAT(BuildAck(HeaderOfText(Oru(version)),
                         Params(AckOutcome::kReject, {{{}, 207, AckSeverity::kError, "x"}})),
                HasSubstr("\rERR|^^^207&Application internal error&HL70357\r"))
        << version;
  }
  for (const char* version : {"2.5", "2.5.1", "2.6", "2.8.2", "", "garbage"}) {
    EXPECT_THAT(BuildAck(HeaderOfText(Oru(version)),
                         Params(AckOutcome::kReject, {{{}, 207, AckSeverity::kError, "x"}})),
                HasSubstr("\rERR|||207^Application internal error^HL70357|E|||x|x\r"))
        << version;
  }
}

TEST(BuildAckTest, LongSummaryIsCutAtACharacterBoundary) {
  // "Data type error: " is 17 bytes, so the ü takes bytes 76 and 77 of the summary: a cut at
  // 77 would split it.
  std::string long_text = std::string(59, 'a') + "\xC3\xBC" + std::string(30, 'b');
  std::string ack = BuildAck(HeaderOfText(Oru()),
                             Params(AckOutcome::kError,
                                    {{{"OBX", 1, 5, 0}, 102, AckSeverity::kError, long_text}}));
  absl::StatusOr<Message> parsed = Message::Parse(ack);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Text("MSA", 3), "Data type error: " + std::string(59, 'a') + "...");
  EXPECT_EQ(parsed->Text("ERR", 8), long_text);  // ERR keeps it whole
}

TEST(BuildAckTest, NoUsableMshGivesAMinimalAck) {
  for (const char* raw : {"", "garbage", "PID|1||42", "MSH|^~|A|B", "MSH"}) {
    InboundHeader header = ReadInboundHeader(raw);
    EXPECT_EQ(header.control_id, "") << raw;
    std::string ack = BuildAck(header, Params(AckOutcome::kReject,
                                              {{{"MSH", 1, 0, 0}, 207, AckSeverity::kError,
                                                "the message could not be read"}}));
    std::vector<std::string> segments = Segments(ack);
    ASSERT_EQ(segments.size(), 3u) << ack;
    EXPECT_EQ(segments[0], "MSH|^~\\&|||||20240305070809+0000||ACK|TGack1|P|2.5.1");
    EXPECT_EQ(segments[1], "MSA|AR||Application internal error: the message could not be read");
    EXPECT_TRUE(Message::Parse(ack).ok());
  }
}

TEST(ReadInboundHeaderTest, ReadsTheMshOfAMessageThatDoesNotParse) {
  // A segment id that is not one, and a second MSH: Message::Parse refuses both.
  for (const std::string& tail : {std::string("\rpid|1\r"), std::string("\rMSH|^~\\&|X\r")}) {
    std::string raw = "\xEF\xBB\xBF\r\n" + Oru("2.5.1", "ER", "") + tail;
    ASSERT_FALSE(Message::Parse(raw).ok());
    InboundHeader header = ReadInboundHeader(raw);
    EXPECT_EQ(header.sending_application, "LIS");
    EXPECT_EQ(header.sending_facility, "HOSPA");
    EXPECT_EQ(header.receiving_application, "TG");
    EXPECT_EQ(header.receiving_facility, "STUDY");
    EXPECT_EQ(header.trigger_event, "R01");
    EXPECT_EQ(header.control_id, "MSG-0001");
    EXPECT_EQ(header.processing_id, "P");
    EXPECT_EQ(header.version_id, "2.5.1");
    EXPECT_EQ(header.accept_ack_type, "ER");
    EXPECT_EQ(header.application_ack_type, "");
  }
  InboundHeader custom = ReadInboundHeader("MSH#$*!@#LAB#FAC#####ADT$A01#1#P#2.4\n");
  EXPECT_EQ(custom.delimiters.field, '#');
  EXPECT_EQ(custom.delimiters.escape, '!');
  EXPECT_EQ(custom.trigger_event, "A01");
  EXPECT_EQ(custom.version_id, "2.4");
}

TEST(ReadAckTest, RoundTripsBuildAck) {
  std::vector<AckError> errors = {
      {{"OBX", 3, 6, 0}, 103, AckSeverity::kError, "unit 'mg|dl' ^ unknown"},
      {{"PID", 1, 3, 4}, 101, AckSeverity::kWarning, "line\r\nbreak"},
      {{}, 207, AckSeverity::kError, "storage unavailable"}};
  for (const char* version : {"2.5.1", "2.3.1"}) {
    SCOPED_TRACE(version);
    std::string ack = BuildAck(HeaderOfText(Oru(version)), Params(AckOutcome::kError, errors));
    absl::StatusOr<AckReport> report = ReadAck(ack);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->code, "AE");
    EXPECT_EQ(report->control_id, "MSG-0001");
    EXPECT_THAT(report->text, HasSubstr("Table value not found: unit 'mg|dl'"));
    ASSERT_EQ(report->errors.size(), 3u);
    bool v25 = std::string(version) == "2.5.1";
    EXPECT_EQ(report->errors[0].location, v25 ? "OBX^3^6^1" : "OBX^3^6");
    EXPECT_EQ(report->errors[0].parsed_location.segment, "OBX");
    EXPECT_EQ(report->errors[0].parsed_location.sequence, 3);
    EXPECT_EQ(report->errors[0].parsed_location.field, 6);
    EXPECT_EQ(report->errors[1].location, v25 ? "PID^1^3^1^4" : "PID^1^3");
    EXPECT_EQ(report->errors[1].parsed_location.component, v25 ? 4 : 0);
    EXPECT_EQ(report->errors[2].location, "");
    EXPECT_EQ(report->errors[0].code, 103);
    EXPECT_EQ(report->errors[1].code, 101);
    EXPECT_EQ(report->errors[2].code, 207);
    if (v25) {
      EXPECT_EQ(report->errors[0].text, "unit 'mg|dl' ^ unknown");
      EXPECT_EQ(report->errors[1].text, "line\r\nbreak");
      EXPECT_EQ(report->errors[1].severity, "W");
      EXPECT_EQ(report->errors[2].severity, "E");
    } else {
      EXPECT_EQ(report->errors[0].text, "Table value not found");  // ELD has only the code
      EXPECT_EQ(report->errors[1].severity, "");
    }
  }
  absl::StatusOr<AckReport> accepted =
      ReadAck(BuildAck(HeaderOfText(Oru()), Params(AckOutcome::kAccept)));
  ASSERT_TRUE(accepted.ok());
  EXPECT_TRUE(accepted->accepted());
  EXPECT_THAT(accepted->errors, IsEmpty());
}

TEST(ReadAckTest, RefusesWhatIsNoAck) {
  EXPECT_FALSE(ReadAck("").ok());
  EXPECT_FALSE(ReadAck("hello").ok());
  EXPECT_FALSE(ReadAck("MSH|^~\\&|A|B|C|D|||ACK|1|P|2.5\r").ok());  // no MSA
  absl::StatusOr<AckReport> plain = ReadAck("MSH|^~\\&|A|B|C|D|||ACK|1|P|2.3\nMSA|CA|77\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->code, "CA");
  EXPECT_EQ(plain->control_id, "77");
  EXPECT_TRUE(plain->accepted());
}

TEST(AckErrorsFromTest, KeepsLocationCodeSeverityAndText) {
  std::vector<AckError> errors = AckErrorsFrom(
      {{ConversionIssue::Severity::kError, {"OBX", 2, 5, 0}, 102, "bad"},
       {ConversionIssue::Severity::kWarning, {"OBX", 2, 6, 0}, 103, "odd"}});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].location.ToString(), Hl7Location({"OBX", 2, 5, 0}).ToString());
  EXPECT_EQ(errors[0].code, 102);
  EXPECT_EQ(errors[0].severity, AckSeverity::kError);
  EXPECT_EQ(errors[1].severity, AckSeverity::kWarning);
  EXPECT_EQ(errors[1].text, "odd");
}

TEST(AckControlIdsTest, UniqueAndShort) {
  AckControlIds a, b;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(a.Next()).second);
    EXPECT_TRUE(seen.insert(b.Next()).second);
  }
  EXPECT_LE(a.Next().size(), 20u);
  EXPECT_THAT(a.Next(), ::testing::StartsWith("TG"));
}

// Every message of the shared fixtures (../shared/fixtures/hl7v2, real samples with their
// own delimiters, versions and MSH-15/16): its ACK parses, swaps sender and receiver, echoes
// MSH-10 and reads back with the error text intact.
TEST(BuildAckTest, EveryFixtureMessageGetsAnAckThatReadsBack) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(TRIALGATE_FIXTURES_DIR) / "hl7v2";
  if (!fs::exists(dir / "MANIFEST.tsv")) {  // a machine with only this repository
    if (std::getenv("CI") != nullptr) FAIL() << "fixtures missing: " << dir;
    GTEST_SKIP() << "HL7 v2 fixtures not found at " << dir;
  }
  const std::string nasty = "a|b^c~d\\e&f#g\rh\ni \\F\\ \xC3\xBC";
  int messages = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".tsv") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    // A new message at each line starting with MSH (as fixtures_test.cc reads them).
    std::vector<std::string> texts;
    for (absl::string_view line : absl::StrSplit(bytes.str(), absl::ByAnyChar("\r\n"))) {
      if (absl::StartsWith(line, "\xEF\xBB\xBF")) line.remove_prefix(3);
      if (absl::StartsWith(line, "MSH")) texts.emplace_back();
      if (texts.empty() || line.empty()) continue;
      texts.back().append(line.data(), line.size());
      texts.back().push_back('\r');
    }
    for (const std::string& text : texts) {
      SCOPED_TRACE(entry.path().filename().string());
      absl::StatusOr<Decoded> decoded = DecodeToUtf8(text);
      if (!decoded.ok()) continue;
      absl::StatusOr<Message> inbound = Message::Parse(decoded->text);
      if (!inbound.ok()) continue;
      ++messages;
      InboundHeader header = ReadInboundHeader(decoded->text);
      EXPECT_EQ(header.control_id, HeaderOf(*inbound).control_id);
      EXPECT_EQ(header.accept_ack_type, HeaderOf(*inbound).accept_ack_type);
      std::string ack = BuildAck(
          header, Params(AckOutcome::kError, {{{"PID", 1, 3, 0}, 102, AckSeverity::kError, nasty}}));
      absl::StatusOr<Message> parsed = Message::Parse(ack);
      ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << ack;
      EXPECT_EQ(parsed->msh().Text(3), inbound->msh().Text(5));
      EXPECT_EQ(parsed->msh().Text(4), inbound->msh().Text(6));
      EXPECT_EQ(parsed->msh().Text(5), inbound->msh().Text(3));
      EXPECT_EQ(parsed->msh().Text(6), inbound->msh().Text(4));
      EXPECT_EQ(parsed->message_code(), "ACK");
      EXPECT_EQ(parsed->trigger_event(), inbound->trigger_event());
      EXPECT_EQ(parsed->msh().Raw(12), inbound->msh().Raw(12));
      absl::StatusOr<AckReport> report = ReadAck(ack);
      ASSERT_TRUE(report.ok()) << report.status();
      EXPECT_EQ(report->control_id, inbound->control_id());
      EXPECT_EQ(report->code, DecideAck(header, AckOutcome::kError).code);
      ASSERT_EQ(report->errors.size(), 1u);
      EXPECT_EQ(report->errors[0].code, 102);
      if (!BeforeV25ForTest(inbound->version())) {
        EXPECT_EQ(report->errors[0].text, nasty);
      }
    }
  }
  EXPECT_GE(messages, 100);
}

}  // namespace
}  // namespace trialgate::hl7v2
