#include "gateway/schedule/deviation_recorder.h"

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/identity/source_identity.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/subject_history.h"
#include "google/protobuf/util/time_util.h"
#include "spdlog/spdlog.h"

namespace trialgate::schedule {
namespace {

// The generation and status in a derived record's version ("detected-2", "withdrawn-0");
// nullopt for records written once (a harvest outcome: "1").
std::optional<std::pair<uint32_t, bool>> ParseRecordVersion(const std::string& version) {
  uint32_t generation = 0;
  for (const bool withdrawn : {false, true}) {
    const absl::string_view prefix = withdrawn ? "withdrawn-" : "detected-";
    if (absl::StartsWith(version, prefix) &&
        absl::SimpleAtoi(absl::string_view(version).substr(prefix.size()), &generation)) {
      return std::make_pair(generation, withdrawn);
    }
  }
  return std::nullopt;
}

// How many subjects' records are kept between derivations; another is read from its log again.
constexpr size_t kRecordsKept = 1024;

// When a subject another replica is deriving is tried again.
constexpr std::chrono::milliseconds kLockedRetry(200);

// What the log says about one derived record key (a deviation, a lab grade, a derived response).
struct Recorded {
  int64_t rank = -1;  // generation * 2, + 1 when withdrawn: the latest record wins
  uint32_t generation = 0;
  bool active = false;
  bool deviation = false;
  std::string about_date;  // the day of what it records: a finding's, a lab's, an assessment's
  std::string code;   // a deviation: the finding code it was detected with
  v1::Event payload;  // a lab grade or response: its last DETECTED payload, for a withdrawal
};

// A lab grade or derived response the timeline holds, as the record it would be.
struct Wanted {
  std::string key;
  std::string date;
  v1::Event event;  // payload (with its key) and position
};

// Fills the position of each item from the timeline's place of its lab event. From the end:
// what is new to record is mostly recent.
void PlaceOnTimeline(const v1::Timeline& timeline,
                     std::vector<std::pair<Wanted, std::string>>* items) {
  std::map<std::string, std::vector<Wanted*>> by_lab;
  for (auto& [item, lab_event_id] : *items) {
    if (!lab_event_id.empty()) by_lab[lab_event_id].push_back(&item);
  }
  for (int i = timeline.events_size() - 1; i >= 0 && !by_lab.empty(); --i) {
    const v1::TimelineEvent& event = timeline.events(i);
    auto it = by_lab.find(event.event_id());
    if (it == by_lab.end()) continue;
    for (Wanted* item : it->second) *item->event.mutable_position() = event.position();
    by_lab.erase(it);
  }
}

// The first entry of `list` (by date) dated on or after `from` ("": the first).
template <typename List>
int FirstFrom(const List& list, const std::string& from) {
  return static_cast<int>(
      std::lower_bound(list.begin(), list.end(), from,
                       [](const auto& entry, const std::string& day) { return entry.date() < day; }) -
      list.begin());
}

// The lab grades and derived responses of the timeline dated on or after `from` ("": all) not
// recorded as active (each key also goes into `found`).
std::vector<Wanted> WantedDerivations(const v1::Timeline& timeline, const std::string& from,
                                      const std::map<std::string, Recorded>& recorded,
                                      std::set<std::string>* found) {
  auto is_new = [&](const std::string& key) {
    if (!found->insert(key).second) return false;
    auto it = recorded.find(key);
    return it == recorded.end() || !it->second.active;
  };
  std::vector<std::pair<Wanted, std::string>> items;  // with the lab event it is placed by
  for (int i = FirstFrom(timeline.toxicities(), from); i < timeline.toxicities_size(); ++i) {
    const v1::TimelineToxicity& toxicity = timeline.toxicities(i);
    if (toxicity.origin() != "lab") continue;
    std::string key = absl::StrCat("toxicity|", toxicity.event_id(), "|", toxicity.meddra_code());
    if (!is_new(key)) continue;
    auto& [item, lab] = items.emplace_back();
    item.key = std::move(key);
    item.date = toxicity.date();
    *item.event.mutable_toxicity_graded() = toxicity.lab();
    item.event.mutable_toxicity_graded()->set_key(item.key);
    lab = toxicity.event_id();
  }
  // One record per change of (category, confirmed), in assessment order.
  auto state_of = [](const v1::ResponseAssessed& derived) {
    return absl::StrCat(derived.category(), "|", derived.confirmed() ? "confirmed" : "unconfirmed");
  };
  auto recordable = [](const v1::TimelineResponse& response) {
    return response.origin() == "derived" && response.response().category() != "NE";
  };
  const int first = FirstFrom(timeline.responses(), from);
  std::string previous;  // the state before `from`
  for (int i = first - 1; i >= 0 && previous.empty(); --i) {
    if (recordable(timeline.responses(i))) previous = state_of(timeline.responses(i).response());
  }
  for (int i = first; i < timeline.responses_size(); ++i) {
    const v1::TimelineResponse& response = timeline.responses(i);
    const v1::ResponseAssessed& derived = response.response();
    if (!recordable(response)) continue;
    const std::string state = state_of(derived);
    if (state == previous) continue;
    previous = state;
    std::string key = absl::StrCat("response|", derived.assessment_date(), "|", state);
    if (!is_new(key)) continue;
    auto& [item, lab] = items.emplace_back();
    item.key = std::move(key);
    item.date = derived.confirmed() ? derived.response_date() : derived.assessment_date();
    *item.event.mutable_response_assessed() = derived;
    item.event.mutable_response_assessed()->set_key(item.key);
    if (derived.evidence_event_ids_size() > 0) lab = derived.evidence_event_ids(0);
  }
  PlaceOnTimeline(timeline, &items);
  std::vector<Wanted> wanted;
  for (auto& [item, lab] : items) wanted.push_back(std::move(item));
  return wanted;
}

// The payload of `detected` marked withdrawn.
void CopyWithdrawn(const v1::Event& detected, v1::Event* event) {
  if (detected.has_toxicity_graded()) {
    *event->mutable_toxicity_graded() = detected.toxicity_graded();
    event->mutable_toxicity_graded()->set_withdrawn(true);
  } else if (detected.has_response_assessed()) {
    *event->mutable_response_assessed() = detected.response_assessed();
    event->mutable_response_assessed()->set_withdrawn(true);
  }
}

// A derived event with its deterministic id, as one SourceWrite.
class DerivedWrite {
 public:
  DerivedWrite(const v1::Timeline& timeline, const std::string& logical_id,
               const std::string& version, const std::string& date, absl::Time now) {
    write_.source_key = identity::SourceKey(kDerivedSystem, kDerivedResourceType, logical_id,
                                            version, "");
    v1::Event& event = write_.events.emplace_back();
    event.set_event_id(identity::EventId(write_.source_key, 0));
    event.set_study_id(timeline.study_id());
    event.set_subject_id(timeline.subject_id());
    event.set_site_id(timeline.site_id());
    event.mutable_source()->set_system(kDerivedSystem);
    event.mutable_source()->set_resource_type(kDerivedResourceType);
    event.mutable_source()->set_logical_id(logical_id);
    event.mutable_source()->set_version_id(version);
    event.set_occurred_at_fhir(date);
    if (const std::optional<Date> day = ParseDate(date)) {
      event.mutable_occurred_at()->set_seconds(
          absl::ToUnixSeconds(absl::FromCivil(*day, absl::UTCTimeZone())));
    }
    event.mutable_recorded_at()->set_seconds(absl::ToUnixSeconds(now));
  }
  v1::Event& event() { return write_.events.front(); }
  store::SourceWrite Take() { return std::move(write_); }

