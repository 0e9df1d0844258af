#include "gateway/endpoints/report_proto.h"

#include <map>
#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "gateway/common/iso_date.h"

namespace trialgate::endpoints {
namespace {

template <typename Key, typename ProtoMap>
void CopyCounts(const std::map<Key, int>& from, ProtoMap* to) {
  for (const auto& [key, count] : from) (*to)[key] = count;
}

// Sets the optional fields through their setters only when present, so absent stays absent.
template <typename Setter>
void SetIfPresent(const std::optional<double>& value, Setter set) {
  if (value.has_value()) set(*value);
}

void Fill(const TimeToEventResult& from, v1::TimeToEvent* to) {
  to->set_id(from.id);
  to->set_name(from.name);
  to->set_population(from.population);
  to->set_n(from.n);
  to->set_events(from.events);
  CopyCounts(from.events_by_kind, to->mutable_events_by_kind());
  to->set_censored(from.censored);
  CopyCounts(from.censored_by_reason, to->mutable_censored_by_reason());
  CopyCounts(from.not_evaluable, to->mutable_not_evaluable());
  for (const SubjectTime& time : from.subjects) {
    v1::SubjectTime* out = to->add_subjects();
    out->set_subject_id(time.subject_id);
    out->set_start(FormatIsoDate(time.start));
    out->set_end(FormatIsoDate(time.end));
    out->set_days(time.days);
    out->set_event(time.event);
    out->set_reason(time.reason);
  }
  to->set_confidence(from.confidence);
  for (const statistics::KaplanMeierRow& row : from.fit.rows) {
    v1::KaplanMeierRow* out = to->add_rows();
    out->set_time(row.time);
    out->set_at_risk(row.at_risk);
    out->set_events(row.events);
    out->set_censored(row.censored);
    out->set_survival(row.survival);
    out->set_std_error(row.std_error);
    SetIfPresent(row.limits.lower, [out](double v) { out->set_lower(v); });
    SetIfPresent(row.limits.upper, [out](double v) { out->set_upper(v); });
  }
  v1::MedianSurvival* median = to->mutable_median();
  SetIfPresent(from.median.median, [median](double v) { median->set_days(v); });
  SetIfPresent(from.median.lower, [median](double v) { median->set_lower(v); });
  SetIfPresent(from.median.upper, [median](double v) { median->set_upper(v); });
  for (const LandmarkRate& landmark : from.landmarks) {
    v1::LandmarkRate* out = to->add_landmarks();
    out->set_months(landmark.months);
    out->set_days(landmark.days);
    out->set_survival(landmark.rate.survival);
    out->set_std_error(landmark.rate.std_error);
    SetIfPresent(landmark.rate.limits.lower, [out](double v) { out->set_lower(v); });
    SetIfPresent(landmark.rate.limits.upper, [out](double v) { out->set_upper(v); });
    out->set_at_risk(landmark.rate.at_risk);
    out->set_beyond_last_observation(landmark.rate.beyond_last_observation);
  }
  for (const AtRiskCount& count : from.at_risk) {
    v1::AtRiskCount* out = to->add_at_risk();
    out->set_months(count.months);
    out->set_days(count.days);
    out->set_at_risk(count.at_risk);
  }
  to->set_source(from.source);
  to->set_unconfirmed(from.unconfirmed);
}

void Fill(const RateResult& from, v1::Rate* to) {
  to->set_id(from.id);
  to->set_name(from.name);
  to->set_population(from.population);
  to->set_primary(from.primary);
  to->set_denominator(from.denominator);
  to->set_n(from.n);
  to->set_successes(from.successes);
  if (from.ci.has_value()) {
    to->set_proportion(from.ci->estimate);
    to->set_lower(from.ci->lower);
    to->set_upper(from.ci->upper);
  }
  CopyCounts(from.not_evaluable, to->mutable_not_evaluable());
  for (const std::string& id : from.success_subjects) to->add_success_subject_ids(id);
  to->set_source(from.source);
  to->set_unconfirmed(from.unconfirmed);
}

void Fill(const TeaeResult& from, v1::Teae* to) {
  to->set_population(from.population);
  to->set_n(from.n);
  to->set_end_window_days(from.end_window_days);
  to->set_end_window_unconfirmed(from.end_window_unconfirmed);
  to->set_severe_grade_at_least(from.severe_grade_at_least);
  CopyCounts(from.not_treatment_emergent, to->mutable_not_treatment_emergent());
  for (const TeaeTable& table : from.tables) {
    v1::TeaeTable* out = to->add_tables();
    out->set_phase(table.phase);
    out->set_n(table.n);
    out->set_subjects_with_teae(table.subjects_with_teae);
    out->set_events(table.events);
    out->set_subjects_severe(table.subjects_severe);
    out->set_subjects_serious(table.subjects_serious);
    out->set_subjects_dose_change(table.subjects_dose_change);
    for (const TermCount& term : table.by_term) {
      v1::TermCount* row = out->add_by_term();
      row->set_meddra_code(term.meddra_code);
      row->set_term(term.term);
      row->set_subjects(term.subjects);
      row->set_events(term.events);
      CopyCounts(term.subjects_by_worst_grade, row->mutable_subjects_by_worst_grade());
    }
  }
  to->set_source(from.source);
}

}  // namespace

v1::EndpointsReport ToProto(const EndpointReport& report) {
  v1::EndpointsReport out;
  out.set_data_cutoff(FormatIsoDate(report.data_cutoff));
  out.set_subjects(report.subjects);
  out.set_consented_after_cutoff(report.consented_after_cutoff);
  for (const TimeToEventResult& result : report.time_to_event) {
    Fill(result, out.add_time_to_event());
  }
  for (const RateResult& rate : report.rates) Fill(rate, out.add_rates());
  Fill(report.adverse_events, out.mutable_adverse_events());
  for (const SiteCount& site : report.sites) {
    v1::SiteCount* row = out.add_sites();
    row->set_site_id(site.site_id);
    row->set_enrolled(site.enrolled);
    row->set_deviations(site.deviations);
    row->set_subjects_with_deviation(site.subjects_with_deviation);
  }
  return out;
}

}  // namespace trialgate::endpoints
