#ifndef TRIALGATE_GATEWAY_PIPELINE_JSON_NUMBER_H_
#define TRIALGATE_GATEWAY_PIPELINE_JSON_NUMBER_H_

#include <cstdint>
#include <string_view>

namespace trialgate::pipeline {

// A JSON number as RapidJSON's reader reports it to a handler: which call (Int, Uint, Int64,
// Uint64 or Double) and its argument.
struct JsonNumber {
  enum class Kind { kInt, kUint, kInt64, kUint64, kDouble };
  Kind kind = Kind::kDouble;
  int64_t i = 0;   // kInt, kInt64
  uint64_t u = 0;  // kUint, kUint64
  double d = 0;    // kDouble
};

// Converts the source text of a JSON number into what RapidJSON's reader would have reported
// without kParseNumbersAsStringsFlag, so the DOM holds the same kinds of values as before the
// decoder kept numbers as text: an integer that fits 32 bits is Int/Uint, 64 bits Int64/Uint64
// (as RapidJSON: "-0" is Int 0, "2147483648" Uint, "-2147483648" Int), anything else Double.
// Doubles are correctly rounded (as with kParseFullPrecisionFlag); one too large for a double is
// +-infinity (as RapidJSON rounds 1.8e308; the validator rejects it), one too small +-0.
// REQUIRES: `text` is a JSON number (RFC 8259), as RapidJSON's reader has checked.
JsonNumber ParseJsonNumber(std::string_view text);

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_JSON_NUMBER_H_