 private:
  store::SourceWrite write_;
};

}  // namespace

struct DeviationRecorder::SubjectRecords {
  uint64_t last = 0;  // the last sequence read
  // The timeline version (SubjectTimelines::Refreshed) whose records are all written; 0: none.
  uint64_t settled = 0;
  std::map<std::string, Recorded> recorded;  // by record key
  std::set<std::string> harvests;            // logical ids of harvest outcomes recorded
  std::list<std::string>::iterator recency;  // into records_recency_

  // Notes one event of the subject's log.
  void Note(const v1::Event& event, const std::string& prefix) {
    last = std::max(last, event.sequence());
    if (event.source().resource_type() != kDerivedResourceType) return;
    const std::string& logical_id = event.source().logical_id();
    if (event.has_stem_cell_harvest()) harvests.insert(logical_id);
    const auto version = ParseRecordVersion(event.source().version_id());
    if (!version || !absl::StartsWith(logical_id, prefix)) return;
    const auto [generation, withdrawn] = *version;
    const int64_t rank = int64_t{generation} * 2 + (withdrawn ? 1 : 0);
    Recorded& entry = recorded[logical_id.substr(prefix.size())];
    if (rank <= entry.rank) return;
    entry.rank = rank;
    entry.generation = generation;
    entry.active = !withdrawn;
    if (withdrawn) return;
    entry.about_date = event.has_response_assessed() ? event.response_assessed().assessment_date()
                                                     : event.occurred_at_fhir();
    entry.deviation = event.has_protocol_deviation();
    if (entry.deviation) entry.code = event.protocol_deviation().finding().code();
    entry.payload.Clear();
    if (event.has_toxicity_graded()) {
      *entry.payload.mutable_toxicity_graded() = event.toxicity_graded();
    } else if (event.has_response_assessed()) {
      *entry.payload.mutable_response_assessed() = event.response_assessed();
    }
  }
};

DeviationRecorder::SubjectRecords& DeviationRecorder::RecordsOf(const std::string& subject_id) {
  auto [it, inserted] = records_.try_emplace(subject_id);
  if (inserted) {
    it->second = std::make_unique<SubjectRecords>();
    records_recency_.push_front(subject_id);
    it->second->recency = records_recency_.begin();
    while (records_.size() > kRecordsKept) {
      records_.erase(records_recency_.back());
      records_recency_.pop_back();
    }
  } else {
    records_recency_.splice(records_recency_.begin(), records_recency_, it->second->recency);
  }
  return *it->second;
}

DeviationRecorder::DeviationRecorder(const SubjectTimelines* timelines, store::EventStore* store,
                                     std::chrono::seconds sweep_interval,
                                     std::chrono::milliseconds delay,
                                     metrics::GatewayMetrics* metrics)
    : timelines_(timelines),
      store_(store),
      metrics_(metrics),
      sweep_interval_(sweep_interval),
      delay_(delay) {
  sweep_due_ = sweep_interval_.count() > 0;  // after a restart, time has passed
  worker_ = std::thread(&DeviationRecorder::Run, this);
}

DeviationRecorder::~DeviationRecorder() { Stop(); }  // records_ needs SubjectRecords here

void DeviationRecorder::SubjectChanged(const std::string& subject_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || subject_id.empty()) return;
  if (queue_.emplace(subject_id, std::chrono::steady_clock::now() + delay_).second) {
    work_cv_.notify_one();
  }
}

