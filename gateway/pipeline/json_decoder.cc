#include "gateway/pipeline/json_decoder.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/pipeline/json_number.h"
#include "gateway/pipeline/utf8.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"

namespace trialgate::pipeline {
namespace {

// Forwards SAX events to a Document while refusing to nest deeper than a limit, so that a
// hostile body can neither exhaust the stack here nor in later recursive walks of the DOM.
// Numbers arrive as text (kParseNumbersAsStringsFlag): each is converted as RapidJSON would and
// its text recorded when `numbers` is not null.
class DepthLimitingHandler {
 public:
  DepthLimitingHandler(rapidjson::Document* document, int max_depth,
                       mappers::NumberTexts* numbers)
      : document_(document), max_depth_(max_depth), numbers_(numbers) {}

  bool depth_exceeded() const { return depth_exceeded_; }

  bool Null() { return document_->Null(); }
  bool Bool(bool b) { return document_->Bool(b); }
  bool Int(int i) { return document_->Int(i); }
  bool Uint(unsigned u) { return document_->Uint(u); }
  bool Int64(int64_t i) { return document_->Int64(i); }
  bool Uint64(uint64_t u) { return document_->Uint64(u); }
  bool Double(double d) { return document_->Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    const std::string_view text(s, n);
    if (numbers_ != nullptr) numbers_->Record(text);
    const JsonNumber number = ParseJsonNumber(text);
    switch (number.kind) {
      case JsonNumber::Kind::kInt: return document_->Int(static_cast<int>(number.i));
      case JsonNumber::Kind::kUint: return document_->Uint(static_cast<unsigned>(number.u));
      case JsonNumber::Kind::kInt64: return document_->Int64(number.i);
      case JsonNumber::Kind::kUint64: return document_->Uint64(number.u);
      case JsonNumber::Kind::kDouble: return document_->Double(number.d);
    }
    return false;
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return document_->String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return document_->Key(s, n, copy); }
  bool StartObject() { return Enter() && document_->StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return document_->EndObject(members);
  }
  bool StartArray() { return Enter() && document_->StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return document_->EndArray(elements);
  }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) {
      depth_exceeded_ = true;
      return false;
    }
    return true;
  }

  rapidjson::Document* document_;
  int max_depth_;
  mappers::NumberTexts* numbers_;
  int depth_ = 0;
  bool depth_exceeded_ = false;
};

// 1-based line and column of a byte offset, for error messages a person can act on.
std::string Position(absl::string_view body, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < body.size(); ++i) {
    if (body[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat("line ", line, ", column ", column, " (byte ", offset, ")");
}

// A copy of the body in memory *document owns, NUL-terminated and padded. RapidJSON scans
// NUL-terminated input 16 bytes at a time (RAPIDJSON_SSE2), reading up to 15 bytes past the NUL:
// the padding keeps those reads inside the copy. REQUIRES: `body` holds no NUL byte.
char* CopyIntoDocument(absl::string_view body, rapidjson::Document* document) {
  constexpr size_t kPadding = 16;
  auto* copy = static_cast<char*>(document->GetAllocator().Malloc(body.size() + kPadding));
  std::memcpy(copy, body.data(), body.size());
  std::memset(copy + body.size(), 0, kPadding);
  return copy;
}

struct Parsed {
  rapidjson::ParseResult result;
  bool depth_exceeded = false;
};

// One RapidJSON parse of `stream` into *document (numbers as text, see DepthLimitingHandler).
template <unsigned kFlags, typename Stream>
Parsed Parse(Stream stream, int max_depth, rapidjson::Document* document,
             mappers::NumberTexts* numbers) {
  if (numbers != nullptr) *numbers = mappers::NumberTexts();
  DepthLimitingHandler handler(document, max_depth, numbers);
  rapidjson::Reader reader;
  Parsed parsed;
  auto generator = [&](rapidjson::Document& /*handler_document*/) {
    parsed.result = reader.Parse<kFlags | rapidjson::kParseNumbersAsStringsFlag>(stream, handler);
    return !parsed.result.IsError();
  };
  document->Populate(generator);
  parsed.depth_exceeded = handler.depth_exceeded();
  return parsed;
}

}  // namespace

absl::Status DecodeJson(absl::string_view body, const DecodeLimits& limits,
                        rapidjson::Document* document, mappers::NumberTexts* numbers) {
  if (body.size() > limits.max_body_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("the body is ", body.size(),
                                                     " bytes; the limit is ",
                                                     limits.max_body_bytes, " bytes"));
  }
  if (body.empty()) return absl::InvalidArgumentError("the body is empty");
  if (absl::StartsWith(body, "\xEF\xBB\xBF")) {
    return absl::InvalidArgumentError(
        "the body starts with a UTF-8 byte-order mark; send FHIR JSON without one");
  }
  if (absl::StartsWith(body, "\xFE\xFF") || absl::StartsWith(body, "\xFF\xFE")) {
    return absl::InvalidArgumentError(
        "the body starts with a UTF-16 byte-order mark; FHIR JSON must be UTF-8");
  }
  if (const void* nul = std::memchr(body.data(), '\0', body.size()); nul != nullptr) {
    const size_t offset = static_cast<const char*>(nul) - body.data();
    return absl::InvalidArgumentError(
        absl::StrCat("the body contains a NUL byte at ", Position(body, offset)));
  }

  // Fast path: parsed in place (kParseInsituFlag), so strings are neither copied to the
  // reader's stack nor again into the DOM, which points into the document's copy of the body.
  // RapidJSON's own UTF-8 check (kParseValidateEncodingFlag) takes one call per character and
  // turns off its SIMD string scan; checking the whole body in one pass accepts exactly the same
  // bodies (outside strings any non-ASCII byte is a syntax error anyway). A body that fails
  // either way is parsed again the checking way, from a fresh copy, which reports the first
  // problem and its position as it always has.
  Parsed parsed = Parse<rapidjson::kParseInsituFlag>(
      rapidjson::InsituStringStream(CopyIntoDocument(body, document)), limits.max_depth,
      document, numbers);
  if (parsed.result.IsError() || !IsValidUtf8(std::string_view(body.data(), body.size()))) {
    parsed = Parse<rapidjson::kParseValidateEncodingFlag>(
        rapidjson::StringStream(CopyIntoDocument(body, document)), limits.max_depth, document,
        numbers);
    if (!parsed.result.IsError()) {
      return absl::InvalidArgumentError("the body is not valid UTF-8");  // not expected
    }
  }
  if (parsed.depth_exceeded) {  // a configured limit (limits.maxDepth), like the size
    return absl::ResourceExhaustedError(absl::StrCat(
        "the JSON nests deeper than ", limits.max_depth, " levels at ",
        Position(body, parsed.result.Offset())));
  }
  if (parsed.result.IsError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", rapidjson::GetParseError_En(parsed.result.Code()),
                     " at ", Position(body, parsed.result.Offset())));
  }
  if (!document->IsObject()) {
    return absl::InvalidArgumentError(
        "the body must be a JSON object (a FHIR resource or Bundle)");
  }
  if (numbers != nullptr && !numbers->Attach(*document)) {
    return absl::InternalError("the decoder lost track of the numbers' texts");
  }
  return absl::OkStatus();
}

}  // namespace trialgate::pipeline
