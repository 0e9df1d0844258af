// Limits per caller: the request rate (token bucket) and open streams.
#include "gateway/security/rate_limiter.h"
#include "gateway/security/stream_slots.h"
#include "gateway/security/identity.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::security {
namespace {

using ::testing::HasSubstr;
using Clock = RateLimiter::Clock;

TEST(RateLimiterTest, AllowsTheBurstThenTheRateAndKeepsCallersApart) {
  RateLimiter limiter(/*per_second=*/10, /*burst=*/3);
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire("a", t0)) << i;
  EXPECT_FALSE(limiter.TryAcquire("a", t0));
  EXPECT_TRUE(limiter.TryAcquire("b", t0));  // another identity has its own bucket
  EXPECT_FALSE(limiter.TryAcquire("a", t0 + std::chrono::milliseconds(50)));
  EXPECT_TRUE(limiter.TryAcquire("a", t0 + std::chrono::milliseconds(100)));  // one token back
  EXPECT_FALSE(limiter.TryAcquire("a", t0 + std::chrono::milliseconds(100)));
  // A long pause refills to the burst, not beyond.
  const Clock::time_point later = t0 + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire("a", later)) << i;
  EXPECT_FALSE(limiter.TryAcquire("a", later));
}

TEST(StreamSlotsTest, RefusesOverTheLimitAndGivesSlotsBack) {
  StreamSlots slots(2);
  auto first = slots.Acquire("w");
  auto second = slots.Acquire("w");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  auto third = slots.Acquire("w");
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(), HasSubstr("maxStreamsPerCaller"));
  EXPECT_TRUE(slots.Acquire("other").ok());  // its own count
  first->reset();
  EXPECT_EQ(slots.open("w"), 1u);
  EXPECT_TRUE(slots.Acquire("w").ok());
  EXPECT_EQ(slots.open("w"), 1u);  // the lease above ended with its statement
}

TEST(IdentityTest, MatchesBySubjectOrSubjectAlternativeName) {
  const std::vector<Identity> identities = {
      {"site-a", "CN=site-a,O=Trial", "", {Role::kSite}, "site-a"},
      {"warehouse", "", "warehouse.example", {Role::kWarehouse}, ""},
  };
  EXPECT_EQ(MatchIdentity(identities, {"CN=site-a,O=Trial", {}})->name, "site-a");
  EXPECT_EQ(MatchIdentity(identities, {"CN=x", {"a.example", "warehouse.example"}})->name,
            "warehouse");
  // Near misses are strangers: a subject is compared whole, not as a prefix or a component.
  EXPECT_EQ(MatchIdentity(identities, {"CN=site-a", {}}), nullptr);
  EXPECT_EQ(MatchIdentity(identities, {"CN=site-a,O=Trial,OU=x", {}}), nullptr);
  EXPECT_EQ(MatchIdentity(identities, {"", {"warehouse.example.evil"}}), nullptr);
}

}  // namespace
}  // namespace trialgate::security
