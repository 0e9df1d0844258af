#include "gateway/pipeline/json_decoder.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/pipeline/json_number.h"
#include "rapidjson/error/en.h"
#include "rapidjson/memorystream.h"
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

}  // namespace

absl::Status DecodeJson(absl::string_view body, const DecodeLimits& limits,
                        rapidjson::Document* document, mappers::NumberTexts* numbers) {
  if (numbers != nullptr) *numbers = mappers::NumberTexts();
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

  rapidjson::MemoryStream stream(body.data(), body.size());
  DepthLimitingHandler handler(document, limits.max_depth, numbers);
  rapidjson::Reader reader;
  auto generator = [&](rapidjson::Document& /*handler_document*/) {
    constexpr unsigned kFlags =
        rapidjson::kParseValidateEncodingFlag | rapidjson::kParseNumbersAsStringsFlag;
    return !reader.Parse<kFlags>(stream, handler).IsError();
  };
  document->Populate(generator);
  if (handler.depth_exceeded()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the JSON nests deeper than ", limits.max_depth, " levels at ",
        Position(body, reader.GetErrorOffset())));
  }
  if (reader.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", rapidjson::GetParseError_En(reader.GetParseErrorCode()),
                     " at ", Position(body, reader.GetErrorOffset())));
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
