#ifndef TRIALGATE_GATEWAY_SCHEDULE_LAB_GRADES_H_
#define TRIALGATE_GATEWAY_SCHEDULE_LAB_GRADES_H_

// CTCAE grades of a subject's lab results, each against the subject's baseline (the last result
// of the same analyte before cycle 1 day 1) and, for calcium, the albumin of the same day.

#include <optional>
#include <string>
#include <vector>

#include "gateway/derivation/lab_value.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_history.h"

namespace trialgate::schedule {

// One graded term of one lab result.
struct LabGrade {
  const Dated* lab = nullptr;
  std::string analyte;  // study analyte id, else the result's LOINC code
  derivation::TermGrade grade;
};

// Every term the grading table gives each current lab result, graded or with the reason it is not
// (in the order of history.labs, then of the table). `treatment_start` is cycle 1 day 1; without
// one no result has a baseline.
std::vector<LabGrade> GradeLabs(const ClinicalRules& rules, const SubjectHistory& history,
                                std::optional<Date> treatment_start);

// The first dose of a study agent of the first cycles phase: where treatment, and the baseline
// that precedes it, are anchored.
std::optional<Date> TreatmentStart(const Schedule& schedule, const SubjectHistory& history);

// The ToxicityGraded payload of a grade of 1 or more (key and withdrawn left unset).
v1::ToxicityGraded ToToxicityGraded(const LabGrade& grade);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_LAB_GRADES_H_
