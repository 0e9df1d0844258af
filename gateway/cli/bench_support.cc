#include "gateway/cli/bench_support.h"

#include <openssl/rand.h>
#include <sys/resource.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

double LoadResult::RequestsPerSecond() const {
  return seconds > 0 ? static_cast<double>(latencies_ms.size()) / seconds : 0;
}

double LoadResult::ResourcesPerSecond() const {
  return seconds > 0 ? static_cast<double>(resources) / seconds : 0;
}

namespace {

// User and system CPU time of this process, all threads: what the load generator itself costs.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

LoadTally::LoadTally() : cpu_at_start_(ProcessCpuSeconds()) {}

void LoadTally::Add(double latency_ms, uint64_t resources, absl::string_view problem) {
  std::lock_guard<std::mutex> lock(mu_);
  result_.latencies_ms.push_back(latency_ms);
  if (problem.empty()) {
    ++result_.accepted;
    result_.resources += resources;
  } else {
    ++result_.other;
    if (result_.first_problem.empty()) result_.first_problem = std::string(problem);
  }
}

void LoadTally::AddUnanswered(uint64_t requests, absl::string_view problem) {
  std::lock_guard<std::mutex> lock(mu_);
  result_.other += requests;
  if (result_.first_problem.empty()) result_.first_problem = std::string(problem);
}

LoadResult LoadTally::Finish(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  LoadResult result = std::move(result_);
  result_ = LoadResult();
  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  result.seconds = seconds;
  result.client_cpu_seconds = ProcessCpuSeconds() - cpu_at_start_;
  cpu_at_start_ = ProcessCpuSeconds();
  return result;
}

std::string DescribeLoad(absl::string_view name, int concurrency, const LoadResult& result) {
  const double cpu_us_per_request =
      result.latencies_ms.empty() ? 0.0
                                  : result.client_cpu_seconds * 1e6 / result.latencies_ms.size();
  return absl::StrFormat(
      "%s count=%d concurrency=%d: %.0f requests/s, %.0f resources/s over %.2f s; latency "
      "p50 %.2f ms, p99 %.2f ms; client CPU %.0f us/request; accepted %d, not accepted %d",
      name, result.latencies_ms.size(), concurrency, result.RequestsPerSecond(),
      result.ResourcesPerSecond(), result.seconds, Percentile(result.latencies_ms, 0.50),
      Percentile(result.latencies_ms, 0.99), cpu_us_per_request, result.accepted, result.other);
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