void DeviationRecorder::SweepAll() {
  std::lock_guard<std::mutex> lock(mu_);
  sweep_due_ = true;
  work_cv_.notify_one();
}

void DeviationRecorder::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return stopping_ || (queue_.empty() && !busy_ && !sweep_due_); });
}

void DeviationRecorder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  work_cv_.notify_one();
  idle_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void DeviationRecorder::Run() {
  using Clock = std::chrono::steady_clock;
  const bool periodic = sweep_interval_.count() > 0;
  Clock::time_point next_sweep = Clock::now() + sweep_interval_;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // The subject due first, if any.
    auto due = std::min_element(queue_.begin(), queue_.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;
    });
    Clock::time_point wake = Clock::time_point::max();
    if (periodic) wake = next_sweep;
    if (due != queue_.end()) wake = std::min(wake, due->second);
    if (stopping_) break;
    if (!sweep_due_ && (due == queue_.end() || due->second > Clock::now())) {
      if (due == queue_.end()) idle_cv_.notify_all();
      if (wake == Clock::time_point::max()) {
        work_cv_.wait(lock);
      } else if (work_cv_.wait_until(lock, wake) == std::cv_status::timeout && periodic &&
                 Clock::now() >= next_sweep) {
        sweep_due_ = true;
      }
      continue;
    }
    if (sweep_due_) {
      busy_ = true;
      lock.unlock();
      // Of replicas sharing a store, the one holding the sweep's lease sweeps; the others derive
      // only the subjects their own commits change.
      absl::StatusOr<std::vector<std::string>> subjects =
          HoldSweepLease() ? timelines_->Subjects() : std::vector<std::string>();
      lock.lock();
      busy_ = false;
      sweep_due_ = false;
      next_sweep = Clock::now() + sweep_interval_;
      if (!subjects.ok()) {
        spdlog::warn("deviation sweep: {}", subjects.status().ToString());
      } else if (!stopping_) {
        // Now, not after the delay: time passing is what the sweep is for.
        for (const std::string& subject : *subjects) queue_[subject] = Clock::now();
      }
      continue;
    }
    const std::string subject = due->first;
    queue_.erase(due);
    busy_ = true;
    lock.unlock();
    const bool derived = DeriveLocked(subject);
    lock.lock();
    busy_ = false;
    // Another replica derives it now: again shortly, to see what that one wrote.
    if (!derived && !stopping_) queue_.try_emplace(subject, Clock::now() + kLockedRetry);
  }
  busy_ = false;
  idle_cv_.notify_all();
}

