#include "tests/schedule/subject_builder.h"

#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "fhir-profiles/embedded.h"
#include "gateway/schedule/timeline.h"
#include "gtest/gtest.h"
#include "mappers/study.h"

namespace trialgate::schedule::testing {

const Schedule& KrdSchedule() {
  static const Schedule* schedule = [] {
    auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
    EXPECT_TRUE(study.ok()) << study.status();
    auto parsed = Schedule::Parse((*study)->schedule_json(), **study);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return new Schedule(*std::move(parsed));
  }();
  return *schedule;
}

absl::Time Noon(Date date) {
  return absl::FromCivil(absl::CivilSecond(date.year(), date.month(), date.day(), 12, 0, 0),
                         absl::UTCTimeZone());
}

v1::Event& SubjectBuilder::Add(const std::string& resource_type, Date date) {
  v1::Event& event = events_.emplace_back();
  const int n = next_++;
  event.set_event_id(absl::StrCat("ev-", n));
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id("KRD-001-0001");
  event.set_site_id("site-a");
  event.mutable_source()->set_system("site-a-ehr");
  event.mutable_source()->set_resource_type(resource_type);
  event.mutable_source()->set_logical_id(absl::StrCat("r-", n));
  event.mutable_source()->set_version_id("1");
  event.mutable_source()->set_content_sha256(absl::StrCat("sha-", n));
  event.set_occurred_at_fhir(FormatDate(date));
  event.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(date), absl::UTCTimeZone())));
  event.set_sequence(n + 1);
  return event;
}

v1::Event& SubjectBuilder::Dose(const std::string& agent, Date date, double mg) {
  v1::Event& event = Add("MedicationAdministration", date);
  v1::DoseAdministered* dose = event.mutable_dose_administered();
  dose->set_agent(agent);
  dose->set_study_drug(true);
  dose->set_status(v1::DoseAdministered::COMPLETED);
  dose->mutable_dose()->set_value(mg);
  dose->mutable_dose()->set_unit("mg");
  return event;
}

v1::Event& SubjectBuilder::DosePerM2(const std::string& agent, Date date, double mg_per_m2) {
  v1::Event& event = Dose(agent, date, 0);
  event.mutable_dose_administered()->clear_dose();
  event.mutable_dose_administered()->mutable_dose_per_m2()->set_value(mg_per_m2);
  event.mutable_dose_administered()->mutable_dose_per_m2()->set_unit("mg/m2");
  return event;
}

v1::Event& SubjectBuilder::NotDone(const std::string& agent, Date date, const std::string& reason) {
  v1::Event& event = Dose(agent, date, 0);
  event.mutable_dose_administered()->clear_dose();
  event.mutable_dose_administered()->set_status(v1::DoseAdministered::NOT_DONE);
  event.mutable_dose_administered()->set_status_reason(reason);
  return event;
}

v1::Event& SubjectBuilder::Lab(const std::string& analyte, Date date, double value,
                               const std::string& unit) {
  v1::Event& event = Add("Observation", date);
  event.mutable_lab_result()->set_analyte(analyte);
  event.mutable_lab_result()->set_value(value);
  event.mutable_lab_result()->set_unit(unit);
  event.mutable_lab_result()->set_status("final");
  return event;
}

v1::Event& SubjectBuilder::Lab(const std::string& analyte, Date date, double value,
                               const std::string& unit, double low, double high) {
  v1::Event& event = Lab(analyte, date, value, unit);
  v1::Range* range = event.mutable_lab_result()->mutable_reference_range();
  range->set_low(low);
  range->set_high(high);
  range->set_unit(unit);
  return event;
}

v1::Event& SubjectBuilder::CodedLab(const std::string& analyte, Date date,
                                    const std::string& system, const std::string& code) {
  v1::Event& event = Add("Observation", date);
  event.mutable_lab_result()->set_analyte(analyte);
  event.mutable_lab_result()->mutable_value_code()->set_system(system);
  event.mutable_lab_result()->mutable_value_code()->set_code(code);
  event.mutable_lab_result()->set_status("final");
  return event;
}

v1::Event& SubjectBuilder::OtherDrug(const std::string& system, const std::string& code,
                                     const std::string& display, Date date) {
  v1::Event& event = Add("MedicationAdministration", date);
  v1::DoseAdministered* dose = event.mutable_dose_administered();
  dose->mutable_medication()->set_system(system);
  dose->mutable_medication()->set_code(code);
  dose->mutable_medication()->set_display(display);
  dose->set_status(v1::DoseAdministered::COMPLETED);
  return event;
}

v1::Event& SubjectBuilder::Response(const std::string& category, Date date) {
  v1::Event& event = Add("Observation", date);
  event.mutable_response_assessed()->set_category(category);
  event.mutable_response_assessed()->set_status("final");
  return event;
}

v1::Event& SubjectBuilder::AdverseEvent(const std::string& term, int grade, Date date) {
  v1::Event& event = Add("AdverseEvent", date);
  event.mutable_adverse_event_reported()->set_term(term);
  event.mutable_adverse_event_reported()->set_grade(grade);
  event.mutable_adverse_event_reported()->set_actuality("actual");
  return event;
}

v1::Event& SubjectBuilder::Harvest(Date date) {
  v1::Event& event = Add("Procedure", date);
  event.mutable_stem_cell_harvest()->set_status("completed");
  return event;
}

v1::Event& SubjectBuilder::Transplant(Date date) {
  v1::Event& event = Add("Procedure", date);
  event.mutable_transplant_performed()->set_status("completed");
  return event;
}

v1::Event& SubjectBuilder::Enrollment(const std::string& status, Date date) {
  v1::Event& event = Add("ResearchSubject", date);
  event.mutable_enrollment_changed()->set_status(status);
  event.mutable_enrollment_changed()->set_enrolled_on(FormatDate(date));
  return event;
}

