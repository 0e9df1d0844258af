#ifndef TRIALGATE_GATEWAY_VALIDATION_ENTRY_ISSUES_H_
#define TRIALGATE_GATEWAY_VALIDATION_ENTRY_ISSUES_H_

#include <cstddef>
#include <vector>

#include "gateway/common/issue.h"

namespace trialgate::validation {

// Where a walk over a resource puts its issues: one list, or, for a Bundle whose entries are
// judged one by one (ResourceValidator::ValidateBundle), one list per entry beside the Bundle's
// own. A walker adds to *current(); stepping into one of the root Bundle's entries it opens an
// EntryScope, so an issue is born in its entry's list rather than sorted there by its path
// afterwards. Not thread-safe: one per walk.
class IssueRouting {
 public:
  // `entries` may be null (no split); else it has one list per entry of the root Bundle.
  IssueRouting(std::vector<Issue>* root, std::vector<std::vector<Issue>>* entries)
      : root_(root), entries_(entries), current_(root) {}

  std::vector<Issue>* current() const { return current_; }

  // The lists themselves, for a pass that collects into lists of its own and merges afterwards.
  std::vector<Issue>* root() const { return root_; }
  std::vector<std::vector<Issue>>* entries() const { return entries_; }

 private:
  friend class EntryScope;
  std::vector<Issue>* root_;
  std::vector<std::vector<Issue>>* entries_;
  std::vector<Issue>* current_;
};

// While alive, the walk's issues go to entry `index` of the root Bundle, when `is_entry` says the
// walk is at a Bundle.entry item. Does nothing when the routing has no split, or when the walk is
// already inside an entry (a Bundle within an entry keeps everything in that entry's list).
class EntryScope {
 public:
  EntryScope(IssueRouting& routing, bool is_entry, size_t index)
      : routing_(routing), saved_(routing.current_) {
    if (is_entry && routing.entries_ != nullptr && routing.current_ == routing.root_ &&
        index < routing.entries_->size()) {
      routing.current_ = &(*routing.entries_)[index];
    }
  }
  ~EntryScope() { routing_.current_ = saved_; }
  EntryScope(const EntryScope&) = delete;
  EntryScope& operator=(const EntryScope&) = delete;

 private:
  IssueRouting& routing_;
  std::vector<Issue>* saved_;
};

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_ENTRY_ISSUES_H_
