// The reference receiver's core: each event kept once, in order, durably, across restarts.
#include "gateway/registry_sink/jsonl_event_sink.h"

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "gateway/registry_sink/event_lines.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/registry/registry_test_support.h"

namespace trialgate::testing {
namespace {

using registry_sink::JsonlEventSink;
using registry_sink::KeepResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string Line(const v1::Event& event) {
  std::string line;
  EXPECT_TRUE(registry_sink::AppendEventLine(event, &line).ok());
  return line;
}

google::protobuf::RepeatedPtrField<v1::Event> Events(const std::vector<v1::Event>& events) {
  return Batch(events).events();
}

std::unique_ptr<JsonlEventSink> OpenOk(const std::filesystem::path& path) {
  absl::StatusOr<std::unique_ptr<JsonlEventSink>> sink = JsonlEventSink::Open(path);
  EXPECT_TRUE(sink.ok()) << sink.status();
  return sink.ok() ? *std::move(sink) : nullptr;
}

KeepResult KeepOk(JsonlEventSink& sink, const std::vector<v1::Event>& events) {
  absl::StatusOr<KeepResult> result = sink.Keep(Events(events));
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : KeepResult{};
}

std::vector<std::string> IdsInFile(const std::filesystem::path& path) {
  absl::StatusOr<std::vector<v1::Event>> events = registry_sink::ReadEventFile(path);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? EventIds(*events) : std::vector<std::string>{};
}

v1::Event A() { return TestEvent("ev-a", "KRD-001-0001", 1); }
v1::Event B() { return TestEvent("ev-b", "KRD-001-0002", 2); }
v1::Event C() { return TestEvent("ev-c", "KRD-001-0001", 3); }

TEST(JsonlEventSinkTest, AppendsNewEventsInTheOrderReceivedOneJsonObjectPerLine) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto sink = OpenOk(path);
  ASSERT_NE(sink, nullptr);
  const KeepResult result = KeepOk(*sink, {C(), A(), B()});
  EXPECT_EQ(result.kept, 3u);
  EXPECT_EQ(result.duplicates, 0u);

  // Read as a consumer would: split at newlines, protobuf's JSON mapping per line.
  std::istringstream content(ReadFile(path));
  std::vector<v1::Event> lines;
  for (std::string line; std::getline(content, line);) {
    v1::Event event;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok()) << line;
    lines.push_back(event);
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(lines[0], C()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(lines[1], A()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(lines[2], B()));
  EXPECT_THAT(ReadFile(path), HasSubstr("\"eventId\":\"ev-c\""));
}

TEST(JsonlEventSinkTest, SkipsEventsItHoldsAndCountsThemAsDuplicates) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto sink = OpenOk(path);
  ASSERT_NE(sink, nullptr);
  KeepOk(*sink, {A(), B()});
  const KeepResult result = KeepOk(*sink, {B(), C(), A()});
  EXPECT_EQ(result.kept, 1u);
  EXPECT_EQ(result.duplicates, 2u);
  EXPECT_THAT(IdsInFile(path), ElementsAre("ev-a", "ev-b", "ev-c"));
  EXPECT_EQ(sink->size(), 3u);
}

TEST(JsonlEventSinkTest, KeepsAnEventRepeatedWithinOneBatchOnce) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto sink = OpenOk(path);
  ASSERT_NE(sink, nullptr);
  const KeepResult result = KeepOk(*sink, {A(), B(), A()});
  EXPECT_EQ(result.kept, 2u);
  EXPECT_EQ(result.duplicates, 1u);
  EXPECT_THAT(IdsInFile(path), ElementsAre("ev-a", "ev-b"));
}

TEST(JsonlEventSinkTest, RemembersWhatItHoldsAfterAReopen) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  {
    auto sink = OpenOk(path);
    ASSERT_NE(sink, nullptr);
    KeepOk(*sink, {A(), B()});
  }
  auto reopened = OpenOk(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->recovery().events, 2u);
  EXPECT_EQ(reopened->recovery().torn_bytes, 0u);
  EXPECT_TRUE(reopened->Holds("ev-a"));
  const KeepResult result = KeepOk(*reopened, {B(), C()});
  EXPECT_EQ(result.kept, 1u);
  EXPECT_EQ(result.duplicates, 1u);
  EXPECT_THAT(IdsInFile(path), ElementsAre("ev-a", "ev-b", "ev-c"));
}

