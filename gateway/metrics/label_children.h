#ifndef TRIALGATE_GATEWAY_METRICS_LABEL_CHILDREN_H_
#define TRIALGATE_GATEWAY_METRICS_LABEL_CHILDREN_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "absl/strings/string_view.h"

namespace trialgate::metrics {

// The children of one metric family, one per tuple of label values, made on first use and never
// removed, so a pointer handed out stays valid as long as the family. A lookup takes a mutex and
// hashes the values; once a thread's key buffer has grown, a lookup of an existing child
// allocates nothing. Thread-safe.
template <typename Child>
class LabelChildren {
 public:
  struct Entry {
    std::vector<std::string> label_values;
    std::unique_ptr<Child> child;
  };

  // The child of `label_values`, made by `make()` if new. REQUIRES: as many values as the
  // family has label names (the caller checks).
  template <typename Make>
  Child* Get(absl::Span<const absl::string_view> label_values, const Make& make) {
    // Each value's length before its bytes: no two tuples share a key, whatever they contain.
    thread_local std::string key;
    key.clear();
    for (absl::string_view value : label_values) {
      const uint32_t size = static_cast<uint32_t>(value.size());
      key.append(reinterpret_cast<const char*>(&size), sizeof(size));
      key.append(value.data(), value.size());
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(absl::string_view(key));
    if (it != index_.end()) return entries_[it->second].child.get();
    Entry& entry = entries_.emplace_back();
    entry.label_values.reserve(label_values.size());
    for (absl::string_view value : label_values) entry.label_values.emplace_back(value);
    entry.child = make();
    index_.emplace(key, entries_.size() - 1);
    return entry.child.get();
  }

  // Calls `visit(label_values, child)` for each child, in the order they were made.
  template <typename Visit>
  void ForEach(const Visit& visit) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Entry& entry : entries_) visit(entry.label_values, *entry.child);
  }

 private:
  mutable std::mutex mu_;
  std::vector<Entry> entries_;                          // guarded by mu_
  absl::flat_hash_map<std::string, size_t> index_;      // guarded by mu_; key -> entries_ index
};

}  // namespace trialgate::metrics

#endif  // TRIALGATE_GATEWAY_METRICS_LABEL_CHILDREN_H_
