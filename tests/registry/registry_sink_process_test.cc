// The real `trialgate registry-sink` binary as a child process, called with a real gRPC client:
// what a registry operator runs.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "gateway/registry_sink/event_lines.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/sink_process.h"
#include "tests/registry/registry_test_support.h"

namespace trialgate::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs the binary to completion with `arguments`; returns its exit code and stdout+stderr.
std::pair<int, std::string> RunToEnd(const std::string& arguments) {
  FILE* pipe = ::popen((std::string(TRIALGATE_BINARY) + " " + arguments + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::vector<v1::Event> Range(int first, int last) {
  std::vector<v1::Event> events;
  for (int i = first; i <= last; ++i) {
    // Two subjects interleaved, as the log interleaves them.
    events.push_back(
        TestEvent("ev-" + std::to_string(i), i % 2 ? "KRD-001-0001" : "KRD-001-0002", i));
  }
  return events;
}

std::vector<std::string> IdsInFile(const std::filesystem::path& path) {
  absl::StatusOr<std::vector<v1::Event>> events = registry_sink::ReadEventFile(path);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? EventIds(*events) : std::vector<std::string>{};
}

bool ExitedCleanly(int wait_status) {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

TEST(RegistrySinkProcessTest, KeepsEachEventOnceThroughDuplicatesAKillAndResends) {
  TempDir dir;
  const auto file = dir.path() / "events.jsonl";
  const auto log = dir.path() / "sink.log";
  {
    SinkProcess sink(file, log);
    ASSERT_FALSE(sink.address().empty());
    RegistryClient client(sink.address());
    client.PublishOk(Batch(Range(1, 5)));
    client.PublishOk(Batch(Range(4, 8)));  // 4 and 5 again, as after a lost answer
    sink.Stop(SIGKILL);
  }
  {
    SinkProcess sink(file, log);
    ASSERT_FALSE(sink.address().empty());
    {
      RegistryClient client(sink.address());
      // The sender, unsure what arrived, sends everything again, then goes on.
      client.PublishOk(Batch(Range(1, 5)));
      client.PublishOk(Batch(Range(4, 8)));
      client.PublishOk(Batch(Range(8, 10)));
    }  // disconnected: an open channel would hold a graceful shutdown for its 5 s grace
    EXPECT_TRUE(ExitedCleanly(sink.Stop(SIGTERM)));
  }
  EXPECT_THAT(IdsInFile(file), ElementsAreArray(EventIds(Range(1, 10))));
  EXPECT_THAT(ReadFile(log), HasSubstr("holds 8 events"));
}

TEST(RegistrySinkProcessTest, CutsATornLastLineAtStartAndSaysSo) {
  TempDir dir;
  const auto file = dir.path() / "events.jsonl";
  const auto log = dir.path() / "sink.log";
  std::string content;
  ASSERT_TRUE(registry_sink::AppendEventLine(Range(1, 1)[0], &content).ok());
  std::string second;
  ASSERT_TRUE(registry_sink::AppendEventLine(Range(2, 2)[0], &second).ok());
  std::ofstream(file, std::ios::binary) << content << second.substr(0, second.size() / 2);

  SinkProcess sink(file, log);
  ASSERT_FALSE(sink.address().empty());
  EXPECT_THAT(ReadFile(log), HasSubstr("torn last line"));
  {
    RegistryClient client(sink.address());
    client.PublishOk(Batch(Range(1, 3)));
  }
  EXPECT_TRUE(ExitedCleanly(sink.Stop(SIGINT)));
  EXPECT_THAT(IdsInFile(file), ElementsAreArray(EventIds(Range(1, 3))));
  EXPECT_EQ(ReadFile(file).substr(0, content.size()), content);
}

TEST(RegistrySinkProcessTest, ExitsWithAClearErrorWhenTheFileCannotBeOpened) {
  TempDir dir;
  const std::string file = (dir.path() / "missing" / "events.jsonl").string();
  const auto [exit_code, output] = RunToEnd("registry-sink --insecure --listen 127.0.0.1:0 --out " + file);
  EXPECT_EQ(exit_code, 1);
  EXPECT_THAT(output, HasSubstr("cannot open " + file));
  EXPECT_THAT(output, Not(HasSubstr("listening on")));
}

TEST(RegistrySinkProcessTest, HelpNamesTheOptions) {
  const auto [exit_code, output] = RunToEnd("registry-sink --help");
  EXPECT_EQ(exit_code, 0);
  EXPECT_THAT(output, HasSubstr("--listen"));
  EXPECT_THAT(output, HasSubstr("--out"));
  EXPECT_EQ(RunToEnd("registry-sink --insecure --listen 127.0.0.1:0").first, 106);  // no --out
  // Neither TLS nor --insecure: refused, saying what to give.
  TempDir dir;
  const auto [plain_exit, plain_output] =
      RunToEnd("registry-sink --listen 127.0.0.1:0 --out " + (dir.path() / "e.jsonl").string());
  EXPECT_EQ(plain_exit, 2);
  EXPECT_THAT(plain_output, HasSubstr("--insecure"));
}

}  // namespace
}  // namespace trialgate::testing
