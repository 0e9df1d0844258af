#ifndef TRIALGATE_GATEWAY_SCHEDULE_CLINICAL_RULES_H_
#define TRIALGATE_GATEWAY_SCHEDULE_CLINICAL_RULES_H_

// What the timeline derives from a subject's labs needs the study's tables (grading, response
// criteria, treatment rules), not only its schedule: they travel together, built once at start.

#include <memory>

#include "gateway/derivation/lab_grader.h"
#include "mappers/study.h"

namespace trialgate::schedule {

struct ClinicalRules {
  // REQUIRES: study != nullptr.
  explicit ClinicalRules(std::shared_ptr<const mappers::Study> study)
      : study(study), grader(study) {}

  std::shared_ptr<const mappers::Study> study;
  derivation::LabGrader grader;
};

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_CLINICAL_RULES_H_
