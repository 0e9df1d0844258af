#include "gateway/hl7v2/mllp_framer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::hl7v2 {
namespace {

using Kind = MllpEvent::Kind;

const std::string kVt = "\x0b";
const std::string kFs = "\x1c";
const std::string kCr = "\r";

std::string Frame(const std::string& payload) { return kVt + payload + kFs + kCr; }

// The events of feeding `chunks` one after another, as "M:<payload>", "L:<bytes>", "D:<bytes>".
std::vector<std::string> FeedAll(MllpFramer& framer, const std::vector<std::string>& chunks) {
  std::vector<std::string> seen;
  for (const std::string& chunk : chunks) {
    for (MllpEvent& event : framer.Feed(chunk)) {
      switch (event.kind) {
        case Kind::kMessage:
          EXPECT_EQ(event.bytes, event.payload.size());
          seen.push_back("M:" + event.payload);
          break;
        case Kind::kTooLarge: seen.push_back("L:" + std::to_string(event.bytes)); break;
        case Kind::kDiscarded: seen.push_back("D:" + std::to_string(event.bytes)); break;
      }
    }
  }
  return seen;
}

TEST(MllpFramerTest, YieldsOneFramedMessage) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {Frame("MSH|^~\\&|A\rPID|1")}),
              testing::ElementsAre("M:MSH|^~\\&|A\rPID|1"));
  EXPECT_FALSE(framer.in_frame());
}

TEST(MllpFramerTest, JoinsAMessageSplitOverManyReads) {
  MllpFramer framer;
  std::string frame = Frame("MSH|^~\\&|A\rOBX|1|NM|x");
  std::vector<std::string> bytes;
  for (char c : frame) bytes.push_back(std::string(1, c));
  EXPECT_THAT(FeedAll(framer, bytes), testing::ElementsAre("M:MSH|^~\\&|A\rOBX|1|NM|x"));
}

TEST(MllpFramerTest, IsInFrameBetweenReadsOfOneMessage) {
  MllpFramer framer;
  EXPECT_TRUE(framer.Feed(kVt + "MSH|").empty());
  EXPECT_TRUE(framer.in_frame());
  EXPECT_THAT(FeedAll(framer, {"^~\\&" + kFs, kCr}), testing::ElementsAre("M:MSH|^~\\&"));
  EXPECT_FALSE(framer.in_frame());
}

TEST(MllpFramerTest, SplitsSeveralMessagesInOneRead) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {Frame("one") + Frame("two") + Frame("three")}),
              testing::ElementsAre("M:one", "M:two", "M:three"));
}

TEST(MllpFramerTest, EndsAFrameSplitBetweenFsAndCr) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {kVt + "one" + kFs, kCr + kVt + "two" + kFs, kCr}),
              testing::ElementsAre("M:one", "M:two"));
}

TEST(MllpFramerTest, CountsBytesBeforeVtAsDiscarded) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {"junk" + Frame("one")}), testing::ElementsAre("D:4", "M:one"));
  EXPECT_EQ(framer.discarded_since_last_message(), 0u);
}

TEST(MllpFramerTest, AcceptsFsCrLf) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {Frame("one") + "\n" + Frame("two") + "\n"}),
              testing::ElementsAre("M:one", "M:two"));
  // Also when the LF comes in the next read.
  EXPECT_THAT(FeedAll(framer, {kVt + "three" + kFs + kCr, "\n" + Frame("four")}),
              testing::ElementsAre("M:three", "M:four"));
}

TEST(MllpFramerTest, ToleratesFsWithoutCr) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {kVt + "one" + kFs + kVt + "two" + kFs}),
              testing::ElementsAre("M:one", "M:two"));
}

TEST(MllpFramerTest, ReportsAMessageOverTheLimitWithoutKeepingIt) {
  MllpFramer framer(MllpFramerOptions{.max_message_bytes = 10});
  EXPECT_THAT(FeedAll(framer, {Frame("0123456789")}), testing::ElementsAre("M:0123456789"));
  EXPECT_THAT(FeedAll(framer, {kVt + "0123456", "7890", "12" + kFs + kCr + Frame("next")}),
              testing::ElementsAre("L:13", "M:next"));
}

TEST(MllpFramerTest, ReportsTooLargeAtTheEndEvenWhenOneReadHoldsIt) {
  MllpFramer framer(MllpFramerOptions{.max_message_bytes = 4});
  EXPECT_THAT(FeedAll(framer, {Frame("abcdefgh") + Frame("ok")}),
              testing::ElementsAre("L:8", "M:ok"));
}

TEST(MllpFramerTest, DefaultLimitIs16MiB) {
  EXPECT_EQ(MllpFramerOptions().max_message_bytes, 16u * 1024 * 1024);
}

TEST(MllpFramerTest, BoundsGarbageWithoutAnyVt) {
  MllpFramer framer;
  std::string garbage(4096, 'x');
  for (int i = 0; i < 10; ++i) {
    EXPECT_THAT(FeedAll(framer, {garbage}), testing::ElementsAre("D:4096"));
  }
  EXPECT_EQ(framer.discarded_since_last_message(), 40960u);
  EXPECT_FALSE(framer.in_frame());
  EXPECT_THAT(FeedAll(framer, {Frame("one")}), testing::ElementsAre("M:one"));
  EXPECT_EQ(framer.discarded_since_last_message(), 0u);
}

TEST(MllpFramerTest, DiscardsAFrameCutOffByANewVt) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {kVt + "lost" + kVt + "two" + kFs + kCr}),
              testing::ElementsAre("D:5", "M:two"));
}

TEST(MllpFramerTest, YieldsAnEmptyFrame) {
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {Frame("")}), testing::ElementsAre("M:"));
}

TEST(FrameMessageTest, WrapsPayload) {
  absl::StatusOr<std::string> frame = FrameMessage("MSH|^~\\&");
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(*frame, Frame("MSH|^~\\&"));
  MllpFramer framer;
  EXPECT_THAT(FeedAll(framer, {*frame}), testing::ElementsAre("M:MSH|^~\\&"));
}

TEST(FrameMessageTest, RefusesFramingBytesInPayload) {
  EXPECT_EQ(FrameMessage("a" + kFs).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(FrameMessage(kVt).status().message()), testing::HasSubstr("VT"));
}

}  // namespace
}  // namespace trialgate::hl7v2
