#include "gateway/hl7v2/ack.h"

#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace trialgate::hl7v2 {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kMaxMsa3Bytes = 80;  // MSA-3's length in v2.5.1

bool IsLineEnd(char c) { return c == '\r' || c == '\n'; }

// True when the version (MSH-12.1, unescaped) is below 2.5: ERR has only ERR-1 (ELD) there.
// A version that cannot be read gets the current ERR.
bool BeforeV25(absl::string_view version) {
  std::vector<absl::string_view> parts = absl::StrSplit(version, '.');
  int major = 0, minor = 0;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[0], &major) ||
      !absl::SimpleAtoi(parts[1], &minor)) {
    return false;
  }
  return major < 2 || (major == 2 && minor < 5);
}

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string Utf8Prefix(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

char SeverityLetter(AckSeverity severity) {
  switch (severity) {
    case AckSeverity::kError: return 'E';
    case AckSeverity::kWarning: return 'W';
    case AckSeverity::kInformation: return 'I';
  }
  return 'E';
}

// MSA-3: the first error (an E before any W or I) with its code's text, and how many more.
std::string Summary(const std::vector<AckError>& errors) {
  if (errors.empty()) return "";
  const AckError* first = &errors.front();
  for (const AckError& error : errors) {
    if (error.severity == AckSeverity::kError) {
      first = &error;
      break;
    }
  }
  std::string summary;
  absl::string_view code_text = Hl7ErrorCodeText(first->code);
  if (!code_text.empty()) absl::StrAppend(&summary, code_text, ": ");
  absl::StrAppend(&summary, first->text);
  std::string more =
      errors.size() > 1 ? absl::StrCat(" (+", errors.size() - 1, " more)") : std::string();
  if (summary.size() + more.size() > kMaxMsa3Bytes) {
    summary = Utf8Prefix(summary, kMaxMsa3Bytes - more.size() - 3) + "...";
  }
  return summary + more;
}

}  // namespace

absl::string_view Hl7ErrorCodeText(int code) {
  switch (code) {
    case 0: return "Message accepted";
    case 100: return "Segment sequence error";
    case 101: return "Required field missing";
    case 102: return "Data type error";
    case 103: return "Table value not found";
    case 104: return "Value too long";
    case 200: return "Unsupported message type";
    case 201: return "Unsupported event code";
    case 202: return "Unsupported processing id";
    case 203: return "Unsupported version id";
    case 204: return "Unknown key identifier";
    case 205: return "Duplicate key identifier";
    case 206: return "Application record locked";
    case 207: return "Application internal error";
  }
  return "";
}

InboundHeader HeaderOf(const Message& message) {
  const Segment& msh = message.msh();
  InboundHeader header;
  header.delimiters = message.delimiters();
  header.sending_application = std::string(msh.RawField(3));
  header.sending_facility = std::string(msh.RawField(4));
  header.receiving_application = std::string(msh.RawField(5));
  header.receiving_facility = std::string(msh.RawField(6));
  header.trigger_event = std::string(msh.Raw(9, 2));
  header.control_id = std::string(msh.RawField(10));
  header.processing_id = std::string(msh.RawField(11));
  header.version_id = std::string(msh.RawField(12));
  header.accept_ack_type = std::string(msh.RawField(15));
  header.application_ack_type = std::string(msh.RawField(16));
  return header;
}

