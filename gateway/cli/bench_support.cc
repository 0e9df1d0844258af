#include "gateway/cli/bench_support.h"

#include <openssl/rand.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/cli/client.h"
#include "grpcpp/client_context.h"

namespace trialgate::cli {

std::string BenchRunId() {
  unsigned char bytes[4];
  RAND_bytes(bytes, sizeof bytes);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::string BenchEnrolment(const std::string& run, int subject, const std::string& individual) {
  return absl::StrCat(
      R"({"resourceType":"ResearchSubject","id":"bench-)", run, "-rs", subject,
      R"(","status":"on-study","identifier":[{"system":"urn:trialgate:krd-asct2:subject",)",
      R"("value":"BENCH-)", run, "-", subject, R"("}],"period":{"start":"2026-01-05"},)",
      R"("study":{"reference":"ResearchStudy/krd-asct2"},"individual":)", individual, "}");
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[index];
}

bool EnrolSubjects(v1::Gateway::Stub& stub, const std::string& source_system, int subjects,
                   const std::function<std::string(int)>& body) {
  for (int s = 0; s < subjects; ++s) {
    v1::SubmitRequest request;
    request.set_source_system(source_system);
    request.set_body(body(s));
    v1::SubmitResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub.Submit(&context, request, &response);
    if (!status.ok() || response.entries_size() != 1 ||
        response.entries(0).outcome() != v1::EntryOutcome::ACCEPTED) {
      std::cerr << "bench: enrolment failed: "
                << (status.ok() ? (response.entries_size() > 0
                                       ? response.entries(0).operation_outcome()
                                       : std::string("no entry in the answer"))
                                : DescribeStatus(status))
                << "\n";
      return false;
    }
  }
  return true;
}

}  // namespace trialgate::cli
