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

// What the log already says about one derived record key (a deviation, a lab grade, a derived
// response).
struct Recorded {
  int64_t rank = -1;  // generation * 2, + 1 when withdrawn: the latest record wins
  uint32_t generation = 0;
  bool active = false;
  std::string code;   // a deviation: the finding code it was detected with
  v1::Event detected;  // the last DETECTED record: a withdrawal repeats its content
};

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

std::map<std::string, Recorded> RecordedFacts(const std::vector<v1::Event>& events,
                                              const std::string& subject_id) {
  std::map<std::string, Recorded> recorded;
  const std::string prefix = absl::StrCat(subject_id, "|");
  for (const v1::Event& event : events) {
    if (event.source().resource_type() != kDerivedResourceType) continue;
    const auto version = ParseRecordVersion(event.source().version_id());
    const std::string& logical_id = event.source().logical_id();
    if (!version || !absl::StartsWith(logical_id, prefix)) continue;
    const auto [generation, withdrawn] = *version;
    const int64_t rank = int64_t{generation} * 2 + (withdrawn ? 1 : 0);
    Recorded& entry = recorded[logical_id.substr(prefix.size())];
    if (rank <= entry.rank) continue;
    entry.rank = rank;
    entry.generation = generation;
    entry.active = !withdrawn;
    if (!withdrawn) {
      entry.detected = event;
      if (event.has_protocol_deviation()) entry.code = event.protocol_deviation().finding().code();
    }
  }
  return recorded;
}

// A lab grade or derived response the timeline holds, as the record it would be.
struct Wanted {
  std::string key;
  std::string date;
  v1::Event event;  // payload (with its key) and position
};

// The timeline's positions of the lab events a derived record rests on (only those: the
// timeline places every event of the subject).
std::map<std::string, v1::Position> PositionsOfLabs(const v1::Timeline& timeline) {
  std::map<std::string, v1::Position> position_of;
  for (const v1::TimelineToxicity& toxicity : timeline.toxicities()) {
    if (toxicity.origin() == "lab") position_of[toxicity.event_id()];
  }
  for (const v1::TimelineResponse& response : timeline.responses()) {
    if (response.response().evidence_event_ids_size() > 0) {
      position_of[response.response().evidence_event_ids(0)];
    }
  }
  if (position_of.empty()) return position_of;
  for (const v1::TimelineEvent& event : timeline.events()) {
    if (auto it = position_of.find(event.event_id()); it != position_of.end()) {
      it->second = event.position();
    }
  }
  return position_of;
}

std::vector<Wanted> WantedDerivations(const v1::Timeline& timeline) {
  const std::map<std::string, v1::Position> position_of = PositionsOfLabs(timeline);
  std::vector<Wanted> wanted;
  for (const v1::TimelineToxicity& toxicity : timeline.toxicities()) {
    if (toxicity.origin() != "lab") continue;
    Wanted& item = wanted.emplace_back();
    item.key = absl::StrCat("toxicity|", toxicity.event_id(), "|", toxicity.meddra_code());
    item.date = toxicity.date();
    *item.event.mutable_toxicity_graded() = toxicity.lab();
    item.event.mutable_toxicity_graded()->set_key(item.key);
    if (auto it = position_of.find(toxicity.event_id()); it != position_of.end()) {
      *item.event.mutable_position() = it->second;
    }
  }
  // One record per change of (category, confirmed), in assessment order.
  std::string previous;
  for (const v1::TimelineResponse& response : timeline.responses()) {
    const v1::ResponseAssessed& derived = response.response();
    if (response.origin() != "derived" || derived.category() == "NE") continue;
    const std::string state =
        absl::StrCat(derived.category(), "|", derived.confirmed() ? "confirmed" : "unconfirmed");
    if (state == previous) continue;
    previous = state;
    Wanted& item = wanted.emplace_back();
    item.key = absl::StrCat("response|", derived.assessment_date(), "|", state);
    item.date = derived.confirmed() ? derived.response_date() : derived.assessment_date();
    *item.event.mutable_response_assessed() = derived;
    item.event.mutable_response_assessed()->set_key(item.key);
    if (derived.evidence_event_ids_size() > 0) {
      if (auto it = position_of.find(derived.evidence_event_ids(0)); it != position_of.end()) {
        *item.event.mutable_position() = it->second;
      }
    }
  }
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

DeviationRecorder::~DeviationRecorder() { Stop(); }

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
      absl::StatusOr<std::vector<std::string>> subjects = timelines_->Subjects();
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
    // A failure is retried by the next trigger for the subject or the next sweep.
    if (absl::Status status = Derive(subject); !status.ok() && !absl::IsNotFound(status)) {
      spdlog::warn("deviations of {}: {}", subject, status.ToString());
    }
    lock.lock();
    busy_ = false;
  }
  busy_ = false;
  idle_cv_.notify_all();
}

absl::Status DeviationRecorder::Derive(const std::string& subject_id) {
  const absl::Time now = timelines_->Now();
  ASSIGN_OR_RETURN(std::vector<v1::Event> events, timelines_->Read(subject_id));
  std::map<std::string, Recorded> recorded = RecordedFacts(events, subject_id);
  std::set<std::string> harvests_recorded;
  for (const v1::Event& event : events) {
    if (event.has_stem_cell_harvest() && event.source().resource_type() == kDerivedResourceType) {
      harvests_recorded.insert(event.source().logical_id());
    }
  }
  const v1::Timeline timeline = timelines_->Build(subject_id, std::move(events), now);

  std::vector<store::SourceWrite> writes;
  // Per write, what the metrics call it: finding code and status; empty for a harvest.
  std::vector<std::pair<std::string, const char*>> deviation_of_write;
  std::set<std::string> found;
  for (const v1::TimelineFinding& finding : timeline.findings()) {
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
  for (Wanted& item : WantedDerivations(timeline)) {
    if (!found.insert(item.key).second) continue;
    auto it = recorded.find(item.key);
    if (it != recorded.end() && it->second.active) continue;
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
    if (!state.active || found.count(key) > 0) continue;
    DerivedWrite write(timeline, absl::StrCat(subject_id, "|", key),
                       absl::StrCat("withdrawn-", state.generation), today, now);
    if (!state.detected.has_protocol_deviation()) {
      CopyWithdrawn(state.detected, &write.event());
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
  if (writes.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<store::SourceResult> results, Write(std::move(writes)));
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
