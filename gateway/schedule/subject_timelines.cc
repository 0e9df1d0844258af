#include "gateway/schedule/subject_timelines.h"

#include <iterator>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/schedule/timeline.h"

namespace trialgate::schedule {
namespace {

// Store readers kept open between reads: the deviation worker and a few concurrent gRPC calls.
// Opening one (a SQLite connection and its statements) costs more than reading a new lab.
constexpr size_t kMaxIdleReaders = 4;
// Chunks of one cached subject before they are merged: a merge copies the subject's events once
// more, so this many reads with something new share that copy.
constexpr size_t kMaxChunks = 8;

}  // namespace

SubjectTimelines::SubjectTimelines(store::EventStore* store,
                                   std::shared_ptr<const Schedule> schedule,
                                   std::map<std::string, absl::TimeZone> zones,
                                   const Clock& clock,
                                   std::shared_ptr<const ClinicalRules> clinical,
                                   TimelineCacheLimits limits)
    : store_(store),
      schedule_(std::move(schedule)),
      clinical_(std::move(clinical)),
      zones_(std::move(zones)),
      clock_(clock),
      limits_(limits) {}

SubjectTimelines::~SubjectTimelines() = default;

absl::StatusOr<v1::Timeline> SubjectTimelines::Compute(const std::string& subject_id) const {
  // Read the time first: a commit racing with the read is then judged on the next computation.
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(std::vector<v1::Event> events, Read(subject_id));
  return Build(subject_id, std::move(events), now);
}

absl::StatusOr<std::vector<v1::Event>> SubjectTimelines::Read(const std::string& subject_id) const {
  Chunks chunks;
  size_t count = 0;
  uint64_t last = 0;
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(subject_id); it != cache_.end()) {
      chunks = it->second.chunks;
      count = it->second.count;
      last = it->second.last;
      cached = true;
      recency_.splice(recency_.begin(), recency_, it->second.recency);
      ++stats_.delta_reads;
    } else {
      ++stats_.full_reads;
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<store::EventReader> reader, AcquireReader());
  // Only what is newer than the cached events: all of the subject's events up to `last` are
  // held, and the append-only log cannot gain one below it.
  absl::StatusOr<Events> fresh =
      cached ? reader->ReadSubjectAfter(subject_id, last) : reader->ReadSubject(subject_id);
  // A reader that failed is dropped, not pooled: its connection may be what failed. The error is
  // the answer; the cached events alone would be stale.
  if (!fresh.ok()) return fresh.status();
  ReleaseReader(std::move(reader));
  if (!cached && fresh->empty()) {
    return absl::NotFoundError(absl::StrCat("no events of subject '", subject_id, "'"));
  }

  Events events;
  events.reserve(count + fresh->size());
  for (const std::shared_ptr<const Events>& chunk : chunks) {
    events.insert(events.end(), chunk->begin(), chunk->end());
  }
  if (fresh->empty()) return events;
  const uint64_t new_last = fresh->back().sequence();
  const size_t new_count = count + fresh->size();
  const bool keep = limits_.subjects > 0 && new_count <= limits_.events;
  std::shared_ptr<const Events> fresh_chunk;
  if (keep && chunks.size() < kMaxChunks) fresh_chunk = std::make_shared<const Events>(*fresh);
  std::move(fresh->begin(), fresh->end(), std::back_inserter(events));
  if (keep) {
    if (fresh_chunk != nullptr) {
      chunks.push_back(std::move(fresh_chunk));
    } else {
      chunks = {std::make_shared<const Events>(events)};
    }
    Remember(subject_id, std::move(chunks), new_count, new_last);
  } else if (cached) {
    Forget(subject_id);  // grew above the bound: not worth keeping a part of it
  }
  return events;
}

void SubjectTimelines::Remember(const std::string& subject_id, Chunks chunks, size_t count,
                                uint64_t last) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = cache_.try_emplace(subject_id);
  Cached& entry = it->second;
  if (inserted) {
    recency_.push_front(subject_id);
    entry.recency = recency_.begin();
  } else {
    // A concurrent read of the same subject may have stored a later one: both are exact
    // prefixes of the log, and the longer one is the fresher.
    if (entry.last >= last) return;
    cached_events_ -= entry.count;
    recency_.splice(recency_.begin(), recency_, entry.recency);
  }
  cached_events_ += count;
  entry.chunks = std::move(chunks);
  entry.count = count;
  entry.last = last;
  EvictToLimits();
}

void SubjectTimelines::Forget(const std::string& subject_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(subject_id);
  if (it == cache_.end()) return;
  cached_events_ -= it->second.count;
  recency_.erase(it->second.recency);
  cache_.erase(it);
}

void SubjectTimelines::EvictToLimits() const {
  while (!recency_.empty() &&
         (cache_.size() > limits_.subjects || cached_events_ > limits_.events)) {
    auto it = cache_.find(recency_.back());
    cached_events_ -= it->second.count;
    cache_.erase(it);
    recency_.pop_back();
    ++stats_.evictions;
  }
}

TimelineCacheStats SubjectTimelines::CacheStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  TimelineCacheStats stats = stats_;
  stats.subjects = cache_.size();
  stats.events = cached_events_;
  return stats;
}

absl::StatusOr<std::unique_ptr<store::EventReader>> SubjectTimelines::AcquireReader() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<store::EventReader> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
  }
  return store_->OpenReader();
}

void SubjectTimelines::ReleaseReader(std::unique_ptr<store::EventReader> reader) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(reader));
}

v1::Timeline SubjectTimelines::Build(const std::string& subject_id, std::vector<v1::Event> events,
                                     absl::Time now) const {
  std::optional<absl::TimeZone> zone;
  if (!events.empty()) {
    if (auto it = zones_.find(events.front().site_id()); it != zones_.end()) zone = it->second;
  }
  return BuildTimeline(*schedule_, subject_id, std::move(events), now, SiteCalendar(zone),
                       clinical_.get());
}

absl::StatusOr<std::vector<std::string>> SubjectTimelines::Subjects() const {
  ASSIGN_OR_RETURN(std::unique_ptr<store::EventReader> reader, AcquireReader());
  absl::StatusOr<std::vector<std::string>> subjects = reader->ListSubjects();
  if (subjects.ok()) ReleaseReader(std::move(reader));
  return subjects;
}

}  // namespace trialgate::schedule