TEST(JsonlEventSinkTest, CutsATornLastLineAwayAndTakesItsEventAgain) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  const std::string whole = Line(A()) + Line(B());
  const std::string torn = Line(C()).substr(0, 40);  // killed mid-write: no newline
  WriteFile(path, whole + torn);

  auto sink = OpenOk(path);
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->recovery().torn_bytes, torn.size());
  EXPECT_EQ(sink->recovery().events, 2u);
  EXPECT_EQ(ReadFile(path), whole);
  EXPECT_FALSE(sink->Holds("ev-c"));

  EXPECT_EQ(KeepOk(*sink, {C()}).kept, 1u);
  EXPECT_EQ(ReadFile(path), whole + Line(C()));
}

TEST(JsonlEventSinkTest, ReadEventFileSkipsEmptyLinesAndLeavesATornLastLineOut) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  WriteFile(path, Line(A()) + "\n" + Line(B()) + Line(C()).substr(0, 10));
  EXPECT_THAT(IdsInFile(path), ElementsAre("ev-a", "ev-b"));
}

TEST(JsonlEventSinkTest, RefusesAFileWithADamagedCompleteLineAndLeavesItAlone) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  const std::string content = Line(A()) + "{\"eventId\": \n" + Line(B());
  WriteFile(path, content);
  absl::StatusOr<std::unique_ptr<JsonlEventSink>> sink = JsonlEventSink::Open(path);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(sink.status().message(), HasSubstr(path.string()));
  EXPECT_THAT(sink.status().message(), HasSubstr("line 2"));
  EXPECT_EQ(ReadFile(path), content);
}

TEST(JsonlEventSinkTest, SaysWhichFileItCannotOpen) {
  TempDir dir;
  const auto missing_directory = dir.path() / "no-such-dir" / "events.jsonl";
  absl::StatusOr<std::unique_ptr<JsonlEventSink>> sink = JsonlEventSink::Open(missing_directory);
  ASSERT_FALSE(sink.ok());
  EXPECT_THAT(sink.status().message(), HasSubstr("cannot open " + missing_directory.string()));
  EXPECT_THAT(sink.status().message(), HasSubstr("No such file or directory"));

  absl::StatusOr<std::unique_ptr<JsonlEventSink>> directory = JsonlEventSink::Open(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.status().message(), HasSubstr(dir.path().string()));
}

TEST(JsonlEventSinkTest, RefusesASecondSinkOnTheSameFile) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  {
    auto first = OpenOk(path);
    ASSERT_NE(first, nullptr);
    absl::StatusOr<std::unique_ptr<JsonlEventSink>> second = JsonlEventSink::Open(path);
    ASSERT_FALSE(second.ok());
    EXPECT_THAT(second.status().message(), HasSubstr("in use"));
  }
  EXPECT_NE(OpenOk(path), nullptr);  // free again once the first is closed
}

TEST(JsonlEventSinkTest, RefusesABatchWithAnEventWithoutIdAndKeepsNoneOfIt) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto sink = OpenOk(path);
  ASSERT_NE(sink, nullptr);
  v1::Event no_id = B();
  no_id.clear_event_id();
  absl::StatusOr<KeepResult> result = sink->Keep(Events({A(), no_id}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFile(path), "");
}

TEST(JsonlEventSinkTest, ConcurrentKeepsStoreEveryEventExactlyOnce) {
  TempDir dir;
  const auto path = dir.path() / "events.jsonl";
  auto sink = OpenOk(path);
  ASSERT_NE(sink, nullptr);
  // Eight writers with overlapping ranges of 100 ids out of 170, ten per batch.
  constexpr int kWriters = 8;
  std::vector<size_t> kept(kWriters, 0);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int start = w * 10; start < w * 10 + 100; start += 10) {
        std::vector<v1::Event> batch;
        for (int i = start; i < start + 10; ++i) {
          batch.push_back(TestEvent("ev-" + std::to_string(i), "KRD-001-0001", i + 1));
        }
        absl::StatusOr<KeepResult> result = sink->Keep(Events(batch));
        ASSERT_TRUE(result.ok()) << result.status();
        EXPECT_EQ(result->kept + result->duplicates, 10u);
        kept[w] += result->kept;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();

  const std::vector<std::string> ids = IdsInFile(path);
  const std::set<std::string> distinct(ids.begin(), ids.end());
  EXPECT_EQ(ids.size(), 170u);
  EXPECT_EQ(distinct.size(), 170u);
  size_t total = 0;
  for (size_t count : kept) total += count;
  EXPECT_EQ(total, 170u);
}

}  // namespace
}  // namespace trialgate::testing
