#include "gateway/pipeline/json_number.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <system_error>

namespace trialgate::pipeline {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// For a number from_chars found beyond double range: whether it is too large (else too small).
// Such a number is more than 300 decimal orders away from 1, so a rough decimal exponent (the
// mantissa's leading digit position plus the exponent) has the right sign.
bool TooLarge(std::string_view text) {
  size_t i = text[0] == '-' ? 1 : 0;
  int64_t order = 0;
  if (text[i] != '0') {
    for (; i < text.size() && IsDigit(text[i]); ++i) ++order;  // 123.4: order 3
  } else if (i + 1 < text.size() && text[i + 1] == '.') {
    for (i += 2; i < text.size() && text[i] == '0'; ++i) --order;  // 0.004: order -2
  }
  while (i < text.size() && text[i] != 'e' && text[i] != 'E') ++i;
  if (i == text.size()) return order > 0;
  ++i;
  const bool negative = text[i] == '-';
  if (text[i] == '-' || text[i] == '+') ++i;
  int64_t exponent = 0;
  for (; i < text.size() && exponent < 1'000'000'000'000; ++i) {
    exponent = exponent * 10 + (text[i] - '0');
  }
  return order + (negative ? -exponent : exponent) > 0;
}

}  // namespace

JsonNumber ParseJsonNumber(std::string_view text) {
  JsonNumber number;
  const bool minus = !text.empty() && text[0] == '-';
  size_t i = minus ? 1 : 0;
  uint64_t magnitude = 0;
  bool fits_64 = true;
  for (; i < text.size() && IsDigit(text[i]); ++i) {
    const unsigned digit = text[i] - '0';
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      fits_64 = false;
    } else {
      magnitude = magnitude * 10 + digit;
    }
  }
  if (i == text.size() && fits_64) {  // an integer without fraction or exponent
    if (!minus) {
      number.kind = magnitude <= std::numeric_limits<uint32_t>::max() ? JsonNumber::Kind::kUint
                                                                       : JsonNumber::Kind::kUint64;
      number.u = magnitude;
      return number;
    }
    if (magnitude <= uint64_t{1} << 63) {
      number.kind = magnitude <= uint64_t{1} << 31 ? JsonNumber::Kind::kInt
                                                   : JsonNumber::Kind::kInt64;
      number.i = static_cast<int64_t>(~magnitude + 1);  // two's complement; -2^63 included
      return number;
    }
  }
  number.kind = JsonNumber::Kind::kDouble;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number.d);
  if (ec == std::errc::result_out_of_range) {
    const double limit = TooLarge(text) ? std::numeric_limits<double>::infinity() : 0.0;
    number.d = minus ? -limit : limit;
  } else if (ec != std::errc() || end != text.data() + text.size()) {
    number.d = std::numeric_limits<double>::quiet_NaN();  // not a JSON number: see REQUIRES
  }
  return number;
}

}  // namespace trialgate::pipeline
