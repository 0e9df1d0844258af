#include "tests/fuzz/fuzz_one_input.h"

#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/resource_check.h"

namespace trialgate::fuzz {

int FuzzOneInput(const std::string& type, const uint8_t* data, size_t size) {
  // Built once per process and never destroyed: libFuzzer may exit from any thread.
  static const ResourceCheck* check = new ResourceCheck;
  const Verdict verdict =
      check->Run(type, absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!verdict.broken.empty()) {
    std::fprintf(stderr, "%s: %s\nOperationOutcome: %s\n", type.c_str(), verdict.broken.c_str(),
                 verdict.operation_outcome.c_str());
    std::abort();
  }
  return 0;
}

}  // namespace trialgate::fuzz