bool DeviationRecorder::DeriveLocked(const std::string& subject_id) {
  // Held from reading the subject until what is derived is durable (Derive waits for its
  // commit), so another replica's derivation reads what this one wrote.
  absl::StatusOr<std::unique_ptr<store::Lease>> subject_lock = store_->TryLockSubject(subject_id);
  if (!subject_lock.ok()) {
    spdlog::warn("deviations of {}: {}", subject_id, subject_lock.status().ToString());
    return false;
  }
  if (*subject_lock == nullptr) return false;
  // A failure is retried by the next trigger for the subject or the next sweep.
  if (absl::Status status = Derive(subject_id); !status.ok() && !absl::IsNotFound(status)) {
    spdlog::warn("deviations of {}: {}", subject_id, status.ToString());
  }
  return true;
}

bool DeviationRecorder::HoldSweepLease() {
  if (sweep_lease_ != nullptr && sweep_lease_->held()) return true;
  sweep_lease_.reset();
  absl::StatusOr<std::unique_ptr<store::Lease>> lease = store_->TryAcquireLease("sweep");
  if (!lease.ok()) {
    spdlog::warn("deviation sweep skipped: {}", lease.status().ToString());
    return false;
  }
  sweep_lease_ = *std::move(lease);
  return sweep_lease_ != nullptr;
}

