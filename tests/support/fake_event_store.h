#ifndef TRIALGATE_TESTS_SUPPORT_FAKE_EVENT_STORE_H_
#define TRIALGATE_TESTS_SUPPORT_FAKE_EVENT_STORE_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/store/event_store.h"

namespace trialgate::testing {

// Records commits; answers them at once with the configured status, each source as new or,
// with `duplicates`, as one stored before.
class FakeEventStore : public store::EventStore {
 public:
  absl::Status commit_status = absl::OkStatus();
  bool duplicates = false;
  std::vector<std::vector<store::SourceWrite>> commits;
  std::map<std::string, std::string> digests;  // source key -> digest, of writes that had one

  void Commit(std::vector<store::SourceWrite> writes, store::CommitCallback done) override {
    store::CommitResult result;
    result.status = commit_status;
    for (const auto& write : writes) {
      auto stored = digests.find(write.source_key);
      if (!write.digest.empty() && stored != digests.end() && stored->second != write.digest) {
        result.status = absl::AlreadyExistsError("different content under " + write.source_key);
      }
    }
    if (result.status.ok()) {
      for (const auto& write : writes) {
        if (!write.digest.empty()) digests.emplace(write.source_key, write.digest);
      }
    }
    if (result.status.ok()) {
      for (const auto& write : writes) {
        store::SourceResult source;
        source.duplicate = duplicates;
        for (const auto& event : write.events) source.event_ids.push_back(event.event_id());
        result.results.push_back(source);
      }
    }
    commits.push_back(std::move(writes));
    done(std::move(result));
  }
  absl::StatusOr<std::unique_ptr<store::EventReader>> OpenReader() override {
    return absl::UnimplementedError("fake");
  }
  uint64_t LastSequence() const override { return 0; }
  bool WaitForSequenceAbove(uint64_t, std::chrono::milliseconds) override { return false; }
  absl::StatusOr<std::unique_ptr<store::Lease>> TryAcquireLease(const std::string&) override {
    return std::unique_ptr<store::Lease>(std::make_unique<store::SoleWriterLease>());
  }
  absl::StatusOr<std::unique_ptr<store::Lease>> TryLockSubject(const std::string&) override {
    return std::unique_ptr<store::Lease>(std::make_unique<store::SoleWriterLease>());
  }
  absl::StatusOr<std::vector<store::EnrollmentRecord>> LoadEnrollments() override {
    return std::vector<store::EnrollmentRecord>{};
  }
  absl::StatusOr<store::EnrollmentChanges> LoadEnrollmentChanges(uint64_t) override {
    return store::EnrollmentChanges{};
  }
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_FAKE_EVENT_STORE_H_
