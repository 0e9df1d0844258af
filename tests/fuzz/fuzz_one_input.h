#ifndef TRIALGATE_TESTS_FUZZ_FUZZ_ONE_INPUT_H_
#define TRIALGATE_TESTS_FUZZ_FUZZ_ONE_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace trialgate::fuzz {

// The body of a resource type's LLVMFuzzerTestOneInput: runs the input through ResourceCheck as
// `type` and aborts, printing the input's verdict, when a stage broke a promise. Returns 0.
int FuzzOneInput(const std::string& type, const uint8_t* data, size_t size);

}  // namespace trialgate::fuzz

#endif  // TRIALGATE_TESTS_FUZZ_FUZZ_ONE_INPUT_H_
