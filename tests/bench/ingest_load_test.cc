// The load generator of docs/performance.md against a real gateway: what it reports is what the
// gateway stored, closed loop and paced, unary and streamed; calls it could not make are
// counted as failures, and a request file it cannot read is refused.

#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "trialgate/v1/gateway.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

// `count` lab Observations of the enrolled pt-1001, each a resource of its own (ids prefix0..),
// written as ingest_load reads them: a varint length, then a serialised SubmitRequest.
std::string WriteRequests(const std::filesystem::path& dir, const std::string& prefix, int count) {
  const std::string observation = TestData("observation-anc-pt-1001.json");
  const std::string path = (dir / (prefix + ".bin")).string();
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < count; ++i) {
    v1::SubmitRequest request;
    request.set_source_system("hospital-a");
    request.set_body(absl::StrReplaceAll(
        observation, {{"\"obs-anc-1001-c1d1\"", absl::StrCat("\"", prefix, i, "\"")}}));
    const std::string bytes = request.SerializeAsString();
    for (uint64_t n = bytes.size();; n >>= 7) {
      out.put(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
      if (n < 0x80) break;
    }
    out << bytes;
  }
  return path;
}

// ingest_load's output line and exit status.
struct LoadRun {
  std::string output;
  int status = -1;
};

LoadRun RunLoad(const std::string& args) {
  LoadRun run;
  FILE* pipe = popen(absl::StrCat(INGEST_LOAD, " ", args, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) run.output += buffer;
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

double SecondsOf(const std::string& output) {
  const size_t at = output.find("seconds=");
  double seconds = 0;
  if (at != std::string::npos) {
    const size_t end = output.find(' ', at);
    (void)absl::SimpleAtod(output.substr(at + 8, end - at - 8), &seconds);
  }
  return seconds;
}

size_t LabEvents(GatewayClient& client) {
  size_t labs = 0;
  for (const v1::Event& event : client.Pull()) labs += event.has_lab_result() ? 1 : 0;
  return labs;
}

TEST(IngestLoadTest, WhatItCountsIsWhatTheGatewayStored) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  client.SubmitOk(TestData("research-subject-pt-1001.json"), "hospital-a");
  const std::string target = absl::StrCat("--target ", server->address());

  struct Case {
    std::string prefix;  // of the resource ids: each case sends new resources
    int count;
    std::string flags;
    std::string expected;  // in the output line
    double at_least_seconds;
  };
  const std::vector<Case> cases = {
      {"u", 60, "--mode unary --connections 2 --in-flight 8",
       "mode=unary connections=2 in_flight=8 paced_rate=0 count=60 ", 0},
      {"s", 60, "--mode stream --connections 3 --in-flight 4", "count=60 ", 0},
      // Paced: the last of 40 requests at 200/s is due 0.195 s in, however fast the answers.
      {"p", 40, "--mode stream --connections 2 --in-flight 4 --rate 200",
       "paced_rate=200 count=40 ", 0.19},
  };
  size_t stored = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flags);
    const LoadRun run = RunLoad(absl::StrCat(
        target, " --requests ", WriteRequests(dir.path(), c.prefix, c.count), " ", c.flags));
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_THAT(run.output, HasSubstr(c.expected));
    EXPECT_THAT(run.output, HasSubstr(" failures=0"));
    EXPECT_GE(SecondsOf(run.output), c.at_least_seconds) << run.output;
    stored += c.count;
    EXPECT_EQ(LabEvents(client), stored);
  }
}

TEST(IngestLoadTest, CallsToNoServerAreFailuresAndAnUnreadableFileIsRefused) {
  TempDir dir;
  const std::string requests = WriteRequests(dir.path(), "x", 5);
  // Port 9 (discard) on loopback: nothing listens, so every call fails at once.
  const LoadRun nobody = RunLoad(absl::StrCat("--target 127.0.0.1:9 --requests ", requests,
                                              " --mode unary --connections 1 --in-flight 2"));
  EXPECT_EQ(nobody.status, 0) << nobody.output;
  EXPECT_THAT(nobody.output, HasSubstr("count=0 "));
  EXPECT_THAT(nobody.output, HasSubstr(" failures=5"));

  std::ofstream(dir.path() / "truncated.bin", std::ios::binary) << "\x10"
                                                                << "short";
  const LoadRun truncated =
      RunLoad(absl::StrCat("--target 127.0.0.1:9 --requests ",
                           (dir.path() / "truncated.bin").string(), " --mode unary"));
  EXPECT_EQ(truncated.status, 2);
  EXPECT_THAT(truncated.output, HasSubstr("truncated"));
  EXPECT_EQ(RunLoad("--mode sideways").status, 2);
}

}  // namespace
}  // namespace trialgate::testing
