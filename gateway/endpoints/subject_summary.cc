#include "gateway/endpoints/subject_summary.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/common/iso_date.h"
#include "gateway/endpoints/course_facts.h"

namespace trialgate::endpoints {
namespace {

// Best first: the order of IMWG categories for "best response". NE and unknown rank last.
int Rank(const std::string& category) {
  static const auto* kOrder =
      new std::vector<std::string>{"sCR", "CR", "VGPR", "PR", "MR", "SD", "PD"};
  auto it = std::find(kOrder->begin(), kOrder->end(), category);
  return it == kOrder->end() ? 100 : static_cast<int>(it - kOrder->begin());
}

std::string ConsentSourceName(ConsentSource source) {
  switch (source) {
    case ConsentSource::kRecorded:
      return "recorded";
    case ConsentSource::kEnrolmentStart:
      return "enrolment_start";
    case ConsentSource::kFirstEvent:
      return "first_event";
  }
  return "";
}

// The swimmer's phase kinds: cycles phases are re-induction before the transplant and
// maintenance after it; gates (decision points) and off-study draw no bar.
std::optional<std::string> SpanKind(const v1::TimelinePhase& phase, bool after_transplant) {
  if (phase.kind() == "cycles") return after_transplant ? "maintenance" : "reinduction";
  if (phase.kind() == "harvest") return "mobilisation";
  if (phase.kind() == "transplant") return "asct";
  if (phase.kind() == "follow_up") return "follow_up";
  return std::nullopt;
}

class Row {
 public:
  Row(v1::SubjectSummary* summary, absl::CivilDay consent, absl::CivilDay last)
      : summary_(summary), consent_(consent), last_(last) {}

  int DayOf(absl::CivilDay day) const { return static_cast<int>(day - consent_) + 1; }
  absl::CivilDay last() const { return last_; }

  void Mark(absl::CivilDay day, std::string kind, std::string label) {
    if (day > last_ || day < consent_) return;
    v1::SubjectMarker* marker = summary_->add_markers();
    marker->set_date(FormatIsoDate(day));
    marker->set_day(DayOf(day));
    marker->set_kind(std::move(kind));
    marker->set_label(std::move(label));
  }

