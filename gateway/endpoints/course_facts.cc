#include "gateway/endpoints/course_facts.h"

#include <algorithm>

#include "absl/strings/string_view.h"
#include "gateway/common/iso_date.h"

namespace trialgate::endpoints {

std::optional<absl::CivilDay> CalendarDay(const std::string& text) {
  if (text.size() < 10) return std::nullopt;
  return ParseIsoDate(absl::string_view(text).substr(0, 10));
}

double DurationDays(absl::CivilDay start, absl::CivilDay end,
                    const mappers::EndpointConventions& conventions) {
  return static_cast<double>(end - start) + (conventions.add_one_day ? 1 : 0);
}

bool Counts(const ResponseAssessment& assessment, const mappers::EndpointConventions& conventions) {
  return assessment.origin == AssessmentOrigin::kDerived ? conventions.use_derived_assessments
                                                         : conventions.use_reported_assessments;
}

bool IsAdequate(const ResponseAssessment& assessment) {
  return !assessment.category.empty() && assessment.category != "NE";
}

bool IsResponder(const std::string& category) {
  return category == "sCR" || category == "CR" || category == "VGPR" || category == "PR";
}

absl::CivilDay ObservationStop(const SubjectCourse& course, absl::CivilDay data_cutoff) {
  if (course.withdrawal && *course.withdrawal < data_cutoff) return *course.withdrawal;
  return data_cutoff;
}

std::optional<absl::CivilDay> FirstConfirmedResponse(
    const SubjectCourse& course, const mappers::EndpointConventions& conventions,
    absl::CivilDay data_cutoff) {
  const absl::CivilDay stop = ObservationStop(course, data_cutoff);
  std::optional<absl::CivilDay> first;
  for (const ResponseAssessment& a : course.assessments) {
    if (!Counts(a, conventions) || !a.confirmed || !IsResponder(a.category)) continue;
    if (a.date < course.consent || a.date > stop) continue;
    if (course.progression && a.date >= *course.progression) continue;
    if (course.new_therapy && a.date >= *course.new_therapy) continue;
    if (!first || a.date < *first) first = a.date;
  }
  return first;
}

bool HasPostBaselineAssessment(const SubjectCourse& course,
                               const mappers::EndpointConventions& conventions,
                               absl::CivilDay data_cutoff) {
  return std::any_of(course.assessments.begin(), course.assessments.end(),
                     [&](const ResponseAssessment& a) {
                       return Counts(a, conventions) && IsAdequate(a) && a.date > course.consent &&
                              a.date <= data_cutoff;
                     });
}

bool InPopulation(mappers::Population population, const SubjectCourse& course,
                  const mappers::EndpointConventions& conventions, absl::CivilDay data_cutoff) {
  using mappers::Population;
  switch (population) {
    case Population::kAllConsented:
      return course.consent <= data_cutoff;
    case Population::kTreated:
      return course.first_dose && *course.first_dose <= data_cutoff;
    case Population::kResponseEvaluable:
      return course.measurable_disease &&
             HasPostBaselineAssessment(course, conventions, data_cutoff);
    case Population::kAsctRecipients:
      return course.asct_day0 && *course.asct_day0 <= data_cutoff;
    case Population::kMobilisationAttempted:
      return course.mobilisation_attempted;
    case Population::kConfirmedResponders:
      return FirstConfirmedResponse(course, conventions, data_cutoff).has_value();
  }
  return false;
}

}  // namespace trialgate::endpoints
