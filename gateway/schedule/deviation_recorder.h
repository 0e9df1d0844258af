#ifndef TRIALGATE_GATEWAY_SCHEDULE_DEVIATION_RECORDER_H_
#define TRIALGATE_GATEWAY_SCHEDULE_DEVIATION_RECORDER_H_

// Writes the schedule engine's deviations (findings of severity WARNING and above; INFO findings
// stay on the timeline) into the event log, once each, so that the warehouse and the registries
// see them as events: a ProtocolDeviation DETECTED when a finding appears,
// WITHDRAWN when a later computation no longer finds it (a corrected resource, a late report),
// DETECTED again (next generation) if it comes back; the same for what the timeline derives
// from labs (a ToxicityGraded per lab result and term, a ResponseAssessed per change of derived
// category or confirmation; a withdrawal repeats the payload with `withdrawn` set); and one
// StemCellHarvest event when the harvest first succeeds.
//
// Why this cannot duplicate: an event's id derives from (subject, finding key, status,
// generation), and the store takes an id's source key once. Recomputing after a restart, a
// resubmission or a second trigger writes nothing new. One worker thread derives one subject
// at a time, so two derivations of a subject never race in one gateway; among replicas sharing a
// store, a derivation holds the subject's lock (EventStore::TryLockSubject) from reading it to
// its writes being durable, and a replica that finds it taken tries again shortly. Only the
// holder of the "sweep" lease sweeps; each replica derives the subjects its own commits change.
//
// What is already recorded is read from the log once per subject and then followed: each
// derivation reads only the subject's events stored since the last (SubjectTimelines::Refresh),
// for the subjects derived most recently (kRecordsKept).

#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/metrics/gateway_metrics.h"
#include "gateway/schedule/subject_timelines.h"
#include "gateway/store/event_store.h"
#include "gateway/store/subject_change_listener.h"

namespace trialgate::schedule {

// The system id derived events carry as source.system.
inline constexpr char kDerivedSystem[] = "trialgate";

class DeviationRecorder final : public store::SubjectChangeListener {
 public:
  // `timelines` and `store` must outlive the recorder. A `sweep_interval` above zero re-derives
  // every subject that often (time passing makes doses missed and cycles late), and once at
  // start; zero: only on SubjectChanged and SweepAll. A changed subject is derived `delay` after
  // its first change notice, so that a burst of commits (a bulk feed) shares one derivation.
  // `metrics`, when not null, counts each ProtocolDeviation newly appended; it must outlive the
  // recorder.
  DeviationRecorder(const SubjectTimelines* timelines, store::EventStore* store,
                    std::chrono::seconds sweep_interval,
                    std::chrono::milliseconds delay = std::chrono::milliseconds(0),
                    metrics::GatewayMetrics* metrics = nullptr);
  // Stops (see Stop).
  ~DeviationRecorder() override;

  // Queues a derivation of the subject (new data arrived). Never blocks; thread-safe; a no-op
  // after Stop.
  void SubjectChanged(const std::string& subject_id) override;
  // Queues every subject. Thread-safe.
  void SweepAll();
  // Blocks until nothing is queued or being derived. For tests and orderly shutdown.
  void WaitIdle();
  // Finishes the subject in hand, drops the queue and joins the worker. Idempotent.
  void Stop();

  // Derives one subject now, on the calling thread, and writes what is new. Not thread-safe
  // against the worker: for tests that run without one (sweep_interval zero, nothing queued).
  absl::Status Derive(const std::string& subject_id);

 private:
  void Run();
  struct SubjectRecords;  // what the subject's log says is recorded (deviation_recorder.cc)
  // The subject's records, brought up to date with `events` (its events stored since).
  SubjectRecords& RecordsOf(const std::string& subject_id);
  // Derives the subject under its lock among replicas; false when another replica holds it (or
  // the lock cannot be had), to be tried again.
  bool DeriveLocked(const std::string& subject_id);
  // Whether this replica holds the sweep's lease, acquiring it if free (the worker's).
  bool HoldSweepLease();
  // Commits `writes` and waits until durable; what became of each.
  absl::StatusOr<std::vector<store::SourceResult>> Write(std::vector<store::SourceWrite> writes);

  const SubjectTimelines* timelines_;
  store::EventStore* store_;
  metrics::GatewayMetrics* const metrics_;
  const std::chrono::seconds sweep_interval_;
  const std::chrono::milliseconds delay_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  // Subjects to derive and when (steady clock); a subject is queued once. Guarded by mu_.
  std::map<std::string, std::chrono::steady_clock::time_point> queue_;
  bool busy_ = false;                 // guarded by mu_
  bool sweep_due_ = false;            // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::thread worker_;
  std::unique_ptr<store::Lease> sweep_lease_;  // the worker's

  // Only Derive touches these (the worker, or a test without one).
  std::map<std::string, std::unique_ptr<SubjectRecords>> records_;
  std::list<std::string> records_recency_;  // most recent first
};

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_DEVIATION_RECORDER_H_