 private:
  v1::SubjectSummary* summary_;
  absl::CivilDay consent_;
  absl::CivilDay last_;
};

void AddPhases(const v1::Timeline& timeline, Row& row, v1::SubjectSummary& summary) {
  bool after_transplant = false;
  for (const v1::TimelinePhase& phase : timeline.phases()) {
    const std::optional<std::string> kind = SpanKind(phase, after_transplant);
    if (phase.kind() == "transplant") after_transplant = true;
    const std::optional<absl::CivilDay> start = CalendarDay(phase.start_date());
    if (!kind || !start || *start > row.last()) continue;
    // A phase in progress ends, on the row, at its planned end or the row's end if sooner.
    absl::CivilDay end = CalendarDay(phase.end_date()).value_or(row.last());
    end = std::min(std::max(end, *start), row.last());
    v1::SubjectPhaseSpan* span = summary.add_phases();
    span->set_phase_id(phase.id());
    span->set_kind(*kind);
    span->set_start(FormatIsoDate(*start));
    span->set_end(FormatIsoDate(end));
    span->set_start_day(row.DayOf(*start));
    span->set_end_day(row.DayOf(end));
    // Doses: one marker per cycle start (a year of daily lenalidomide is a bar, not 365 marks),
    // and each unscheduled dose or dose outside cycles (e.g. conditioning) given.
    for (const v1::TimelineCycle& cycle : phase.cycles()) {
      if (const std::optional<absl::CivilDay> day1 = CalendarDay(cycle.day1_date())) {
        row.Mark(*day1, "dose", absl::StrCat("C", cycle.number(), "D1"));
      }
    }
    for (const v1::TimelineDose& dose : phase.doses()) {
      if (dose.status() != "given" && dose.status() != "unscheduled") continue;
      if (const std::optional<absl::CivilDay> day = CalendarDay(dose.date())) {
        row.Mark(*day, "dose", dose.agent());
      }
    }
  }
}

// Responses: every one the site reported, and each derived confirmed response that differs from
// the previous one (the derivation runs at every assessment; the changes are what a reader
// follows).
void AddResponses(const v1::Timeline& timeline, Row& row) {
  std::string last_derived;
  for (const v1::TimelineResponse& entry : timeline.responses()) {
    const v1::ResponseAssessed& response = entry.response();
    if (response.withdrawn() || response.category().empty()) continue;
    const std::optional<absl::CivilDay> day = CalendarDay(entry.date());
    if (!day) continue;
    if (entry.origin() == "reported") {
      row.Mark(*day, "response", response.category());
    } else if (entry.origin() == "derived" && response.confirmed() &&
               response.category() != last_derived) {
      last_derived = response.category();
      row.Mark(*day, "response", absl::StrCat(response.category(), " (derived)"));
    }
  }
}

// The lowest serum M-protein change from baseline over the derived assessments up to the
// cutoff; none without a baseline and a later value.
std::optional<double> BestMProteinChange(const v1::Timeline& timeline, absl::CivilDay cutoff) {
  std::optional<double> best;
  for (const v1::TimelineResponse& entry : timeline.responses()) {
    if (entry.origin() != "derived") continue;
    const std::optional<absl::CivilDay> day = CalendarDay(entry.date());
    if (!day || *day > cutoff) continue;
    for (const v1::ResponseEvidence& evidence : entry.response().evidence()) {
      if (evidence.marker() != "serum_m_protein" || !evidence.has_change_from_baseline_percent()) {
        continue;
      }
      best = std::min(best.value_or(evidence.change_from_baseline_percent()),
                      evidence.change_from_baseline_percent());
    }
  }
  return best;
}

std::string Status(const v1::Timeline& timeline, const SubjectCourse& course) {
  if (course.death) return "died";
  if (course.withdrawal) return "off_study";
  for (const v1::TimelinePhase& phase : timeline.phases()) {
    if (phase.id() != timeline.current_phase()) continue;
    if (phase.kind() == "off_study") return "off_study";
    if (phase.kind() == "follow_up") return "follow_up";
  }
  return course.first_dose ? "on_treatment" : "pre_treatment";
}

}  // namespace

v1::SubjectSummary SummarizeSubject(const v1::Timeline& timeline, const SubjectCourse& course,
                                    absl::CivilDay data_cutoff) {
  v1::SubjectSummary summary;
  summary.set_subject_id(course.subject_id);
  summary.set_site_id(course.site_id);
  summary.set_consent(FormatIsoDate(course.consent));
  summary.set_consent_source(ConsentSourceName(course.consent_source));
  summary.set_status(Status(timeline, course));
  summary.set_deviations(course.deviations);
  if (course.last_known_alive) {
    summary.set_last_known_alive(FormatIsoDate(*course.last_known_alive));
  }

  // The row ends at death, withdrawal or the cutoff, whichever is first.
  absl::CivilDay last = std::max(data_cutoff, course.consent);
  if (course.death && *course.death <= data_cutoff) {
    summary.set_death(FormatIsoDate(*course.death));
    last = std::min(last, *course.death);
  }
  if (course.withdrawal) last = std::min(last, std::max(*course.withdrawal, course.consent));
  summary.set_ongoing(!course.death && !course.withdrawal);
  Row row(&summary, course.consent, last);
  summary.set_last_day(row.DayOf(last));

  AddPhases(timeline, row, summary);
  AddResponses(timeline, row);
  for (const v1::TimelineFinding& finding : timeline.findings()) {
    if (finding.finding().severity() < v1::Finding::WARNING) continue;
    if (const std::optional<absl::CivilDay> day = CalendarDay(finding.date())) {
      row.Mark(*day, "deviation", finding.finding().code());
    }
  }
  if (course.death && *course.death <= data_cutoff) row.Mark(*course.death, "death", "death");

  std::optional<int> best_rank;
  for (const ResponseAssessment& assessment : course.assessments) {
    if (!assessment.confirmed || assessment.date > data_cutoff) continue;
    const int rank = Rank(assessment.category);
    if (rank < 100 && (!best_rank || rank < *best_rank)) {
      best_rank = rank;
      summary.set_best_response(assessment.category);
    }
  }
  if (const std::optional<double> best = BestMProteinChange(timeline, data_cutoff)) {
    summary.set_best_m_protein_change_percent(*best);
  }
  std::stable_sort(summary.mutable_markers()->begin(), summary.mutable_markers()->end(),
                   [](const v1::SubjectMarker& a, const v1::SubjectMarker& b) {
                     return a.day() < b.day();
                   });
  return summary;
}

void AddCensoring(const TimeToEventResult& pfs, std::span<v1::SubjectSummary> summaries) {
  std::map<std::string, const SubjectTime*> censored;
  for (const SubjectTime& time : pfs.subjects) {
    if (!time.event) censored[time.subject_id] = &time;
  }
  for (v1::SubjectSummary& summary : summaries) {
    auto it = censored.find(summary.subject_id());
    if (it == censored.end()) continue;
    v1::SubjectMarker* marker = summary.add_markers();
    marker->set_date(FormatIsoDate(it->second->end));
    marker->set_day(static_cast<int>(it->second->days));
    marker->set_kind("censored");
    marker->set_label(absl::StrCat(pfs.name, " censored: ", it->second->reason));
  }
}

void DeviationTally::Add(const v1::Timeline& timeline, absl::CivilDay data_cutoff) {
  std::set<std::string> codes;  // of this subject
  for (const v1::TimelineFinding& finding : timeline.findings()) {
    if (finding.finding().severity() < v1::Finding::WARNING) continue;
    const std::optional<absl::CivilDay> day = CalendarDay(finding.date());
    if (day && *day > data_cutoff) continue;
    Tally& tally = tallies_[Key{timeline.site_id(), finding.finding().code()}];
    tally.severity = std::max(tally.severity, static_cast<int>(finding.finding().severity()));
    ++tally.deviations;
    if (codes.insert(finding.finding().code()).second) ++tally.subjects;
  }
}

void DeviationTally::Merge(const DeviationTally& other) {
  for (const auto& [key, theirs] : other.tallies_) {
    Tally& tally = tallies_[key];
    tally.severity = std::max(tally.severity, theirs.severity);
    tally.deviations += theirs.deviations;
    tally.subjects += theirs.subjects;
  }
}

std::vector<v1::DeviationCount> DeviationTally::Counts() const {
  std::vector<v1::DeviationCount> counts;
  for (const auto& [key, tally] : tallies_) {
    v1::DeviationCount& count = counts.emplace_back();
    count.set_site_id(key.site_id);
    count.set_code(key.code);
    count.set_severity(v1::Finding::Severity_Name(static_cast<v1::Finding::Severity>(tally.severity)));
    count.set_deviations(tally.deviations);
    count.set_subjects(tally.subjects);
  }
  return counts;
}

}  // namespace trialgate::endpoints