InboundHeader ReadInboundHeader(absl::string_view text) {
  if (absl::StartsWith(text, kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  while (!text.empty() && IsLineEnd(text.front())) text.remove_prefix(1);
  size_t end = 0;
  while (end < text.size() && !IsLineEnd(text[end])) ++end;
  // The MSH segment alone: whatever follows it cannot make it unreadable.
  absl::StatusOr<Message> msh = Message::Parse(std::string(text.substr(0, end)));
  if (!msh.ok()) return InboundHeader();
  return HeaderOf(*msh);
}

std::vector<AckError> AckErrorsFrom(const std::vector<ConversionIssue>& issues) {
  std::vector<AckError> errors;
  errors.reserve(issues.size());
  for (const ConversionIssue& issue : issues) {
    errors.push_back({issue.location, issue.hl7_error_code,
                      issue.severity == ConversionIssue::Severity::kError ? AckSeverity::kError
                                                                          : AckSeverity::kWarning,
                      issue.text});
  }
  return errors;
}

AckDecision DecideAck(const InboundHeader& header, AckOutcome outcome) {
  static constexpr const char* kOriginal[] = {"AA", "AE", "AR"};
  static constexpr const char* kEnhanced[] = {"CA", "CE", "CR"};
  const int index = static_cast<int>(outcome);
  // Compared as sent: table 0155 codes contain no delimiter, so an escaped value is no code.
  const std::string& accept = header.accept_ack_type;
  AckDecision decision;
  if (accept.empty() && header.application_ack_type.empty()) {
    decision.mode = AckMode::kOriginal;
    decision.code = kOriginal[index];
    decision.send = true;
    return decision;
  }
  decision.mode = AckMode::kEnhanced;
  decision.code = kEnhanced[index];
  if (accept == "NE") {
    decision.send = false;
  } else if (accept == "ER") {
    decision.send = outcome != AckOutcome::kAccept;
  } else if (accept == "SU") {
    decision.send = outcome == AckOutcome::kAccept;
  } else {
    decision.send = true;  // AL, or empty / not in table 0155: see the header comment
  }
  return decision;
}

std::string BuildAck(const InboundHeader& header, const AckParams& params) {
  const Delimiters& d = header.delimiters;
  const std::string f(1, d.field);
  const std::string c(1, d.component);
  const AckDecision decision = DecideAck(header, params.outcome);

  std::string encoding = {d.component, d.repetition, d.escape, d.subcomponent};
  if (d.truncation != '\0') encoding.push_back(d.truncation);
  std::string processing_id = header.processing_id.empty()
                                  ? Escape(params.default_processing_id, d)
                                  : header.processing_id;
  std::string version_id =
      header.version_id.empty() ? Escape(params.default_version_id, d) : header.version_id;
  std::string message_type =
      header.trigger_event.empty() ? "ACK" : absl::StrCat("ACK", c, header.trigger_event, c, "ACK");

  std::string ack = absl::StrCat("MSH", f, encoding, f, header.receiving_application, f,
                                 header.receiving_facility, f, header.sending_application, f,
                                 header.sending_facility, f,
                                 absl::FormatTime("%Y%m%d%H%M%S%z", params.now, params.zone), f,
                                 f, message_type, f, Escape(params.control_id, d), f,
                                 processing_id, f, version_id, "\r");
  absl::StrAppend(&ack, "MSA", f, decision.code, f, header.control_id);
  std::string summary = Summary(params.errors);
  if (!summary.empty()) absl::StrAppend(&ack, f, Escape(summary, d));
  ack.push_back('\r');
  if (params.errors.empty()) return ack;

  const std::string version =
      Unescape(absl::string_view(version_id).substr(0, version_id.find(d.component)), d);
  if (BeforeV25(version)) {
    // One ERR; ERR-1 (ELD: segment^sequence^field^code) repeats. ELD.4 is a CE, so its parts
    // are sub-components: code&text&HL70357.
    const std::string s(1, d.subcomponent);
    std::vector<std::string> elds;
    for (const AckError& error : params.errors) {
      const Hl7Location& at = error.location;
      elds.push_back(absl::StrCat(
          Escape(at.segment, d), c, at.segment.empty() ? "" : absl::StrCat(at.sequence), c,
          at.field > 0 ? absl::StrCat(at.field) : "", c, error.code, s,
          Hl7ErrorCodeText(error.code), s, "HL70357"));
    }
    absl::StrAppend(&ack, "ERR", f, absl::StrJoin(elds, std::string(1, d.repetition)), "\r");
    return ack;
  }
  for (const AckError& error : params.errors) {
    const Hl7Location& at = error.location;
    std::string location;
    if (!at.segment.empty()) {
      location = absl::StrCat(Escape(at.segment, d), c, at.sequence);
      if (at.field > 0) {
        absl::StrAppend(&location, c, at.field, c, 1);
        if (at.component > 0) absl::StrAppend(&location, c, at.component);
      }
    }
    std::string text = Escape(error.text, d);
    absl::StrAppend(&ack, "ERR", f, /*ERR-1*/ f, location, f, error.code, c,
                    Hl7ErrorCodeText(error.code), c, "HL70357", f,
                    std::string(1, SeverityLetter(error.severity)), f, /*ERR-5*/ f,
                    /*ERR-6*/ f, text, f, text, "\r");
  }
  return ack;
}

AckControlIds::AckControlIds(std::string prefix) : prefix_(std::move(prefix)) {
  std::random_device random;
  absl::StrAppendFormat(&prefix_, "%08x", static_cast<uint32_t>(random()));
}

std::string AckControlIds::Next() {
  return absl::StrCat(prefix_, counter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

absl::StatusOr<AckReport> ReadAck(absl::string_view text) {
  absl::StatusOr<Message> message = Message::Parse(std::string(text));
  if (!message.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ACK is not an HL7 v2 message: ", message.status().message()));
  }
  const Segment* msa = message->Find("MSA");
  if (msa == nullptr) return absl::InvalidArgumentError("the ACK has no MSA segment");
  AckReport report;
  report.code = msa->Text(1);
  report.control_id = msa->Text(2);
  report.text = msa->Text(3);
  for (const Segment* err : message->FindAll("ERR")) {
    // The location's components joined with '^' whatever the ACK's delimiters: for people.
    auto location_of = [&](int field, int components, int repetition) {
      std::vector<std::string> parts;
      for (int i = 1; i <= components; ++i) {
        parts.push_back(err->Text(field, i, 0, repetition));
      }
      while (!parts.empty() && parts.back().empty()) parts.pop_back();
      ReadAckError error;
      error.location = absl::StrJoin(parts, "^");
      parts.resize(5);
      error.parsed_location.segment = parts[0];
      if (!absl::SimpleAtoi(parts[1], &error.parsed_location.sequence)) {
        error.parsed_location.sequence = 1;
      }
      if (!absl::SimpleAtoi(parts[2], &error.parsed_location.field)) {
        error.parsed_location.field = 0;
      }
      if (components >= 5 && !absl::SimpleAtoi(parts[4], &error.parsed_location.component)) {
        error.parsed_location.component = 0;
      }
      return error;
    };
    if (!err->RawField(2).empty() || !err->RawField(3).empty()) {  // v2.5+
      ReadAckError error = location_of(2, 5, 1);
      if (!absl::SimpleAtoi(err->Text(3, 1), &error.code)) error.code = 0;
      error.severity = err->Text(4);
      error.text = err->Text(8);
      if (error.text.empty()) error.text = err->Text(7);
      if (error.text.empty()) error.text = err->Text(3, 2);
      report.errors.push_back(std::move(error));
      continue;
    }
    for (int r = 1; r <= err->RepetitionCount(1); ++r) {  // ERR-1, ELD
      ReadAckError error = location_of(1, 3, r);
      if (!absl::SimpleAtoi(err->Text(1, 4, 1, r), &error.code)) error.code = 0;
      error.text = err->Text(1, 4, 2, r);
      report.errors.push_back(std::move(error));
    }
  }
  return report;
}

}  // namespace trialgate::hl7v2
