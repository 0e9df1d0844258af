#ifndef TRIALGATE_TESTS_REPORT_REPORT_COHORT_H_
#define TRIALGATE_TESTS_REPORT_REPORT_COHORT_H_

// A hand-built EndpointsReport for the page tests: 2 sites, 4 subjects. PFS: days 100 event,
// 200 censored, 300 event, 400 censored (S = 0.75 after day 100, 0.375 after day 300; the
// median 300; 24 months = 730.5 days is beyond the last observation). OS: no event (median
// NE). ORR 2/4; CR after ASCT over nobody (n = 0: NE). One TEAE table with a term that needs
// escaping. Deviations at both sites. KRD-001-0003 has no best M-protein change.

#include "trialgate/v1/study.pb.h"

namespace trialgate::report::testing {

inline v1::SubjectSummary Summary(const char* id, const char* site, int last_day, bool ongoing) {
  v1::SubjectSummary s;
  s.set_subject_id(id);
  s.set_site_id(site);
  s.set_consent("2025-01-01");
  s.set_consent_source("recorded");
  s.set_status(ongoing ? "on_treatment" : "off_study");
  s.set_ongoing(ongoing);
  s.set_last_day(last_day);
  v1::SubjectPhaseSpan* span = s.add_phases();
  span->set_phase_id("reinduction");
  span->set_kind("reinduction");
  span->set_start_day(1);
  span->set_end_day(last_day < 168 ? last_day : 168);
  if (last_day > 200) {
    span = s.add_phases();
    span->set_phase_id("maintenance");
    span->set_kind("maintenance");
    span->set_start_day(200);
    span->set_end_day(last_day);
  }
  v1::SubjectMarker* dose = s.add_markers();
  dose->set_day(1);
  dose->set_kind("dose");
  dose->set_label("carfilzomib");
  v1::SubjectMarker* response = s.add_markers();
  response->set_day(90);
  response->set_kind("response");
  response->set_label("VGPR");
  return s;
}

inline v1::EndpointsReport ReportCohort() {
  v1::EndpointsReport r;
  r.set_study_id("krd-asct2");
  r.set_data_cutoff("2026-06-30");
  r.set_computed_at("2026-07-01T08:00:00Z");
  r.set_scope("all sites");
  r.set_subjects(4);

  v1::TimeToEvent* pfs = r.add_time_to_event();
  pfs->set_id("pfs");
  pfs->set_name("Progression-free survival");
  pfs->set_population("treated");
  pfs->set_n(4);
  pfs->set_events(2);
  (*pfs->mutable_events_by_kind())["confirmed_progression"] = 2;
  pfs->set_censored(2);
  (*pfs->mutable_censored_by_reason())["no_event"] = 1;
  (*pfs->mutable_censored_by_reason())["withdrawal"] = 1;
  (*pfs->mutable_not_evaluable())["death dated before the origin"] = 1;
  pfs->set_confidence("log-log");
  const char* ids[] = {"KRD-001-0001", "KRD-001-0002", "KRD-002-0003", "KRD-002-0004"};
  const double days[] = {100, 200, 300, 400};
  for (int i = 0; i < 4; ++i) {
    v1::SubjectTime* t = pfs->add_subjects();
    t->set_subject_id(ids[i]);
    t->set_start("2025-01-01");
    t->set_days(days[i]);
    t->set_event(i % 2 == 0);
    t->set_reason(i % 2 == 0 ? "confirmed_progression" : "no_event");
  }
  pfs->mutable_median()->set_days(300);
  pfs->mutable_median()->set_lower(100);  // upper absent: NE
  v1::LandmarkRate* year = pfs->add_landmarks();
  year->set_months(12);
  year->set_days(365.25);
  year->set_survival(0.375);
  year->set_lower(0.0125);
  year->set_upper(0.7875);
  year->set_at_risk(1);
  v1::LandmarkRate* two = pfs->add_landmarks();
  two->set_months(24);
  two->set_days(730.5);
  two->set_survival(0.375);
  two->set_at_risk(0);
  two->set_beyond_last_observation(true);

  v1::TimeToEvent* os = r.add_time_to_event();
  os->set_id("os");
  os->set_name("Overall survival");
  os->set_population("all_consented");
  os->set_n(4);
  os->set_censored(4);
  (*os->mutable_censored_by_reason())["no_event"] = 4;
  os->set_confidence("log-log");
  for (int i = 0; i < 4; ++i) {
    v1::SubjectTime* t = os->add_subjects();
    t->set_subject_id(ids[i]);
    t->set_days(days[i]);
  }

  v1::Rate* orr = r.add_rates();
  orr->set_id("orr");
  orr->set_name("Overall response rate");
  orr->set_population("treated");
  orr->set_primary(true);
  orr->set_denominator("treated subjects");
  orr->set_n(4);
  orr->set_successes(2);
  orr->set_proportion(0.5);
  orr->set_lower(0.0676);
  orr->set_upper(0.9324);
  (*orr->mutable_not_evaluable())["no post-baseline assessment"] = 1;
  orr->add_success_subject_ids("KRD-001-0001");
  orr->add_success_subject_ids("KRD-002-0004");
  v1::Rate* cr = r.add_rates();
  cr->set_id("cr_after_asct");
  cr->set_name("CR after ASCT");
  cr->set_population("transplanted");
  cr->set_primary(false);
  cr->set_denominator("subjects transplanted");

  v1::Teae* teae = r.mutable_adverse_events();
  teae->set_population("safety");
  teae->set_n(4);
  teae->set_end_window_days(30);
  teae->set_severe_grade_at_least(3);
  v1::TeaeTable* any = teae->add_tables();
  any->set_phase("any");
  any->set_n(4);
  any->set_subjects_with_teae(3);
  any->set_events(5);
  any->set_subjects_severe(1);
  any->set_subjects_serious(1);
  v1::TermCount* term = any->add_by_term();
  term->set_term("Rash <maculo-papular> & \"itch\"");
  term->set_meddra_code("10037844");
  term->set_subjects(2);
  term->set_events(3);
  (*term->mutable_subjects_by_worst_grade())[1] = 1;
  (*term->mutable_subjects_by_worst_grade())[3] = 1;
  v1::TeaeTable* reinduction = teae->add_tables();
  reinduction->set_phase("reinduction");
  reinduction->set_n(4);
  reinduction->set_subjects_with_teae(2);
  reinduction->set_subjects_severe(0);

  for (auto [site, enrolled, deviations] :
       {std::tuple{"site-a", 2, 3}, std::tuple{"site-b", 2, 1}}) {
    v1::SiteCount* s = r.add_sites();
    s->set_site_id(site);
    s->set_enrolled(enrolled);
    s->set_deviations(deviations);
    s->set_subjects_with_deviation(1);
  }
  v1::DeviationCount* missed = r.add_deviations();
  missed->set_site_id("site-a");
  missed->set_code("DOSE_MISSED");
  missed->set_severity("MAJOR");
  missed->set_deviations(3);
  missed->set_subjects(1);
  v1::DeviationCount* late = r.add_deviations();
  late->set_site_id("site-b");
  late->set_code("CYCLE_DELAYED");
  late->set_severity("WARNING");
  late->set_deviations(1);
  late->set_subjects(1);

  *r.add_subject_summaries() = Summary("KRD-001-0001", "site-a", 100, false);
  *r.add_subject_summaries() = Summary("KRD-001-0002", "site-a", 200, true);
  *r.add_subject_summaries() = Summary("KRD-002-0003", "site-b", 300, false);
  *r.add_subject_summaries() = Summary("KRD-002-0004", "site-b", 400, true);
  r.mutable_subject_summaries(0)->set_best_m_protein_change_percent(-95.5);
  r.mutable_subject_summaries(0)->set_best_response("VGPR");
  r.mutable_subject_summaries(0)->set_deviations(3);
  r.mutable_subject_summaries(1)->set_best_m_protein_change_percent(-40);
  r.mutable_subject_summaries(3)->set_best_m_protein_change_percent(12.5);
  r.mutable_subject_summaries(3)->set_deviations(1);
  r.mutable_subject_summaries(2)->set_status("died");
  r.mutable_subject_summaries(2)->set_death("2025-10-27");
  v1::SubjectMarker* death = r.mutable_subject_summaries(2)->add_markers();
  death->set_day(300);
  death->set_kind("death");
  return r;
}

}  // namespace trialgate::report::testing

#endif  // TRIALGATE_TESTS_REPORT_REPORT_COHORT_H_
