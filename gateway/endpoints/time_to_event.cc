#include "gateway/endpoints/time_to_event.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gateway/common/status_macros.h"
#include "gateway/endpoints/course_facts.h"
#include "gateway/statistics/observation.h"

namespace trialgate::endpoints {
namespace {

using mappers::CensorAt;
using mappers::CensoringRule;
using mappers::EndpointEvent;

constexpr char kEventAfterMissedAssessments[] = "event_after_missed_assessments";

// The earliest confirmed >= PR on or after consent, with no other limit: the TTE rules apply
// the stop, new therapy and competing events themselves.
std::optional<absl::CivilDay> EarliestResponse(const SubjectCourse& course,
                                               const mappers::EndpointConventions& conventions) {
  std::optional<absl::CivilDay> first;
  for (const ResponseAssessment& a : course.assessments) {
    if (!Counts(a, conventions) || !a.confirmed || !IsResponder(a.category)) continue;
    if (a.date < course.consent) continue;
    if (!first || a.date < *first) first = a.date;
  }
  return first;
}

std::optional<absl::CivilDay> EventDate(EndpointEvent event, const SubjectCourse& course,
                                        const mappers::EndpointConventions& conventions) {
  switch (event) {
    case EndpointEvent::kConfirmedProgression:
      return course.progression;
    case EndpointEvent::kDeath:
      return course.death;
    case EndpointEvent::kResponse:
      return EarliestResponse(course, conventions);
  }
  return std::nullopt;
}

bool Lists(const mappers::TimeToEventDefinition& definition, CensoringRule rule) {
  return std::any_of(definition.censoring.begin(), definition.censoring.end(),
                     [rule](const mappers::CensoringStep& s) { return s.rule == rule; });
}

}  // namespace

std::optional<SubjectTime> DeriveSubjectTime(const mappers::TimeToEventDefinition& definition,
                                             const mappers::EndpointConventions& conventions,
                                             const SubjectCourse& course,
                                             absl::CivilDay data_cutoff,
                                             std::string* not_evaluable) {
  std::optional<absl::CivilDay> origin = course.consent;
  if (definition.origin == mappers::TimeOrigin::kFirstResponse) {
    origin = FirstConfirmedResponse(course, conventions, data_cutoff);
    if (!origin) {
      *not_evaluable = "no confirmed response to start from";
      return std::nullopt;
    }
  }
  const absl::CivilDay stop = ObservationStop(course, data_cutoff);
  std::optional<absl::CivilDay> therapy;
  if (Lists(definition, CensoringRule::kNewAntiMyelomaTherapy) && course.new_therapy &&
      *course.new_therapy <= stop) {
    therapy = course.new_therapy;
  }
  std::optional<absl::CivilDay> competing;
  for (EndpointEvent kind : definition.competing_events) {
    std::optional<absl::CivilDay> date = EventDate(kind, course, conventions);
    if (date && *date >= *origin && *date <= stop && (!competing || *date < *competing)) {
      competing = date;
    }
  }

  SubjectTime out;
  out.subject_id = course.subject_id;
  out.start = *origin;
  std::optional<absl::CivilDay> event_date;
  for (EndpointEvent kind : definition.events) {
    std::optional<absl::CivilDay> date = EventDate(kind, course, conventions);
    if (!date) continue;
    if (*date < *origin) {
      // A date before the origin is a data error (e.g. death before consent): say so rather
      // than produce a negative time.
      *not_evaluable = std::string(mappers::EventName(kind)) + " dated before the origin";
      return std::nullopt;
    }
    if (*date > stop || (therapy && *date > *therapy) || (competing && *date > *competing)) {
      continue;
    }
    // A response on the day new therapy starts cannot count ([ONC-IMWG]: assessments after
    // new therapy cannot confirm; the rates exclude that day too).
    if (kind == EndpointEvent::kResponse && therapy && *date >= *therapy) continue;
    if (!event_date || *date < *event_date) {
      event_date = date;
      out.reason = std::string(mappers::EventName(kind));
    }
  }
  if (event_date && definition.missed_assessments.enabled) {
    // Sensitivity (FDA guidance App. 3): an event after >= count missed assessments is censored
    // at the last adequate assessment before it (the origin when there is none).
    absl::CivilDay last = *origin;
    for (const ResponseAssessment& a : course.assessments) {
      if (Counts(a, conventions) && IsAdequate(a) && a.date >= *origin && a.date < *event_date) {
        last = std::max(last, a.date);
      }
    }
    const mappers::MissedAssessmentsRule& rule = definition.missed_assessments;
    if (*event_date - last > static_cast<absl::civil_diff_t>(rule.count) * rule.interval_days) {
      out.end = last;
      out.event = false;
      out.reason = kEventAfterMissedAssessments;
      out.days = DurationDays(out.start, out.end, conventions);
      return out;
    }
  }
  if (event_date) {
    out.end = *event_date;
    out.event = true;
    out.days = DurationDays(out.start, out.end, conventions);
    return out;
  }

  // Censored. Assessments that can show the subject event-free: counted, adequate, from the
  // origin to the stop, before new therapy and no later than the competing event.
  absl::CivilDay limit = stop;
  if (therapy) limit = std::min(limit, *therapy - 1);
  if (competing) limit = std::min(limit, *competing);
  std::optional<absl::CivilDay> last_adequate;
  bool post_baseline = false;
  for (const ResponseAssessment& a : course.assessments) {
    if (!Counts(a, conventions) || !IsAdequate(a) || a.date < *origin || a.date > limit) continue;
    if (a.date > *origin) post_baseline = true;
    if (!last_adequate || a.date > *last_adequate) last_adequate = a.date;
  }
  const mappers::CensoringStep* step = &definition.censoring.back();
  for (const mappers::CensoringStep& s : definition.censoring) {
    bool applies = false;
    switch (s.rule) {
      case CensoringRule::kNoPostBaselineAssessment:
        applies = !post_baseline;
        break;
      case CensoringRule::kNewAntiMyelomaTherapy:
        applies = therapy.has_value();
        break;
      case CensoringRule::kWithdrawal:
        applies = course.withdrawal && *course.withdrawal <= data_cutoff;
        break;
      case CensoringRule::kCompetingEvent:
        applies = competing.has_value();
        break;
      case CensoringRule::kNoEvent:
        applies = true;
        break;
    }
    if (applies) {
      step = &s;
      break;
    }
  }
  out.reason = std::string(mappers::CensoringRuleName(step->rule));
  switch (step->censor_at) {
    case CensorAt::kOrigin:
      out.end = *origin;
      break;
    case CensorAt::kLastAdequateAssessment:
      out.end = last_adequate.value_or(*origin);
      break;
    case CensorAt::kLastKnownAlive: {
      // The latest day the subject is known alive, no later than the limit; known alive after
      // the limit means alive through it.
      std::vector<absl::CivilDay> alive = {*origin};
      if (course.last_known_alive) alive.push_back(*course.last_known_alive);
      if (course.first_dose) alive.push_back(*course.first_dose);
      if (course.last_dose) alive.push_back(*course.last_dose);
      for (const ResponseAssessment& a : course.assessments) alive.push_back(a.date);
      absl::CivilDay end = *origin;
      for (absl::CivilDay day : alive) end = std::max(end, std::min(day, limit));
      out.end = end;
      break;
    }
  }
  out.days = DurationDays(out.start, out.end, conventions);
  return out;
}

absl::StatusOr<TimeToEventResult> ComputeTimeToEvent(
    const mappers::TimeToEventDefinition& definition,
    const mappers::EndpointConventions& conventions, std::span<const SubjectCourse> courses,
    absl::CivilDay data_cutoff) {
  TimeToEventResult result;
  result.id = definition.id;
  result.name = definition.name;
  result.population = std::string(mappers::PopulationName(definition.population));
  result.source = definition.source;
  result.unconfirmed = definition.unconfirmed;
  const statistics::ConfidenceType type = definition.confidence == mappers::SurvivalCi::kLog
                                              ? statistics::ConfidenceType::kLog
                                              : statistics::ConfidenceType::kLogLog;
  result.confidence = type == statistics::ConfidenceType::kLog ? "log" : "log-log";

  std::vector<statistics::Observation> data;
  for (const SubjectCourse& course : courses) {
    if (!InPopulation(definition.population, course, conventions, data_cutoff)) continue;
    std::string why;
    std::optional<SubjectTime> time =
        DeriveSubjectTime(definition, conventions, course, data_cutoff, &why);
    if (!time) {
      ++result.not_evaluable[why];
      continue;
    }
    if (time->event) {
      ++result.events;
      ++result.events_by_kind[time->reason];
    } else {
      ++result.censored;
      ++result.censored_by_reason[time->reason];
    }
    data.push_back(statistics::Observation{time->days, time->event});
    result.subjects.push_back(*std::move(time));
  }
  result.n = static_cast<int>(data.size());
  ASSIGN_OR_RETURN(result.fit, statistics::EstimateKaplanMeier(data, type));
  result.median = statistics::EstimateMedian(result.fit);
  for (double months : definition.landmark_months) {
    const double days = months * conventions.days_per_month;
    result.landmarks.push_back(
        LandmarkRate{months, days, statistics::SurvivalAt(result.fit, days)});
  }
  for (double months : definition.at_risk_months) {
    const double days = months * conventions.days_per_month;
    result.at_risk.push_back(AtRiskCount{months, days, statistics::AtRisk(result.fit, days)});
  }
  return result;
}

}  // namespace trialgate::endpoints
