#include "gateway/schedule/subject_timelines.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/schedule/timeline.h"
#include "gateway/schedule/timeline_append.h"

namespace trialgate::schedule {
namespace {

// Store readers kept open between reads: the deviation worker and a few concurrent gRPC calls.
// Opening one (a SQLite connection and its statements) costs more than reading a new lab.
constexpr size_t kMaxIdleReaders = 4;

using Events = std::vector<v1::Event>;

Events Concat(const std::vector<std::shared_ptr<const Events>>& chunks) {
  size_t count = 0;
  for (const auto& chunk : chunks) count += chunk->size();
  Events events;
  events.reserve(count);
  for (const auto& chunk : chunks) events.insert(events.end(), chunk->begin(), chunk->end());
  return events;
}

// The same, onto one arena: what a timeline is built from.
store::EventBatch ConcatBatch(const std::vector<std::shared_ptr<const Events>>& chunks) {
  store::EventBatch batch;
  for (const auto& chunk : chunks) {
    for (const v1::Event& event : *chunk) batch.Add(event);
  }
  return batch;
}

// The events of `chunks` (in sequence order) with a sequence above `after`.
Events EventsAfter(const std::vector<std::shared_ptr<const Events>>& chunks, uint64_t after) {
  Events events;
  for (const auto& chunk : chunks) {
    if (chunk->empty() || chunk->back().sequence() <= after) continue;
    auto from = std::upper_bound(
        chunk->begin(), chunk->end(), after,
        [](uint64_t sequence, const v1::Event& event) { return sequence < event.sequence(); });
    events.insert(events.end(), from, chunk->end());
  }
  return events;
}

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
  ASSIGN_OR_RETURN(Refreshed refreshed,
                   Refresh(subject_id, std::numeric_limits<uint64_t>::max()));
  return *refreshed.timeline;
}

absl::StatusOr<SubjectTimelines::Refreshed> SubjectTimelines::Refresh(
    const std::string& subject_id, uint64_t after, uint64_t known) const {
  // Read the time first: a commit racing with the read is then judged on the next computation.
  const absl::Time now = clock_.Now();
  std::shared_ptr<Computed> computed = ComputedOf(subject_id);
  std::lock_guard<std::mutex> hold(computed->mu);
  ASSIGN_OR_RETURN(Chunks chunks, ReadChunks(subject_id));
  const v1::Event& first = chunks.front()->front();
  const uint64_t last = chunks.back()->back().sequence();
  const SiteCalendar calendar = CalendarOf(first);
  Refreshed out;
  out.events = EventsAfter(chunks, after);
  bool appended = false;
  if (computed->state != nullptr && computed->last <= last) {
    appended = AppendLabs(*schedule_, clinical_.get(), calendar,
                          EventsAfter(chunks, computed->last), now, computed->state.get());
  }
  computed->version = next_version_++;
  if (!appended) {
    computed->state = BuildTimelineState(*schedule_, subject_id, ConcatBatch(chunks), now, calendar,
                                         clinical_.get());
    computed->built = computed->version;
    computed->changes.clear();
  } else if (computed->state->changed_from) {
    computed->changes.emplace_back(computed->version, *computed->state->changed_from);
  }
  computed->last = last;
  out.timeline = computed->state->timeline;
  out.version = computed->version;
  out.all_changed = known == 0 || known < computed->built || known > computed->version;
  if (!out.all_changed) {
    for (const auto& [version, from] : computed->changes) {
      if (version > known && (!out.changed_from || from < *out.changed_from)) {
        out.changed_from = from;
      }
    }
  }
  Keep(subject_id, computed);  // a subject read for the first time: now in the cache
  std::lock_guard<std::mutex> lock(mu_);
  ++(appended ? stats_.appends : stats_.rebuilds);
  return out;
}

absl::StatusOr<std::vector<v1::Event>> SubjectTimelines::Read(const std::string& subject_id) const {
  ASSIGN_OR_RETURN(Chunks chunks, ReadChunks(subject_id));
  return Concat(chunks);
}

absl::StatusOr<store::EventBatch> SubjectTimelines::ReadWithoutKeeping(
    const std::string& subject_id) const {
  bool cached;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cached = cache_.count(subject_id) != 0;
  }
  if (cached) {  // what is new since, kept as every read keeps it
    ASSIGN_OR_RETURN(Chunks chunks, ReadChunks(subject_id));
    return ConcatBatch(chunks);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<store::EventReader> reader, AcquireReader());
  store::EventBatch events;
  // A reader that failed is dropped, as in ReadChunks.
  RETURN_IF_ERROR(reader->ReadSubjectInto(subject_id, &events));
  ReleaseReader(std::move(reader));
  if (events.empty()) {
    return absl::NotFoundError(absl::StrCat("no events of subject '", subject_id, "'"));
  }
  return events;
}

