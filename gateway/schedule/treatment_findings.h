#ifndef TRIALGATE_GATEWAY_SCHEDULE_TREATMENT_FINDINGS_H_
#define TRIALGATE_GATEWAY_SCHEDULE_TREATMENT_FINDINGS_H_

// The treatment checks of the study (withhold-rules.json, concomitant-medications.json) applied
// to a subject's timeline: each adds its findings (docs/derivations.md).

#include <optional>

#include "gateway/schedule/clinical_timeline.h"

namespace trialgate::schedule {

// The first given dose of another anti-myeloma therapy, judged without phases (the plan needs
// the responses first): a drug allowed in some phase (melphalan for conditioning) does not count.
std::optional<Date> FirstNewTherapy(const mappers::TreatmentRules& rules,
                                    const SubjectHistory& history);

// DOSE_GIVEN_DESPITE_HOLD: each study drug dose given while the latest result of an analyte its
// withhold rules read (a same-day result without a time counts as drawn before) meets a rule.
// With `from`, only the doses dated on or after it (a day appended: timeline_append.h).
void AddHoldFindings(const ClinicalRules& rules, const EngineContext& context,
                     const PhasePlan& plan, const ClinicalDerivations& derived,
                     std::optional<Date> from = std::nullopt);

// AE_NOT_REPORTED: each lab toxicity the rules' window has passed without an adverse event.
// With `from`, only the toxicities dated on or after it.
void AddUnreportedToxicityFindings(const ClinicalRules& rules, const EngineContext& context,
                                   const PhasePlan& plan, const ClinicalDerivations& derived,
                                   std::optional<Date> from = std::nullopt);

// PROHIBITED_MEDICATION: each given medication of a prohibited class in the phase it falls in;
// the first is the timeline's start of new therapy.
void AddProhibitedFindings(const ClinicalRules& rules, const EngineContext& context,
                           const PhasePlan& plan, v1::Timeline* timeline);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_TREATMENT_FINDINGS_H_
