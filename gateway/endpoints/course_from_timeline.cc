#include "gateway/endpoints/course_from_timeline.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/common/iso_date.h"
#include "gateway/common/keyed_id_hash.h"
#include "gateway/endpoints/course_facts.h"
#include "gateway/schedule/finding_codes.h"

namespace trialgate::endpoints {
namespace {

// A timeline date (YYYY-MM-DD, the site's calendar); none when empty.
absl::StatusOr<std::optional<absl::CivilDay>> TimelineDay(const std::string& text,
                                                          absl::string_view what) {
  if (text.empty()) return std::nullopt;
  std::optional<absl::CivilDay> day = ParseIsoDate(text);
  if (!day) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeline ", what, " \"", text, "\" is not a date (YYYY-MM-DD)"));
  }
  return day;
}

// FHIR R4 ResearchSubject.status codes (ValueSet research-subject-status, required binding) that
// end a subject's participation: withdrawn, off-study, ineligible, not-registered. follow-up is
// still on study (observed after treatment) and is not one of them.
bool EndsParticipation(const std::string& status) {
  return status == "withdrawn" || status == "off-study" || status == "ineligible" ||
         status == "not-registered";
}

// A dose record that says the dose was given: not NOT_DONE, ON_HOLD or ENTERED_IN_ERROR.
bool DoseGiven(const v1::DoseAdministered& dose) {
  return dose.status() != v1::DoseAdministered::NOT_DONE &&
         dose.status() != v1::DoseAdministered::ON_HOLD &&
         dose.status() != v1::DoseAdministered::ENTERED_IN_ERROR;
}

// A timeline dose slot whose dose was given: "given" on its slot, or "unscheduled" (given on a
// day without a slot: still a dose of a study agent the subject received).
bool SlotGiven(const v1::TimelineDose& dose) {
  return !dose.agent().empty() && (dose.status() == "given" || dose.status() == "unscheduled");
}

// The earliest consent recorded as given: a ConsentRecorded with status active (FHIR R4
// consent-state-codes; proposed, rejected, inactive and entered-in-error are not a consent
// in force).
std::optional<absl::CivilDay> RecordedConsent(std::span<const DatedEvent> current) {
  for (const DatedEvent& c : current) {  // by date
    if (c.event != nullptr && c.event->has_consent_recorded() &&
        c.event->consent_recorded().status() == "active") {
      return c.date;
    }
  }
  return std::nullopt;
}

// The stand-ins for a consent not recorded (see CourseFromTimeline).
void StandInConsent(std::span<const DatedEvent> current,
                    std::optional<absl::CivilDay> first_dose, SubjectCourse* course) {
  course->consent = current.front().date;
  course->consent_source = ConsentSource::kFirstEvent;
  for (const DatedEvent& c : current) {
    if (c.event == nullptr || !c.event->has_enrollment_changed()) continue;
    const std::optional<absl::CivilDay> start = CalendarDay(c.event->enrollment_changed().enrolled_on());
    if (start && (!first_dose || *start <= *first_dose)) {
      course->consent = *start;
      course->consent_source = ConsentSource::kEnrolmentStart;
    }
    break;  // the first enrolment event only
  }
}

void Widen(absl::CivilDay day, std::optional<absl::CivilDay>* first,
           std::optional<absl::CivilDay>* last) {
  if (!*first || day < **first) *first = day;
  if (!*last || day > **last) *last = day;
}

// The keys view the events' ids: the events outlive the map.
using EventsById = absl::flat_hash_map<absl::string_view, const v1::Event*, KeyedIdHash>;

// The events the timeline lists (by date), each found in `by_id` (null when it lacks one).
absl::StatusOr<std::vector<DatedEvent>> ListedEvents(const v1::Timeline& timeline,
                                                     const EventsById& by_id) {
  std::vector<DatedEvent> current;
  current.reserve(timeline.events_size());
  for (const v1::TimelineEvent& placed : timeline.events()) {
    absl::StatusOr<std::optional<absl::CivilDay>> day = TimelineDay(placed.date(), "event date");
    if (!day.ok()) return day.status();
    if (!*day) continue;
    auto it = by_id.find(placed.event_id());
    current.push_back({it == by_id.end() ? nullptr : it->second, **day});
  }
  return current;
}

