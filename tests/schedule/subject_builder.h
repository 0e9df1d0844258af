#ifndef TRIALGATE_TESTS_SCHEDULE_SUBJECT_BUILDER_H_
#define TRIALGATE_TESTS_SCHEDULE_SUBJECT_BUILDER_H_

// Hand-built event lists for the schedule engine's tests: one subject, one site, events shaped as
// the mappers and the pipeline make them (one source resource per event).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "gateway/store/event_store.h"
#include "trialgate/v1/events.pb.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule::testing {

// The embedded KRD-ASCT2 schedule, parsed once.
const Schedule& KrdSchedule();

// Noon UTC of a date, for `now`.
absl::Time Noon(Date date);

class SubjectBuilder {
 public:
  // A completed dose of `mg` mg (or mg/m2 with PerM2) on `date`. Returns the event for tweaks.
  v1::Event& Dose(const std::string& agent, Date date, double mg);
  v1::Event& DosePerM2(const std::string& agent, Date date, double mg_per_m2);
  v1::Event& NotDone(const std::string& agent, Date date, const std::string& reason);
  v1::Event& Lab(const std::string& analyte, Date date, double value, const std::string& unit);
  // A lab with the lab's reference range.
  v1::Event& Lab(const std::string& analyte, Date date, double value, const std::string& unit,
                 double low, double high);
  // A non-numeric lab result (immunofixation), valued by a code "system|code".
  v1::Event& CodedLab(const std::string& analyte, Date date, const std::string& system,
                      const std::string& code);
  // A medication outside the study's drug table, identified by one coding.
  v1::Event& OtherDrug(const std::string& system, const std::string& code,
                       const std::string& display, Date date);
  v1::Event& Response(const std::string& category, Date date);
  v1::Event& AdverseEvent(const std::string& term, int grade, Date date);
  v1::Event& Harvest(Date date);
  v1::Event& Transplant(Date date);
  v1::Event& Enrollment(const std::string& status, Date date);
  // A death reported on a Patient (SubjectDied, the day only).
  v1::Event& Death(Date date);
  // A Consent of scope research (ConsentRecorded) and an Encounter (ContactRecorded).
  v1::Event& Consent(const std::string& status, Date date);
  v1::Event& Contact(const std::string& status, Date date);

  // Height 170 cm and weight 70 kg (BSA 1.82 m2) on `date`.
  void BodySize(Date date, double height_cm = 170, double weight_kg = 70);
  // KRd cycles 1..cycles from `c1d1`, every dose as scheduled: carfilzomib 27 mg/m2 x BSA in mg,
  // lenalidomide 25 mg days 1-21, dexamethasone 40 mg days 1, 8, 15, 22. Skips (agent, cycle,
  // day) listed in `skip`.
  void Reinduction(Date c1d1, int cycles, double bsa_m2 = 1.818,
                   const std::vector<std::tuple<std::string, int, int>>& skip = {});
  // Lenalidomide 10 mg every day from `first` to `last`.
  void Maintenance(Date first, Date last);

  // A new version of the resource of `event` (same logical id), its versionId one higher.
  v1::Event& NewVersion(const v1::Event& event);

  std::vector<v1::Event>& events() { return events_; }

 private:
  v1::Event& Add(const std::string& resource_type, Date date);
  std::vector<v1::Event> events_;
  int next_ = 0;
};

// The timeline of the builder's subject at `today`, with the site's calendar from event offsets.
v1::Timeline Build(const std::vector<v1::Event>& events, Date today,
                   const Schedule& schedule = KrdSchedule());

// The same with the clinical derivations of the embedded study (lab grades, responses, the
// findings they raise).
v1::Timeline BuildClinical(const std::vector<v1::Event>& events, Date today);
// As BuildClinical, the builder's events made subject `subject_id` of `site_id` first (set on
// each event, ids kept), judged at noon of `today`.
v1::Timeline BuildClinicalAs(SubjectBuilder& subject, const std::string& subject_id,
                             const std::string& site_id, Date today);
// The embedded study's clinical rules, built once.
std::shared_ptr<const ClinicalRules> KrdClinicalRules();

// The builder's events as another subject's own, of `site_id`: the subject id set, event ids and
// logical ids prefixed with it, so that several subjects' events can share one store.
std::vector<v1::Event> AsSubject(const std::vector<v1::Event>& events,
                                 const std::string& subject_id,
                                 const std::string& site_id = "site-a");

// Commits each event as its own source ("src/<event id>"), as the pipeline would, and waits for
// the commit: its status.
absl::Status CommitEach(store::EventStore* store, const std::vector<v1::Event>& events);

// The finding codes, in timeline order.
std::vector<std::string> Codes(const v1::Timeline& timeline);

// The phase with this id, or a failed test and an empty phase.
const v1::TimelinePhase& PhaseOf(const v1::Timeline& timeline, const std::string& id);

}  // namespace trialgate::schedule::testing

#endif  // TRIALGATE_TESTS_SCHEDULE_SUBJECT_BUILDER_H_
