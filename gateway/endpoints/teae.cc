#include "gateway/endpoints/teae.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/endpoints/course_facts.h"

namespace trialgate::endpoints {
namespace {

constexpr char kAny[] = "any";
constexpr char kOnsetMissing[] = "onset_missing";

// Accumulates one table: per subject, what it had.
struct TableBuilder {
  std::set<std::string> subjects, severe, serious, dose_change;
  int events = 0;
  struct Term {
    std::string term;
    int events = 0;
    std::map<std::string, int> worst_grade;  // subject -> worst grade of the term
  };
  std::map<std::string, Term> terms;  // by MedDRA code (or term)

  void Add(const SubjectCourse& course, const AdverseEventRecord& ae, int severe_grade) {
    ++events;
    subjects.insert(course.subject_id);
    if (ae.grade >= severe_grade) severe.insert(course.subject_id);
    if (ae.serious) serious.insert(course.subject_id);
    if (ae.led_to_dose_change) dose_change.insert(course.subject_id);
    const std::string key = ae.meddra_code.empty() ? ae.term : ae.meddra_code;
    Term& term = terms[key];
    if (term.term.empty()) term.term = ae.term;
    ++term.events;
    auto [it, inserted] = term.worst_grade.emplace(course.subject_id, ae.grade);
    if (!inserted) it->second = std::max(it->second, ae.grade);
  }

  TeaeTable Build(std::string phase, int n) const {
    TeaeTable table;
    table.phase = std::move(phase);
    table.n = n;
    table.subjects_with_teae = static_cast<int>(subjects.size());
    table.events = events;
    table.subjects_severe = static_cast<int>(severe.size());
    table.subjects_serious = static_cast<int>(serious.size());
    table.subjects_dose_change = static_cast<int>(dose_change.size());
    for (const auto& [code, term] : terms) {
      TermCount count;
      count.meddra_code = code;
      count.term = term.term;
      count.events = term.events;
      count.subjects = static_cast<int>(term.worst_grade.size());
      for (const auto& [subject, grade] : term.worst_grade) ++count.subjects_by_worst_grade[grade];
      table.by_term.push_back(std::move(count));
    }
    std::stable_sort(table.by_term.begin(), table.by_term.end(),
                     [](const TermCount& a, const TermCount& b) {
                       if (a.subjects != b.subjects) return a.subjects > b.subjects;
                       return a.term < b.term;
                     });
    return table;
  }
};

std::optional<absl::CivilDay> PhaseStart(const mappers::TreatmentPhase& phase,
                                         const SubjectCourse& course) {
  std::optional<absl::CivilDay> anchor;
  switch (phase.starts_at) {
    case mappers::PhaseStart::kFirstDose:
      anchor = course.first_dose;
      break;
    case mappers::PhaseStart::kAsctDay0:
      anchor = course.asct_day0;
      break;
    case mappers::PhaseStart::kMaintenanceStart:
      anchor = course.maintenance_start;
      break;
  }
  if (!anchor) return std::nullopt;
  return *anchor + phase.offset_days;
}

}  // namespace

std::optional<std::string> NotTreatmentEmergent(const mappers::AdverseEventDefinition& definition,
                                                const SubjectCourse& course,
                                                const AdverseEventRecord& ae,
                                                absl::CivilDay data_cutoff) {
  if (!ae.onset) {
    if (definition.missing_onset_is_treatment_emergent) return std::nullopt;
    return "onset missing";
  }
  if (*ae.onset > data_cutoff) return "onset after the data cutoff";
  if (*ae.onset < *course.first_dose) return "onset before the first dose";
  if (course.last_dose && *ae.onset > *course.last_dose + definition.end_window_days) {
    return absl::StrCat("onset after the last dose + ", definition.end_window_days, " days");
  }
  return std::nullopt;
}

std::string PhaseOf(const mappers::AdverseEventDefinition& definition, const SubjectCourse& course,
                    absl::CivilDay onset) {
  std::string phase = definition.phases.front().id;
  for (const mappers::TreatmentPhase& p : definition.phases) {
    std::optional<absl::CivilDay> start = PhaseStart(p, course);
    if (start && *start <= onset) phase = p.id;
  }
  return phase;
}

TeaeResult ComputeTeae(const mappers::AdverseEventDefinition& definition,
                       const mappers::EndpointConventions& conventions,
                       std::span<const SubjectCourse> courses, absl::CivilDay data_cutoff) {
  TeaeResult result;
  result.population = std::string(mappers::PopulationName(definition.population));
  result.end_window_days = definition.end_window_days;
  result.end_window_unconfirmed = definition.end_window_unconfirmed;
  result.severe_grade_at_least = definition.severe_grade_at_least;
  result.source = definition.source;
  TableBuilder any, missing;
  std::map<std::string, TableBuilder> by_phase;
  for (const SubjectCourse& course : courses) {
    if (!InPopulation(definition.population, course, conventions, data_cutoff)) {
      result.not_treatment_emergent["subject not treated"] +=
          static_cast<int>(course.adverse_events.size());
      continue;
    }
    ++result.n;
    for (const AdverseEventRecord& ae : course.adverse_events) {
      if (std::optional<std::string> why =
              NotTreatmentEmergent(definition, course, ae, data_cutoff)) {
        ++result.not_treatment_emergent[*why];
        continue;
      }
      any.Add(course, ae, definition.severe_grade_at_least);
      if (ae.onset) {
        by_phase[PhaseOf(definition, course, *ae.onset)].Add(course, ae,
                                                             definition.severe_grade_at_least);
      } else {
        missing.Add(course, ae, definition.severe_grade_at_least);
      }
    }
  }
  result.tables.push_back(any.Build(kAny, result.n));
  for (const mappers::TreatmentPhase& phase : definition.phases) {
    result.tables.push_back(by_phase[phase.id].Build(phase.id, result.n));
  }
  result.tables.push_back(missing.Build(kOnsetMissing, result.n));
  return result;
}

}  // namespace trialgate::endpoints
