// The registry of a gateway whose store other replicas write too: it learns their enrolments
// before it answers "not enrolled" and before it checks an enrolment.
#include "gateway/identity/enrollment_registry.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_event_store.h"

namespace trialgate::identity {
namespace {

using ::testing::HasSubstr;

// A store whose enrolment changes the test writes, as another replica would; counts the reads.
class SharedStore : public testing::FakeEventStore {
 public:
  absl::StatusOr<store::EnrollmentChanges> LoadEnrollmentChanges(uint64_t mark) override {
    ++reads;
    if (!status.ok()) return status;
    store::EnrollmentChanges changes;
    changes.mark = mark;
    for (size_t i = 0; i < written.size(); ++i) {
      if (i + 1 >= mark) changes.records.push_back(written[i]);  // marks are 1-based rows
      changes.mark = std::max<uint64_t>(changes.mark, i + 1);
    }
    return changes;
  }

  std::vector<store::EnrollmentRecord> written;
  absl::Status status;
  int reads = 0;
};

TEST(EnrollmentRegistryTest, FindsAPatientAnotherReplicaEnrolledAfterItLoaded) {
  SharedStore store;
  store.written.push_back({"site-a", "hmac-1", "KRD-001", "on-study", "2024-01-10"});
  EnrollmentRegistry registry;
  ASSERT_TRUE(registry.FollowStore(&store).ok());
  EXPECT_EQ(registry.Find("site-a", "hmac-1").value(), "KRD-001");
  const int reads = store.reads;
  EXPECT_EQ(registry.Find("site-a", "hmac-1").value(), "KRD-001");
  EXPECT_EQ(store.reads, reads) << "a patient known here needs no read";

  store.written.push_back({"site-b", "hmac-2", "KRD-002", "on-study", "2024-01-11"});
  EXPECT_EQ(registry.Find("site-b", "hmac-2").value(), "KRD-002");
  EXPECT_EQ(registry.SiteOf("KRD-002"), "site-b");
  EXPECT_EQ(registry.Find("site-b", "nobody").value(), std::nullopt);
}

TEST(EnrollmentRegistryTest, ChecksAnEnrolmentAgainstWhatOtherReplicasEnrolled) {
  SharedStore store;
  EnrollmentRegistry registry;
  ASSERT_TRUE(registry.FollowStore(&store).ok());
  store.written.push_back({"site-a", "hmac-1", "KRD-001", "on-study", "2024-01-10"});
  absl::Status twice = registry.CheckConsistent({"site-a", "hmac-1", "KRD-009", "on-study", ""});
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(twice.message(),
              HasSubstr("already enrolled at site site-a as study subject KRD-001"));
  EXPECT_EQ(registry.CheckConsistent({"site-b", "hmac-7", "KRD-001", "on-study", ""}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(registry.CheckConsistent({"site-a", "hmac-1", "KRD-001", "withdrawn", ""}).ok());
}

TEST(EnrollmentRegistryTest, AnUnreadableStoreIsNeitherAnEnrolmentNorAConflict) {
  SharedStore store;
  EnrollmentRegistry registry;
  ASSERT_TRUE(registry.FollowStore(&store).ok());
  store.status = absl::UnavailableError("database away");
  // Not "not enrolled": the sender would take it for an answer.
  EXPECT_EQ(registry.Find("site-a", "hmac-1").status().code(), absl::StatusCode::kUnavailable);
  // Without the other replicas' enrolments no check can be trusted: the submission waits.
  EXPECT_EQ(registry.CheckConsistent({"site-a", "hmac-1", "KRD-001", "on-study", ""}).code(),
            absl::StatusCode::kUnavailable);
}

TEST(EnrollmentRegistryTest, WithoutAStoreTheRegistryIsAllThereIs) {
  EnrollmentRegistry registry;
  registry.Register({"site-a", "hmac-1", "KRD-001", "on-study", "2024-01-10"});
  EXPECT_EQ(registry.Find("site-a", "hmac-1").value(), "KRD-001");
  EXPECT_EQ(registry.Find("site-a", "hmac-2").value(), std::nullopt);
  EXPECT_TRUE(registry.CheckConsistent({"site-b", "hmac-2", "KRD-002", "on-study", ""}).ok());
}

}  // namespace
}  // namespace trialgate::identity
