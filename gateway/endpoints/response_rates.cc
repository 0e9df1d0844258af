#include "gateway/endpoints/response_rates.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/endpoints/course_facts.h"
#include "gateway/statistics/binomial_ci.h"

namespace trialgate::endpoints {
namespace {

using mappers::RateKind;
using mappers::WindowAnchor;

bool InCategories(const mappers::RateDefinition& definition, const std::string& category) {
  return std::find(definition.categories.begin(), definition.categories.end(), category) !=
         definition.categories.end();
}

// An assessment that can count for a response rate: read by the study, on or after consent, by
// the stop, before new therapy.
bool Usable(const ResponseAssessment& a, const SubjectCourse& course,
            const mappers::EndpointConventions& conventions, absl::CivilDay stop) {
  return Counts(a, conventions) && a.date >= course.consent && a.date <= stop &&
         !(course.new_therapy && a.date >= *course.new_therapy);
}

bool Qualifies(const ResponseAssessment& a, const mappers::RateDefinition& definition) {
  return InCategories(definition, a.category) && (a.confirmed || !definition.require_confirmed);
}

// Success, or nullopt with *why when the outcome cannot be assessed (a non-success then).
std::optional<bool> Outcome(const mappers::RateDefinition& definition,
                            const mappers::EndpointConventions& conventions,
                            const SubjectCourse& course, absl::CivilDay data_cutoff,
                            std::string* why) {
  const absl::CivilDay stop = ObservationStop(course, data_cutoff);
  switch (definition.kind) {
    case RateKind::kBestResponse: {
      // Best confirmed response before PD or new therapy ([ONC-IMWG] CBOR).
      for (const ResponseAssessment& a : course.assessments) {
        if (!Usable(a, course, conventions, stop) || !Qualifies(a, definition)) continue;
        if (course.progression && a.date >= *course.progression) continue;
        return true;
      }
      if (!HasPostBaselineAssessment(course, conventions, stop)) {
        *why = "no post-baseline response assessment";
        return std::nullopt;
      }
      return false;
    }
    case RateKind::kResponseInWindow: {
      const bool asct = definition.window.anchor == WindowAnchor::kAsctDay0;
      const std::optional<absl::CivilDay> anchor = asct ? course.asct_day0 : course.cycle6_end;
      if (!anchor || *anchor > data_cutoff) {
        *why = asct ? "no 2nd ASCT by the data cutoff"
                    : "KRd cycle 6 not completed by the data cutoff";
        return std::nullopt;
      }
      const absl::CivilDay from = *anchor + definition.window.from_days;
      const absl::CivilDay to = *anchor + definition.window.to_days;  // inclusive
      bool assessed = false;
      for (const ResponseAssessment& a : course.assessments) {
        if (!Usable(a, course, conventions, stop) || a.date < from || a.date > to) continue;
        if (Qualifies(a, definition)) return true;
        assessed |= IsAdequate(a);
      }
      if (to > stop) {
        *why = "assessment window still open at the data cutoff or withdrawal";
        return std::nullopt;
      }
      if (!assessed) {
        *why = "no adequate assessment in the window";
        return std::nullopt;
      }
      return false;
    }
    case RateKind::kHarvest:
      if (!course.mobilisation_attempted) {
        *why = "mobilisation not attempted";
        return std::nullopt;
      }
      if (!course.cd34_per_kg) {
        *why = "CD34+ count missing";
        return std::nullopt;
      }
      // Strictly greater: exactly 2.0e6 is not a success (study text).
      return *course.cd34_per_kg > definition.cd34_per_kg_greater_than;
  }
  return false;
}

std::string Denominator(mappers::Population population) {
  using mappers::Population;
  std::string who;
  switch (population) {
    case Population::kAllConsented:
      who = "every subject consented by the data cutoff";
      break;
    case Population::kTreated:
      who = "subjects with >= 1 study dose";
      break;
    case Population::kResponseEvaluable:
      who = "subjects with measurable disease and >= 1 post-baseline response assessment";
      break;
    case Population::kAsctRecipients:
      who = "subjects who received the 2nd ASCT";
      break;
    case Population::kMobilisationAttempted:
      who = "subjects who attempted mobilisation";
      break;
    case Population::kConfirmedResponders:
      who = "subjects with a confirmed >= PR";
      break;
  }
  return absl::StrCat(who, "; subjects whose outcome cannot be assessed count as non-successes");
}

}  // namespace

absl::StatusOr<std::vector<RateResult>> ComputeRate(const mappers::RateDefinition& definition,
                                                    const mappers::EndpointConventions& conventions,
                                                    std::span<const SubjectCourse> courses,
                                                    absl::CivilDay data_cutoff) {
  std::vector<RateResult> out;
  for (mappers::Population population : definition.populations) {
    RateResult rate;
    rate.id = definition.id;
    rate.name = definition.name;
    rate.population = std::string(mappers::PopulationName(population));
    rate.primary = out.empty();
    rate.denominator = Denominator(population);
    rate.source = definition.source;
    rate.unconfirmed = definition.unconfirmed || (definition.kind == RateKind::kResponseInWindow &&
                                                  definition.window.unconfirmed);
    for (const SubjectCourse& course : courses) {
      if (!InPopulation(population, course, conventions, data_cutoff)) continue;
      ++rate.n;
      std::string why;
      const std::optional<bool> success =
          Outcome(definition, conventions, course, data_cutoff, &why);
      if (!success) {
        ++rate.not_evaluable[why];
      } else if (*success) {
        ++rate.successes;
        rate.success_subjects.push_back(course.subject_id);
      }
    }
    if (rate.n > 0) {
      ASSIGN_OR_RETURN(rate.ci, statistics::ClopperPearson(rate.successes, rate.n));
    }
    out.push_back(std::move(rate));
  }
  return out;
}

}  // namespace trialgate::endpoints