absl::Status DeviationRecorder::Derive(const std::string& subject_id) {
  const absl::Time now = timelines_->Now();
  SubjectRecords& records = RecordsOf(subject_id);
  ASSIGN_OR_RETURN(SubjectTimelines::Refreshed refreshed,
                   timelines_->Refresh(subject_id, records.last, records.settled));
  const std::string prefix = absl::StrCat(subject_id, "|");
  for (const v1::Event& event : refreshed.events) records.Note(event, prefix);
  const std::map<std::string, Recorded>& recorded = records.recorded;
  const std::set<std::string>& harvests_recorded = records.harvests;
  const v1::Timeline& timeline = *refreshed.timeline;
  // Only what changed since the last derivation whose records were all written: nothing, or
  // what is dated from a day on ("" below: everything).
  const bool partial = !refreshed.all_changed;
  if (partial && !refreshed.changed_from) {
    records.settled = refreshed.version;
    return absl::OkStatus();
  }
  records.settled = 0;  // until this derivation's records are written
  const std::string from = partial ? FormatDate(*refreshed.changed_from) : "";

  std::vector<store::SourceWrite> writes;
  // Per write, what the metrics call it: finding code and status; empty for a harvest.
  std::vector<std::pair<std::string, const char*>> deviation_of_write;
  std::set<std::string> found;
  for (int i = FirstFrom(timeline.findings(), from); i < timeline.findings_size(); ++i) {
    const v1::TimelineFinding& finding = timeline.findings(i);
    // INFO findings (a dose that could not be checked, a reduction a toxicity explains) are
    // notes on the timeline, not deviations.
    if (finding.finding().severity() < v1::Finding::WARNING) continue;
    if (!found.insert(finding.key()).second) continue;
    auto it = recorded.find(finding.key());
    if (it != recorded.end() && it->second.active) continue;
    const uint32_t generation = it == recorded.end() ? 0 : it->second.generation + 1;
    DerivedWrite write(timeline, absl::StrCat(subject_id, "|", finding.key()),
                       absl::StrCat("detected-", generation), finding.date(), now);
    *write.event().mutable_position() = finding.position();
    *write.event().add_findings() = finding.finding();
    v1::ProtocolDeviation* deviation = write.event().mutable_protocol_deviation();
    deviation->set_status(v1::ProtocolDeviation::DETECTED);
    *deviation->mutable_finding() = finding.finding();
    deviation->set_key(finding.key());
    deviation->set_about_event_id(finding.event_id());
    deviation->set_date(finding.date());
    deviation->set_generation(generation);
    writes.push_back(write.Take());
    deviation_of_write.emplace_back(finding.finding().code(), "DETECTED");
  }
  // Lab grades and derived responses: written when new, like deviations.
  for (Wanted& item : WantedDerivations(timeline, from, recorded, &found)) {
    auto it = recorded.find(item.key);
    const uint32_t generation = it == recorded.end() ? 0 : it->second.generation + 1;
    DerivedWrite write(timeline, absl::StrCat(subject_id, "|", item.key),
                       absl::StrCat("detected-", generation), item.date, now);
    item.event.MergeFrom(write.event());
    write.event() = std::move(item.event);
    writes.push_back(write.Take());
    deviation_of_write.emplace_back("", "");
  }
  const std::string today = timeline.today();
  for (const auto& [key, state] : recorded) {
    if (!state.active || state.about_date < from || found.count(key) > 0) continue;
    DerivedWrite write(timeline, absl::StrCat(subject_id, "|", key),
                       absl::StrCat("withdrawn-", state.generation), today, now);
    if (!state.deviation) {
      CopyWithdrawn(state.payload, &write.event());
      writes.push_back(write.Take());
      deviation_of_write.emplace_back("", "");
      continue;
    }
    v1::ProtocolDeviation* deviation = write.event().mutable_protocol_deviation();
    deviation->set_status(v1::ProtocolDeviation::WITHDRAWN);
    deviation->set_key(key);
    deviation->set_date(today);
    deviation->set_generation(state.generation);
    writes.push_back(write.Take());
    deviation_of_write.emplace_back(state.code.empty() ? "UNKNOWN" : state.code, "WITHDRAWN");
  }
  for (const v1::TimelinePhase& phase : timeline.phases()) {
    if (!phase.harvest_success()) continue;
    const std::string logical_id = absl::StrCat(subject_id, "|harvest-success|", phase.id());
    if (harvests_recorded.count(logical_id) > 0) continue;
    DerivedWrite write(timeline, logical_id, "1", phase.harvest_success_date(), now);
    v1::StemCellHarvest* harvest = write.event().mutable_stem_cell_harvest();
    harvest->set_status("completed");
    harvest->set_cd34_per_kg(phase.cd34_per_kg());
    harvest->set_success(true);
    for (const std::string& id : phase.harvest_event_ids()) harvest->add_evidence_event_ids(id);
    write.event().mutable_position()->set_phase(phase.id());
    writes.push_back(write.Take());
    deviation_of_write.emplace_back("", "");
  }
  if (writes.empty()) {
    records.settled = refreshed.version;
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::vector<store::SourceResult> results, Write(std::move(writes)));
  records.settled = refreshed.version;
  if (metrics_ != nullptr) {
    // A duplicate was appended before (by another trigger): counted then, not again.
    for (size_t i = 0; i < results.size() && i < deviation_of_write.size(); ++i) {
      const auto& [code, status] = deviation_of_write[i];
      if (*status != '\0' && !results[i].duplicate) metrics_->CountDeviation(code, status);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<store::SourceResult>> DeviationRecorder::Write(
    std::vector<store::SourceWrite> writes) {
  std::promise<store::CommitResult> done;
  std::future<store::CommitResult> result = done.get_future();
  store_->Commit(std::move(writes), [&done](store::CommitResult commit) {
    done.set_value(std::move(commit));
  });
  store::CommitResult commit = result.get();
  if (!commit.status.ok()) return commit.status;
  return std::move(commit.results);
}

}  // namespace trialgate::schedule
