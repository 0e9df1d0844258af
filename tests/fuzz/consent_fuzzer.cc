// libFuzzer target: any body, taken as a Consent, is decoded, validated and mapped without a
// crash, undefined behaviour or a broken promise (see ResourceCheck::Run).
#include "tests/fuzz/fuzz_one_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return trialgate::fuzz::FuzzOneInput("Consent", data, size);
}