absl::StatusOr<SubjectTimelines::Chunks> SubjectTimelines::ReadChunks(
    const std::string& subject_id) const {
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
  if (fresh->empty()) return chunks;
  const uint64_t new_last = fresh->back().sequence();
  const size_t new_count = count + fresh->size();
  chunks.push_back(std::make_shared<const Events>(*std::move(fresh)));
  if (limits_.subjects > 0 && new_count <= limits_.events) {
    // Each chunk kept at least twice the size of the next (a binary counter): a subject has a
    // few chunks (log2 of its events) and each event is copied a few times over its life, where
    // merging everything every few reads would copy the whole history each time.
    while (chunks.size() >= 2 && chunks[chunks.size() - 2]->size() < 2 * chunks.back()->size()) {
      auto merged = std::make_shared<const Events>(
          Concat({chunks[chunks.size() - 2], chunks.back()}));
      chunks.pop_back();
      chunks.back() = std::move(merged);
    }
    Remember(subject_id, chunks, new_count, new_last);
  } else if (cached) {
    Forget(subject_id);  // grew above the bound: not worth keeping a part of it
  }
  return chunks;
}

std::shared_ptr<SubjectTimelines::Computed> SubjectTimelines::ComputedOf(
    const std::string& subject_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(subject_id);
  if (it == cache_.end()) return std::make_shared<Computed>();
  if (it->second.computed == nullptr) it->second.computed = std::make_shared<Computed>();
  return it->second.computed;
}

void SubjectTimelines::Keep(const std::string& subject_id,
                            const std::shared_ptr<Computed>& computed) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(subject_id);
  if (it != cache_.end() && it->second.computed == nullptr) it->second.computed = computed;
}

SiteCalendar SubjectTimelines::CalendarOf(const v1::Event& first) const {
  std::optional<absl::TimeZone> zone;
  if (auto it = zones_.find(first.site_id()); it != zones_.end()) zone = it->second;
  return SiteCalendar(zone);
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
  return std::move(*BuildState(subject_id, store::EventBatch(events), now)->timeline);
}

std::unique_ptr<TimelineState> SubjectTimelines::BuildState(const std::string& subject_id,
                                                            store::EventBatch events,
                                                            absl::Time now,
                                                            bool list_events) const {
  const SiteCalendar calendar =
      events.empty() ? SiteCalendar(std::nullopt) : CalendarOf(events.front());
  return BuildTimelineState(*schedule_, subject_id, std::move(events), now, calendar,
                            clinical_.get(), list_events);
}

absl::StatusOr<std::optional<std::set<std::string>>> SubjectTimelines::SubjectsWithEventsAfter(
    uint64_t after, size_t at_most) const {
  ASSIGN_OR_RETURN(std::unique_ptr<store::EventReader> reader, AcquireReader());
  std::set<std::string> subjects;
  size_t seen = 0;
  while (true) {
    absl::StatusOr<std::vector<v1::Event>> page = reader->ReadAfter(after, 1000);
    if (!page.ok()) return page.status();  // the reader is dropped, as in ReadChunks
    if (page->empty()) break;
    seen += page->size();
    if (seen > at_most) {
      ReleaseReader(std::move(reader));
      return std::nullopt;
    }
    for (const v1::Event& event : *page) {
      if (!event.subject_id().empty()) subjects.insert(event.subject_id());
    }
    after = page->back().sequence();
  }
  ReleaseReader(std::move(reader));
  return subjects;
}

absl::StatusOr<std::vector<std::string>> SubjectTimelines::Subjects() const {
  ASSIGN_OR_RETURN(std::unique_ptr<store::EventReader> reader, AcquireReader());
  absl::StatusOr<std::vector<std::string>> subjects = reader->ListSubjects();
  if (subjects.ok()) ReleaseReader(std::move(reader));
  return subjects;
}

}  // namespace trialgate::schedule