v1::Event& SubjectBuilder::Death(Date date) {
  v1::Event& event = Add("Patient", date);
  event.mutable_subject_died()->set_date(FormatDate(date));
  event.mutable_subject_died()->set_reported_as("Patient.deceasedDateTime");
  return event;
}

v1::Event& SubjectBuilder::Consent(const std::string& status, Date date) {
  v1::Event& event = Add("Consent", date);
  event.mutable_consent_recorded()->set_status(status);
  event.mutable_consent_recorded()->set_date(FormatDate(date));
  return event;
}

v1::Event& SubjectBuilder::Contact(const std::string& status, Date date) {
  v1::Event& event = Add("Encounter", date);
  event.mutable_contact_recorded()->set_status(status);
  event.mutable_contact_recorded()->mutable_encounter_class()->set_code("AMB");
  event.mutable_contact_recorded()->set_date(FormatDate(date));
  return event;
}

void SubjectBuilder::BodySize(Date date, double height_cm, double weight_kg) {
  Lab("body_height", date, height_cm, "cm");
  Lab("body_weight", date, weight_kg, "kg");
}

void SubjectBuilder::Reinduction(Date c1d1, int cycles, double bsa_m2,
                                 const std::vector<std::tuple<std::string, int, int>>& skip) {
  auto skipped = [&](const std::string& agent, int cycle, int day) {
    for (const auto& [a, c, d] : skip) {
      if (a == agent && c == cycle && d == day) return true;
    }
    return false;
  };
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    const Date day1 = c1d1 + 28 * (cycle - 1);
    for (int day = 1; day <= 28; ++day) {
      const Date date = day1 + (day - 1);
      for (int k : {1, 2, 8, 9, 15, 16}) {
        if (day == k && !skipped("carfilzomib", cycle, day)) Dose("carfilzomib", date, 27 * bsa_m2);
      }
      if (day <= 21 && !skipped("lenalidomide", cycle, day)) Dose("lenalidomide", date, 25);
      for (int d : {1, 8, 15, 22}) {
        if (day == d && !skipped("dexamethasone", cycle, day)) Dose("dexamethasone", date, 40);
      }
    }
  }
}

void SubjectBuilder::Maintenance(Date first, Date last) {
  for (Date date = first; date <= last; ++date) Dose("lenalidomide", date, 10);
}

v1::Event& SubjectBuilder::NewVersion(const v1::Event& event) {
  v1::Event copy = event;
  const int n = next_++;
  copy.set_event_id(absl::StrCat("ev-", n));
  copy.mutable_source()->set_version_id(
      absl::StrCat(std::stoi(event.source().version_id()) + 1));
  copy.mutable_source()->set_content_sha256(absl::StrCat("sha-", n));
  copy.set_sequence(n + 1);
  return events_.emplace_back(std::move(copy));
}

v1::Timeline Build(const std::vector<v1::Event>& events, Date today, const Schedule& schedule) {
  return BuildTimeline(schedule, "KRD-001-0001", events, Noon(today), SiteCalendar());
}

std::shared_ptr<const ClinicalRules> KrdClinicalRules() {
  static const auto* rules = [] {
    auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
    EXPECT_TRUE(study.ok()) << study.status();
    return new std::shared_ptr<const ClinicalRules>(
        std::make_shared<const ClinicalRules>(*std::move(study)));
  }();
  return *rules;
}

v1::Timeline BuildClinical(const std::vector<v1::Event>& events, Date today) {
  return BuildTimeline(KrdSchedule(), "KRD-001-0001", events, Noon(today), SiteCalendar(),
                       KrdClinicalRules().get());
}

std::vector<v1::Event> AsSubject(const std::vector<v1::Event>& events,
                                 const std::string& subject_id, const std::string& site_id) {
  std::vector<v1::Event> out;
  for (v1::Event event : events) {
    event.set_subject_id(subject_id);
    event.set_site_id(site_id);
    event.set_event_id(absl::StrCat(subject_id, "/", event.event_id()));
    event.mutable_source()->set_logical_id(
        absl::StrCat(subject_id, "/", event.source().logical_id()));
    out.push_back(std::move(event));
  }
  return out;
}

v1::Timeline BuildClinicalAs(SubjectBuilder& subject, const std::string& subject_id,
                             const std::string& site_id, Date today) {
  for (v1::Event& event : subject.events()) {
    event.set_subject_id(subject_id);
    event.set_site_id(site_id);
  }
  return BuildTimeline(KrdSchedule(), subject_id, subject.events(), Noon(today), SiteCalendar(),
                       KrdClinicalRules().get());
}

absl::Status CommitEach(store::EventStore* store, const std::vector<v1::Event>& events) {
  std::vector<store::SourceWrite> writes;
  for (const v1::Event& event : events) {
    store::SourceWrite write;
    write.source_key = "src/" + event.event_id();
    write.events.push_back(event);
    writes.push_back(std::move(write));
  }
  std::promise<absl::Status> done;
  store->Commit(std::move(writes), [&](store::CommitResult r) { done.set_value(r.status); });
  return done.get_future().get();
}

std::vector<std::string> Codes(const v1::Timeline& timeline) {
  std::vector<std::string> codes;
  for (const auto& finding : timeline.findings()) codes.push_back(finding.finding().code());
  return codes;
}

const v1::TimelinePhase& PhaseOf(const v1::Timeline& timeline, const std::string& id) {
  for (const auto& phase : timeline.phases()) {
    if (phase.id() == id) return phase;
  }
  ADD_FAILURE() << "no phase " << id;
  return v1::TimelinePhase::default_instance();
}

}  // namespace trialgate::schedule::testing
