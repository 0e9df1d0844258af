#include "gateway/security/stream_slots.h"

#include "absl/strings/str_cat.h"

namespace trialgate::security {

absl::StatusOr<std::unique_ptr<StreamSlots::Lease>> StreamSlots::Acquire(const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    size_t& open = open_[key];
    if (open >= max_per_caller_) {
      if (open == 0) open_.erase(key);
      return absl::ResourceExhaustedError(absl::StrCat(
          "'", key, "' already has ", max_per_caller_,
          " streams open, the most one caller may hold (limits.maxStreamsPerCaller): close one "
          "first"));
    }
    ++open;
  }
  return std::make_unique<Lease>(this, key);
}

size_t StreamSlots::open(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(key);
  return it == open_.end() ? 0 : it->second;
}

void StreamSlots::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(key);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace trialgate::security
