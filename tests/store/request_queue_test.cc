// RequestQueue's group formation: what the writer takes, and its linger after a large group.

#include "gateway/store/request_queue.h"

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace trialgate::store {
namespace {

struct Item {
  size_t weight = 1;
  int id = 0;
};

void PushItems(RequestQueue<Item>& queue, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    Item item{1, i};
    ASSERT_TRUE(queue.TryPush(item));
  }
}

std::vector<int> Ids(const std::vector<Item>& group) {
  std::vector<int> ids;
  for (const Item& item : group) ids.push_back(item.id);
  return ids;
}

TEST(RequestQueueTest, TakesWhatIsQueuedInOrderWithinTheBounds) {
  RequestQueue<Item> queue(/*max_requests=*/4, /*max_weight=*/100);
  PushItems(queue, 0, 6);
  EXPECT_EQ(Ids(queue.TakeGroup()), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(Ids(queue.TakeGroup()), (std::vector<int>{4, 5}));
}

TEST(RequestQueueTest, WithoutALingerASmallerGroupFollowsALargeOne) {
  RequestQueue<Item> queue(100, 1000);
  PushItems(queue, 0, 10);
  ASSERT_EQ(queue.TakeGroup().size(), 10u);
  PushItems(queue, 10, 3);
  EXPECT_EQ(queue.TakeGroup().size(), 3u);
}

// The callers of a large group send again as they are answered: the writer waits for as many
// as that group held rather than writing the first few alone.
TEST(RequestQueueTest, AfterALargeGroupTheWriterLingersForAsManyAgain) {
  RequestQueue<Item> queue(100, 1000, std::chrono::seconds(30));
  PushItems(queue, 0, 10);
  ASSERT_EQ(queue.TakeGroup().size(), 10u);
  PushItems(queue, 10, 3);
  std::future<std::vector<Item>> taken =
      std::async(std::launch::async, [&queue] { return queue.TakeGroup(); });
  EXPECT_EQ(taken.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "took 3 without waiting for the rest";
  PushItems(queue, 13, 7);
  ASSERT_EQ(taken.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "still waiting with as many queued as the last group held";
  EXPECT_EQ(Ids(taken.get()), (std::vector<int>{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
}

TEST(RequestQueueTest, TheLingerEndsWithWhatCameAndNeverAfterASmallGroup) {
  RequestQueue<Item> queue(100, 1000, std::chrono::milliseconds(50));
  PushItems(queue, 0, 10);
  ASSERT_EQ(queue.TakeGroup().size(), 10u);
  PushItems(queue, 10, 3);
  EXPECT_EQ(queue.TakeGroup().size(), 3u);  // after the linger: what came
  // The last group held 3: below the linger's threshold, so the next is taken as it is.
  RequestQueue<Item> slow(100, 1000, std::chrono::seconds(30));
  PushItems(slow, 0, 3);
  ASSERT_EQ(slow.TakeGroup().size(), 3u);
  PushItems(slow, 3, 1);
  std::future<std::vector<Item>> taken =
      std::async(std::launch::async, [&slow] { return slow.TakeGroup(); });
  ASSERT_EQ(taken.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(Ids(taken.get()), (std::vector<int>{3}));
}

TEST(RequestQueueTest, StopEndsALinger) {
  RequestQueue<Item> queue(100, 1000, std::chrono::seconds(30));
  PushItems(queue, 0, 10);
  ASSERT_EQ(queue.TakeGroup().size(), 10u);
  PushItems(queue, 10, 2);
  std::future<std::vector<Item>> taken =
      std::async(std::launch::async, [&queue] { return queue.TakeGroup(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  queue.Stop();
  ASSERT_EQ(taken.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(taken.get().size(), 2u);  // what is queued is still written
  EXPECT_TRUE(queue.TakeGroup().empty());
}

}  // namespace
}  // namespace trialgate::store
