#include "gateway/pipeline/utf8.h"

#include <cstdint>
#include <cstring>

namespace trialgate::pipeline {

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const end = p + text.size();
  while (p < end) {
    // ASCII, nearly all of a FHIR body, 32 bytes at a time.
    if (end - p >= 32) {
      uint64_t words[4];
      std::memcpy(words, p, sizeof(words));
      if (((words[0] | words[1] | words[2] | words[3]) & 0x8080808080808080u) == 0) {
        p += 32;
        continue;
      }
    }
    const unsigned char lead = *p;
    if (lead < 0x80) {
      ++p;
      continue;
    }
    // The continuation bytes a lead byte takes, and the range its first one must fall in.
    int continuations = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuations = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuations = 2;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuations = 3;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;  // a continuation byte, C0, C1 or F5..FF
    }
    if (end - p <= continuations) return false;
    if (p[1] < low || p[1] > high) return false;
    for (int i = 2; i <= continuations; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += continuations + 1;
  }
  return true;
}

}  // namespace trialgate::pipeline
