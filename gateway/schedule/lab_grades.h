#ifndef TRIALGATE_GATEWAY_SCHEDULE_LAB_GRADES_H_
#define TRIALGATE_GATEWAY_SCHEDULE_LAB_GRADES_H_

// CTCAE grades of a subject's lab results, each against the subject's baseline (the last result
// of the same analyte before cycle 1 day 1) and, for calcium, the albumin of the same day.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/derivation/lab_value.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_history.h"

namespace trialgate::schedule {

// One graded term of one lab result.
struct LabGrade {
  Dated lab;
  std::string analyte;  // study analyte id, else the result's LOINC code
  derivation::TermGrade grade;
};

// The subject's baselines: the last value before cycle 1 day 1 by (study analyte id, or the
// LOINC code of a lab outside the table; unit).
using Baselines = std::map<std::pair<std::string, std::string>, double>;

struct LabGrading {
  // The toxicities (grade 1 or more) the grading table gives the current lab results, in the
  // order of history.labs, then of the table; a timeline keeps nothing else of a grading.
  std::vector<LabGrade> grades;
  Baselines baselines;
};

// `treatment_start` is cycle 1 day 1; without one no result has a baseline.
LabGrading GradeLabs(const ClinicalRules& rules, const SubjectHistory& history,
                     std::optional<Date> treatment_start);

// The toxicities of the results of one day (`day`: all of that day's labs, in history order)
// against `baselines`: what GradeLabs gives those labs. A day is graded as a whole because a
// calcium is corrected with the albumin of its day.
std::vector<LabGrade> GradeLabsOfDay(const ClinicalRules& rules, const std::vector<Dated>& day,
                                     const Baselines& baselines);

// The first dose of a study agent of the first cycles phase: where treatment, and the baseline
// that precedes it, are anchored.
std::optional<Date> TreatmentStart(const Schedule& schedule, const SubjectHistory& history);

// The ToxicityGraded payload of a grade of 1 or more (key and withdrawn left unset).
v1::ToxicityGraded ToToxicityGraded(const LabGrade& grade);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_LAB_GRADES_H_