// `find`: the subject's event of an id, or null.
absl::StatusOr<SubjectCourse> CourseOf(
    const v1::Timeline& timeline, std::span<const DatedEvent> current,
    absl::FunctionRef<const v1::Event*(absl::string_view id)> find, absl::CivilDay data_cutoff) {
  SubjectCourse course;
  // The study's pseudonymous ids, as on the timeline (the events carry no other).
  course.subject_id = timeline.subject_id();
  course.site_id = timeline.site_id();

  // The subject's current events (latest version, not void, not trialgate-derived) by date in
  // the site's calendar, as the timeline lists them; the stored event gives the payload.
  if (current.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("subject ", timeline.subject_id(), ": the timeline lists no event"));
  }

  // Study doses given: every given (or unscheduled) dose slot of every phase, cycles and outside.
  std::optional<absl::CivilDay> first_dose, last_dose;
  for (const v1::TimelinePhase& phase : timeline.phases()) {
    auto add = [&](const v1::TimelineDose& dose) -> absl::Status {
      if (!SlotGiven(dose)) return absl::OkStatus();
      absl::StatusOr<std::optional<absl::CivilDay>> day = TimelineDay(dose.date(), "dose date");
      if (!day.ok()) return day.status();
      if (*day) Widen(**day, &first_dose, &last_dose);
      return absl::OkStatus();
    };
    for (const v1::TimelineCycle& cycle : phase.cycles()) {
      for (const v1::TimelineDose& dose : cycle.doses()) {
        if (absl::Status s = add(dose); !s.ok()) return s;
      }
    }
    for (const v1::TimelineDose& dose : phase.doses()) {
      if (absl::Status s = add(dose); !s.ok()) return s;
    }
  }
  course.first_dose = first_dose;

  // Consent: the earliest consent the site recorded as such (a Consent of scope research whose
  // status is active). Else a stand-in: the ResearchSubject's period.start of the first
  // enrolment event; else, or when that start is after the first study dose (consent cannot
  // follow treatment, and ComputeEndpoints rejects a dose before consent), the date of the
  // subject's first event, which is on or before every dose. A recorded consent after the first
  // dose (a fact to correct at the site) is not taken either: ComputeEndpoints would refuse the
  // course, and with it the whole study's report.
  if (std::optional<absl::CivilDay> recorded = RecordedConsent(current);
      recorded && (!first_dose || *recorded <= *first_dose)) {
    course.consent = *recorded;
    course.consent_source = ConsentSource::kRecorded;
  } else {
    StandInConsent(current, first_dose, &course);
  }

  // Withdrawal / end of study: the first ResearchSubject status that ends participation, at its
  // period.end when sent, else the event's date.
  for (const DatedEvent& c : current) {
    if (c.event == nullptr || !c.event->has_enrollment_changed()) continue;
    const v1::EnrollmentChanged& enrolment = c.event->enrollment_changed();
    if (!EndsParticipation(enrolment.status())) continue;
    course.withdrawal = CalendarDay(enrolment.ended_on()).value_or(c.date);
    break;
  }

  // Phases, by kind (the timeline names kinds; ids are the study's): the first cycles phase is
  // re-induction, the transplant phase the 2nd ASCT, the first cycles phase after it maintenance.
  bool after_transplant = false;
  const v1::TimelinePhase* reinduction = nullptr;
  for (const v1::TimelinePhase& phase : timeline.phases()) {
    if (phase.kind() == "cycles" && !after_transplant && reinduction == nullptr) {
      reinduction = &phase;
    } else if (phase.kind() == "transplant") {
      after_transplant = true;
      // Day 0: the stem cell infusion (TransplantPerformed) the engine placed.
      absl::StatusOr<std::optional<absl::CivilDay>> day0 = TimelineDay(phase.day0_date(), "day 0");
      if (!day0.ok()) return day0.status();
      if (*day0) course.asct_day0 = **day0;
    } else if (phase.kind() == "cycles" && after_transplant && !course.maintenance_start) {
      if (phase.status() == "not-started") continue;
      absl::StatusOr<std::optional<absl::CivilDay>> start =
          TimelineDay(phase.start_date(), "maintenance start");
      if (!start.ok()) return start.status();
      if (*start) course.maintenance_start = **start;
    } else if (phase.kind() == "harvest") {
      // Attempted: any apheresis Procedure or CD34+ result placed in the phase. The CD34+ total
      // (the phase's sum) only when a CD34+ result is among them: else it is missing, not 0.
      course.mobilisation_attempted = phase.harvest_event_ids_size() > 0;
      for (const std::string& id : phase.harvest_event_ids()) {
        if (const v1::Event* event = find(id); event != nullptr && event->has_lab_result()) {
          course.cd34_per_kg = phase.cd34_per_kg();
          break;
        }
      }
    }
  }
  // Cycle 6's last day, once it is over: the phase ended (completed or discontinued) or its last
  // day is before the timeline's today; a cycle in progress has only a planned end.
  if (reinduction != nullptr) {
    absl::StatusOr<std::optional<absl::CivilDay>> today = TimelineDay(timeline.today(), "today");
    if (!today.ok()) return today.status();
    for (const v1::TimelineCycle& cycle : reinduction->cycles()) {
      if (cycle.number() != 6) continue;
      absl::StatusOr<std::optional<absl::CivilDay>> last =
          TimelineDay(cycle.last_date(), "cycle 6 last day");
      if (!last.ok()) return last.status();
      if (*last && (reinduction->status() != "in-progress" || (*today && **last < **today))) {
        course.cycle6_end = **last;
      }
    }
  }

  // Last study dose only once treatment is over (SubjectCourse: none while on treatment): the
  // timeline's current phase is follow-up or off study, or the subject left the study.
  bool treatment_over = course.withdrawal.has_value();
  for (const v1::TimelinePhase& phase : timeline.phases()) {
    if (phase.id() == timeline.current_phase() &&
        (phase.kind() == "follow_up" || phase.kind() == "off_study")) {
      treatment_over = true;
    }
  }
  if (treatment_over) course.last_dose = last_dose;

  // Responses: those the site reported, and the gateway's derivation of every assessment date.
  // Reported ones are the investigator's IMWG assessment, which the site sends without a
  // confirmation flag; we read them as confirmed (the gate reads them so too). A derived one keeps
  // its flag; confirmed, it is dated at the first of its two confirming assessments
  // (response_date, reference A.4), and its own assessment day is kept as an unconfirmed record
  // of the same category so that it still counts as an adequate assessment for censoring.
  // Progression: the earliest of a reported PD and a confirmed derived PD (at its response date).
  for (const v1::TimelineResponse& entry : timeline.responses()) {
    const v1::ResponseAssessed& response = entry.response();
    if (response.withdrawn() || response.category().empty()) continue;
    if (entry.origin() == "reported") {
      absl::StatusOr<std::optional<absl::CivilDay>> day = TimelineDay(entry.date(), "response date");
      if (!day.ok()) return day.status();
      if (!*day) continue;
      course.assessments.push_back(
          ResponseAssessment{**day, response.category(), true, AssessmentOrigin::kReported});
      if (response.category() == "PD" && (!course.progression || **day < *course.progression)) {
        course.progression = **day;
      }
      continue;
    }
    if (entry.origin() != "derived") continue;
    const std::string& assessed_text =
        response.assessment_date().empty() ? entry.date() : response.assessment_date();
    absl::StatusOr<std::optional<absl::CivilDay>> assessed =
        TimelineDay(assessed_text, "assessment date");
    if (!assessed.ok()) return assessed.status();
    if (!*assessed) continue;
    absl::CivilDay dated = **assessed;
    if (response.confirmed()) {
      absl::StatusOr<std::optional<absl::CivilDay>> first =
          TimelineDay(response.response_date(), "response date");
      if (!first.ok()) return first.status();
      if (*first) dated = **first;
    }
    course.assessments.push_back(ResponseAssessment{dated, response.category(),
                                                    response.confirmed(),
                                                    AssessmentOrigin::kDerived});
    if (response.confirmed() && dated != **assessed) {
      course.assessments.push_back(
          ResponseAssessment{**assessed, response.category(), false, AssessmentOrigin::kDerived});
    }
    if (response.confirmed() && response.category() == "PD" &&
        (!course.progression || dated < *course.progression)) {
      course.progression = dated;
    }
  }

  // Death: the earliest of a reported death (SubjectDied: a Patient's deceasedDateTime, HL7 v2
  // PID-29) and a grade 5 adverse event (CTCAE grade 5 is death related to the AE), at the AE's
  // resolution when sent (the day its outcome was fatal), else its onset.
  absl::TimeZone zone = absl::UTCTimeZone();
  absl::LoadTimeZone(timeline.time_zone(), &zone);  // "event offsets" (no site zone): UTC
  for (const DatedEvent& c : current) {
    if (c.event == nullptr) continue;
    std::optional<absl::CivilDay> died;
    if (c.event->has_subject_died()) died = c.date;
    if (c.event->has_adverse_event_reported() && c.event->adverse_event_reported().grade() == 5) {
      const v1::AdverseEventReported& ae = c.event->adverse_event_reported();
      died = ae.has_resolved()
                 ? absl::ToCivilDay(absl::FromUnixSeconds(ae.resolved().seconds()), zone)
                 : c.date;
    }
    if (died && (!course.death || *died < *course.death)) course.death = died;
  }

  // Last known alive: the latest date of any current event up to the cutoff (a contact, a
  // consent, a dose, a lab...), except a dose record saying the dose was not given (a not-done
  // or held dose is not a contact with the subject) and the death itself.
  for (const DatedEvent& c : current) {
    if (c.event != nullptr && c.event->has_subject_died()) continue;
    if (c.date > data_cutoff) continue;
    if (c.event != nullptr && c.event->has_dose_administered() &&
        !DoseGiven(c.event->dose_administered())) {
      continue;
    }
    if (!course.last_known_alive || c.date > *course.last_known_alive) {
      course.last_known_alive = c.date;
    }
  }

  // New anti-myeloma therapy: the timeline's first prohibited medication.
  absl::StatusOr<std::optional<absl::CivilDay>> new_therapy =
      TimelineDay(timeline.new_therapy_date(), "new therapy date");
  if (!new_therapy.ok()) return new_therapy.status();
  course.new_therapy = *new_therapy;

  // Adverse events the site reported (actual ones: the timeline leaves out potential ones).
  // Onset: the event's date. Led to a dose change: a dose reduction on the timeline names it as
  // its cause (the latest qualifying toxicity within the look-back before the reduced dose).
  absl::flat_hash_set<std::string> reduction_causes;
  for (const v1::TimelineFinding& f : timeline.findings()) {
    if (f.finding().code() == schedule::kDoseReduced && !f.finding().cause_event_id().empty()) {
      reduction_causes.insert(f.finding().cause_event_id());
    }
  }
  for (const DatedEvent& c : current) {
    if (c.event == nullptr || !c.event->has_adverse_event_reported()) continue;
    const v1::AdverseEventReported& ae = c.event->adverse_event_reported();
    AdverseEventRecord& record = course.adverse_events.emplace_back();
    record.onset = c.date;
    record.term = ae.term();
    record.meddra_code = ae.meddra_code();
    record.grade = ae.grade();
    record.serious = ae.serious();
    record.led_to_dose_change = reduction_causes.contains(c.event->event_id());
  }

  // Deviations: the timeline's findings of severity WARNING or above, which are what the
  // deviation recorder writes to the log as ProtocolDeviation events.
  course.deviations = static_cast<int>(
      std::count_if(timeline.findings().begin(), timeline.findings().end(),
                    [](const v1::TimelineFinding& f) {
                      return f.finding().severity() >= v1::Finding::WARNING;
                    }));

  // Measurable disease: the derivation found a measurable marker at baseline when it derived
  // responses; otherwise its reason (no baseline, nothing measurable, no cycle 1 day 1).
  course.measurable_disease = timeline.responses_not_derived().empty();
  course.measurable_disease_reason = timeline.responses_not_derived();
  return course;
}

}  // namespace

absl::StatusOr<SubjectCourse> CourseFromTimeline(const v1::Timeline& timeline,
                                                 std::span<const v1::Event> events,
                                                 absl::CivilDay data_cutoff) {
  EventsById by_id;
  by_id.reserve(events.size());
  for (const v1::Event& event : events) by_id[event.event_id()] = &event;
  absl::StatusOr<std::vector<DatedEvent>> current = ListedEvents(timeline, by_id);
  if (!current.ok()) return current.status();
  auto find = [&by_id](absl::string_view id) -> const v1::Event* {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : it->second;
  };
  return CourseOf(timeline, *current, find, data_cutoff);
}

absl::StatusOr<SubjectCourse> CourseFromTimeline(const v1::Timeline& timeline,
                                                 std::span<const DatedEvent> current,
                                                 absl::CivilDay data_cutoff) {
  // Only the harvest's few event ids are looked up: a search beats building an index.
  auto find = [current](absl::string_view id) -> const v1::Event* {
    for (const DatedEvent& c : current) {
      if (c.event != nullptr && c.event->event_id() == id) return c.event;
    }
    return nullptr;
  };
  return CourseOf(timeline, current, find, data_cutoff);
}

}  // namespace trialgate::endpoints
