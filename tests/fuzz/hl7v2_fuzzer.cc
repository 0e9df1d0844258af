// libFuzzer target: any bytes go through MLLP framing (fed in chunks whose sizes the input
// chooses), and every frame, as well as the whole input taken as one message, through the
// character-set conversion and the parser; every part of every field is read and unescaped, and
// the message is converted to FHIR (ConvertMessage: ORU^R01, RAS^O17, or an issue).
// Beyond "no crash, no sanitizer report", it aborts when a promise of gateway/hl7v2 breaks:
// frames hold no VT/FS and respect the limit, decoded text and every value are UTF-8, escaping
// round-trips, FrameMessage's frames come back whole, a conversion yields either a Bundle
// (JSON, one location per entry) or issues, and the ACK for any input reads back.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gateway/hl7v2/ack.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/conversion.h"
#include "gateway/hl7v2/escapes.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/message_identity.h"
#include "gateway/hl7v2/mllp_framer.h"
#include "gateway/hl7v2/utf8.h"
#include "rapidjson/document.h"

namespace trialgate::hl7v2 {
namespace {

constexpr size_t kLimit = 4096;  // small, so that the too-large path is reached

void Check(bool ok, const char* promise) {
  if (!ok) {
    std::fprintf(stderr, "hl7v2_fuzzer: broken promise: %s\n", promise);
    std::abort();
  }
}

// Whatever arrives gets an ACK that reads back: the listener answers every frame with one.
void Acknowledge(absl::string_view bytes, const std::vector<AckError>& errors) {
  const InboundHeader header = ReadInboundHeader(RawHeaderSegment(bytes));
  (void)RawSendingSystem(bytes);
  AckParams params;
  params.outcome = errors.empty() ? AckOutcome::kAccept : AckOutcome::kError;
  params.errors = errors;
  params.control_id = "TG1";
  const std::string ack = BuildAck(header, params);
  absl::StatusOr<AckReport> report = ReadAck(ack);
  Check(report.ok(), "every ACK built reads back");
  Check(report->code == DecideAck(header, params.outcome).code, "the ACK carries its code");
}

void ParseAndWalk(absl::string_view bytes) {
  // Reading MSH-18 and decoding never crash; a success is UTF-8.
  absl::StatusOr<Decoded> decoded = DecodeToUtf8(bytes, {.fallback_charset = "WINDOWS-1252"});
  if (!decoded.ok()) return;
  Check(IsValidUtf8(decoded->text), "decoded text is UTF-8");
  absl::StatusOr<Message> message = Message::Parse(decoded->text);
  if (!message.ok()) return;
  Check(message->msh().name() == "MSH", "the first segment is MSH");
  (void)CheckVersion(message->version());
  const Delimiters& d = message->delimiters();
  std::vector<std::string> problems;
  for (const Segment& segment : message->segments()) {
    for (int f = 0; f <= segment.field_count() + 1; ++f) {
      int repetitions = segment.RepetitionCount(f);
      for (int r = 1; r <= repetitions + 1; ++r) {
        for (int c = 0; c <= 3; ++c) {
          for (int s = 0; s <= 2; ++s) {
            std::string text = segment.Text(f, c, s, r, &problems);
            Check(IsValidUtf8(text), "every value is UTF-8");
            if (f > 2 || segment.name() != "MSH") {
              Check(Unescape(Escape(text, d), d) == text, "Unescape(Escape(t)) == t");
            }
          }
        }
      }
    }
  }

  // Conversion: a Bundle whose entries each name their segment (none when every segment was
  // skipped, with a warning each), or issues; never both empty.
  ConvertOptions options;
  options.site_id = "fuzz-site";
  ConversionResult result = ConvertMessage(*message, options);
  if (result.ok()) {
    rapidjson::Document bundle;
    // Numbers as strings: an HL7 NM may have more digits than a double holds.
    bundle.Parse<rapidjson::kParseNumbersAsStringsFlag>(result.bundle_json.c_str(),
                                                        result.bundle_json.size());
    Check(!bundle.HasParseError() && bundle.IsObject(), "a converted Bundle is JSON");
    // A Bundle of skipped segments only has no "entry" (JSON FHIR has no empty arrays).
    const bool has_entries = bundle.HasMember("entry");
    Check(!has_entries || (bundle["entry"].IsArray() && !bundle["entry"].Empty()),
          "Bundle.entry is absent or a non-empty array");
    Check((has_entries ? bundle["entry"].Size() : 0) == result.entry_locations.size(),
          "one HL7 location per Bundle entry");
  } else {
    Check(!result.issues.empty(), "a failed conversion says why");
  }
  Acknowledge(message->text(), AckErrorsFrom(result.issues));
  (void)ContentDigest(*message);
}

}  // namespace
}  // namespace trialgate::hl7v2

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trialgate::hl7v2;
  absl::string_view input(reinterpret_cast<const char*>(data), size);

  // The input as one message (the seeds are unframed sample files), and its ACK as raw bytes.
  ParseAndWalk(input);
  Acknowledge(input, {});

  // The input as a stream; its first byte chooses the read size.
  size_t chunk = size == 0 ? 1 : static_cast<unsigned char>(input[0]) % 64 + 1;
  MllpFramer framer(MllpFramerOptions{.max_message_bytes = kLimit});
  for (size_t i = 0; i < size; i += chunk) {
    for (const MllpEvent& event : framer.Feed(input.substr(i, chunk))) {
      if (event.kind != MllpEvent::Kind::kMessage) {
        Check(event.bytes > 0 || event.kind == MllpEvent::Kind::kTooLarge,
              "a discarded run is not empty");
        continue;
      }
      Check(event.payload.size() <= kLimit, "a frame respects the limit");
      Check(event.payload.find(kStartBlock) == std::string::npos &&
                event.payload.find(kEndBlock) == std::string::npos,
            "a frame holds no VT or FS");
      ParseAndWalk(event.payload);
    }
  }

  // FrameMessage's frame comes back whole, alone, in one read.
  absl::StatusOr<std::string> frame = FrameMessage(input);
  if (frame.ok()) {
    MllpFramer fresh(MllpFramerOptions{.max_message_bytes = size + 1});
    std::vector<MllpEvent> events = fresh.Feed(*frame);
    Check(events.size() == 1 && events[0].kind == MllpEvent::Kind::kMessage &&
              events[0].payload == input,
          "FrameMessage round-trips");
  }
  return 0;
}
