#ifndef TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_TIMELINES_H_
#define TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_TIMELINES_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/timeline_state.h"
#include "gateway/store/event_store.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

// How much of the log SubjectTimelines keeps in memory: the parsed events of the subjects read
// most recently, with their last timeline computation, the least recently read dropped first.
// Both bounds hold at once; a subject with more than `events` events is read and computed in
// full every time (never cached). Zero of either: no cache. Default: 1,024 subjects and 10,000
// events in all. A cached event of the KRd mix costs the running server about 4 KB with its
// share of the kept computation (parsed twice, the timeline, the allocator's share: 100,000
// events held 430 MB, docs/performance.md), so some 45 MB at most, which keeps the server
// under 200 MB with 10,000 subjects; a subject through maintenance has about 2,000 events, so
// some 5 such subjects, or 20 in their first year. Others are computed afresh when their
// events arrive (a few ms each).
struct TimelineCacheLimits {
  size_t subjects = 1024;
  size_t events = 10000;
};

// What the cache did since the start (for tests and the benchmark).
struct TimelineCacheStats {
  uint64_t full_reads = 0;   // a subject read from its first event (not cached, or evicted)
  uint64_t delta_reads = 0;  // a cached subject: only events after its last cached one read
  uint64_t appends = 0;      // Refresh: new events added to the kept timeline (timeline_append.h)
  uint64_t rebuilds = 0;     // Refresh: the timeline computed from all of the subject's events
  uint64_t evictions = 0;    // subjects dropped to stay within the limits
  size_t subjects = 0;       // cached now
  size_t events = 0;         // cached now
};

// Computes a subject's timeline from the event store, on the calendar of the subject's site.
//
// Reading a subject costs what is new since it was last read, not its whole history: the
// subject's parsed events are kept (TimelineCacheLimits) with the sequence of the last one, and
// a read asks the store only for the subject's events after it (EventReader::ReadSubjectAfter).
// That is exact because the log is append-only and sequences only grow: every event of the
// subject up to that sequence is already held, and nothing can be added below it. A failed
// read returns the error, never the cached events alone.
//
// Computing a cached subject's timeline again (Refresh, Compute) costs what the new events can
// change when they are lab results that come after everything else (timeline_append.h): the
// last computation is kept with the subject's events and the labs are added to it. Anything
// else (another kind of event, a correction, a late result, a new day) computes the timeline
// from all of the subject's events, as timeline.h must: a late resource can change everything.
//
// Thread-safe: Compute is called from gRPC threads and the deviation worker at once. The cache
// and a small pool of store readers (one reader serves one caller at a time) are guarded by a
// mutex; the store is read and the events copied outside it.
class SubjectTimelines {
 public:
  // `store` and `clock` must outlive this object. `zones`: site id -> time zone (sites not listed
  // use each event's own offset). `clock`: the time missed doses are judged at.
  // `clinical`, when not null, adds what the timeline derives from labs (clinical_rules.h).
  SubjectTimelines(store::EventStore* store, std::shared_ptr<const Schedule> schedule,
                   std::map<std::string, absl::TimeZone> zones, const Clock& clock,
                   std::shared_ptr<const ClinicalRules> clinical = nullptr,
                   TimelineCacheLimits limits = TimelineCacheLimits());
  ~SubjectTimelines();

  // NOT_FOUND when the store holds no event of the subject; UNAVAILABLE when it cannot be read.
  absl::StatusOr<v1::Timeline> Compute(const std::string& subject_id) const;

  // The subject's timeline now (shared, never changed once returned), and its events stored
  // after sequence `after` (for a caller that follows the log, like the deviation recorder),
  // both as of the same read; and what changed since the computation `known` (a `version` an
  // earlier Refresh returned; 0: none), so that the caller can look at that only. Errors as
  // Compute.
  struct Refreshed {
    std::shared_ptr<const v1::Timeline> timeline;
    std::vector<v1::Event> events;  // sequence > after, in sequence order
    uint64_t version = 0;           // of this computation; never reused
    // Since `known`: anything (computed from all events since, or `known` is not of this
    // subject's kept computation), or only what is dated on or after `changed_from`, or nothing
    // (neither set).
    bool all_changed = true;
    std::optional<Date> changed_from;
  };
  absl::StatusOr<Refreshed> Refresh(const std::string& subject_id, uint64_t after,
                                    uint64_t known = 0) const;
  // The two halves of Compute: every stored event of the subject, in sequence order, each with
  // its sequence (none: NOT_FOUND; the same as EventReader::ReadSubject), and the timeline of
  // those events at `now`.
  absl::StatusOr<std::vector<v1::Event>> Read(const std::string& subject_id) const;
  // As Read, but a subject not cached is read from the store and not kept: for a sweep over
  // every subject (the study report), which would otherwise evict the subjects that are being
  // followed (the deviation recorder's kept computations) and free what it filled.
  // The events are parsed onto one arena (store::EventBatch), freed together.
  absl::StatusOr<store::EventBatch> ReadWithoutKeeping(const std::string& subject_id) const;
  v1::Timeline Build(const std::string& subject_id, std::vector<v1::Event> events,
                     absl::Time now) const;
  // As Build, with what the timeline was computed from: the subject's current events
  // (history.events) stay readable beside it, so a caller that needs both (the study report)
  // does not copy `events` first.
  // `list_events`: as BuildTimelineState's.
  std::unique_ptr<TimelineState> BuildState(const std::string& subject_id,
                                            store::EventBatch events, absl::Time now,
                                            bool list_events = true) const;
  // Every subject with events, for sweeps.
  absl::StatusOr<std::vector<std::string>> Subjects() const;
  // The subjects of the events stored after sequence `after`; none when there are more than
  // `at_most` such events (a caller would rather start afresh than read them all).
  absl::StatusOr<std::optional<std::set<std::string>>> SubjectsWithEventsAfter(
      uint64_t after, size_t at_most) const;
  // The calendar a subject's timeline is dated in: its site's (`first`: any event of it).
  SiteCalendar CalendarOf(const v1::Event& first) const;

  const Schedule& schedule() const { return *schedule_; }
  absl::Time Now() const { return clock_.Now(); }
  TimelineCacheStats CacheStats() const;

 private:
  using Events = std::vector<v1::Event>;
  using Chunks = std::vector<std::shared_ptr<const Events>>;
  // The kept computation of a subject: the state computed from its events up to sequence
  // `last`. One Refresh of the subject at a time holds `mu`.
  struct Computed {
    std::mutex mu;
    std::unique_ptr<TimelineState> state;  // guarded by mu
    uint64_t last = 0;                     // guarded by mu
    uint64_t version = 0;                  // of the state; guarded by mu
    uint64_t built = 0;                    // the version computed from all events; guarded by mu
    // Each version since `built` that changed the timeline, and its first changed day.
    std::vector<std::pair<uint64_t, Date>> changes;  // guarded by mu
  };
  // One cached subject: its events up to and including sequence `last`, `count` in all, in
  // sequence order as a few chunks: a read adds what it found new as one more chunk, merged
  // with the chunks before it while they are not at least twice its size, so that a new event
  // is not followed by a copy of the whole history. Chunks are immutable once shared: a reader
  // copies them outside the mutex while another thread replaces the entry.
  struct Cached {
    Chunks chunks;
    size_t count = 0;
    uint64_t last = 0;
    std::list<std::string>::iterator recency;  // into recency_
    std::shared_ptr<Computed> computed;        // dropped with the entry
  };

  // The subject's events as chunks (the cached ones and what is new), the cache updated; the
  // errors of Read.
  absl::StatusOr<Chunks> ReadChunks(const std::string& subject_id) const;
  // The cached subject's kept computation (made when missing); a new one not kept for a subject
  // the cache does not hold.
  std::shared_ptr<Computed> ComputedOf(const std::string& subject_id) const;
  // Keeps `computed` with the subject's cache entry, when there is one without.
  void Keep(const std::string& subject_id, const std::shared_ptr<Computed>& computed) const;

  // A reader from the pool, or a new one; back to the pool with Release (not after an error).
  absl::StatusOr<std::unique_ptr<store::EventReader>> AcquireReader() const;
  void ReleaseReader(std::unique_ptr<store::EventReader> reader) const;
  // Keeps `chunks` (the subject's `count` events up to `last`) unless the cache holds a later
  // read.
  void Remember(const std::string& subject_id, Chunks chunks, size_t count, uint64_t last) const;
  void Forget(const std::string& subject_id) const;
  void EvictToLimits() const;  // mu_ held

  store::EventStore* store_;
  std::shared_ptr<const Schedule> schedule_;
  std::shared_ptr<const ClinicalRules> clinical_;
  std::map<std::string, absl::TimeZone> zones_;
  const Clock& clock_;
  const TimelineCacheLimits limits_;

  mutable std::mutex mu_;
  mutable std::map<std::string, Cached> cache_;            // guarded by mu_
  mutable std::list<std::string> recency_;                 // most recent first; guarded by mu_
  mutable size_t cached_events_ = 0;                       // guarded by mu_
  mutable TimelineCacheStats stats_;                       // counters; guarded by mu_
  mutable std::vector<std::unique_ptr<store::EventReader>> idle_readers_;  // guarded by mu_
  mutable std::atomic<uint64_t> next_version_{1};  // Refreshed::version, unique across subjects
};

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_TIMELINES_H_
