#ifndef TRIALGATE_GATEWAY_SCHEDULE_CLINICAL_TIMELINE_H_
#define TRIALGATE_GATEWAY_SCHEDULE_CLINICAL_TIMELINE_H_

// The clinical side of one timeline computation: CTCAE grades and IMWG responses derived from
// the subject's labs, and the findings labs, doses and reports raise together
// (docs/derivations.md). Derived values are computed afresh each time, like the rest of the
// timeline; the deviation recorder writes the ones that are new.

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <optional>
#include <vector>

#include "gateway/derivation/imwg_response.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/lab_grades.h"
#include "gateway/schedule/phase_plan.h"
#include "gateway/schedule/placement.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

struct ClinicalDerivations {
  std::optional<Date> treatment_start;  // cycle 1 day 1
  std::vector<LabGrade> toxicities;     // grades >= 1 of results on or after treatment start
  // Every grade >= 1 by lab event id, screening results too: a withhold rule reads them all.
  std::map<std::string, std::vector<derivation::TermGrade>> grades_of_lab;
  Baselines baselines;                  // the last values before cycle 1 day 1
  std::optional<Date> new_therapy;      // the first prohibited therapy (FirstNewTherapy)
  // The responses derived from the labs, kept with their working so that a response marker
  // arriving later can be added (responses()).
  std::unique_ptr<derivation::ResponseDeriver> response_deriver;
  // Events made for the schedule's views (history.toxicities, history.responses) to point to:
  // a deque, so that pointers stay valid as it grows.
  std::deque<v1::Event> made;

  const derivation::ResponseDerivation& responses() const {
    return response_deriver->derivation();
  }
};

// Grades the labs and derives the responses; adds the lab toxicities to history->toxicities (a
// grade 3 lab explains a dose reduction like a reported one) and the confirmed derived
// responses to history->derived_responses (the response gate uses the reported response, else
// the confirmed derived one; progression is taken from reported responses only).
ClinicalDerivations DeriveClinical(const ClinicalRules& rules, const Schedule& schedule,
                                   SubjectHistory* history);

// The parts of DeriveClinical, also used to add a day of labs (timeline_append.h):
// keeps a grade of 1 or more (in grades_of_lab; in toxicities from treatment start on; needs
// derived->treatment_start);
void KeepLabGrade(LabGrade grade, ClinicalDerivations* derived);
// the event a lab toxicity is in history->toxicities as (kept in derived->made);
const v1::Event& MakeToxicityEvent(const LabGrade& grade, ClinicalDerivations* derived);
// a lab that is a response marker, as the response derivation takes it;
bool IsResponseMarker(const Dated& lab);
derivation::MarkerResult MarkerResultOf(const Dated& lab);
// the date the response gate may read a derived assessment from (its own: when it became
// known), none when it may not (unconfirmed, not evaluable);
std::optional<Date> GateDate(const derivation::ResponseAssessment& assessment);
// those of derived->responses() the gate may read, as events dated so
// (history.derived_responses).
std::vector<Dated> ConfirmedResponses(ClinicalDerivations* derived);

// Findings of the derivations with the rest: a study drug given despite its withhold rule,
// a lab toxicity of grade 3+ with no adverse event reported, a prohibited anti-myeloma therapy,
// a reported response the derived one disagrees with. The first prohibited therapy is also the
// timeline's new_therapy_date.
void AddClinicalFindings(const ClinicalRules& rules, const EngineContext& context,
                         const PhasePlan& plan, const ClinicalDerivations& derived,
                         v1::Timeline* timeline);

// RESPONSE_DISCORDANT: a reported response the derived one of its day (else the latest before)
// disagrees with. With `from`, only the responses reported on or after it.
void AddDiscordanceFindings(const EngineContext& context, const PhasePlan& plan,
                            const ClinicalDerivations& derived,
                            std::optional<Date> from = std::nullopt);

// A derived assessment as a ResponseAssessed payload (key and withdrawn left unset).
v1::ResponseAssessed ToResponseAssessed(const derivation::ResponseAssessment& assessment);

// Timeline entries: a derived assessment; a lab toxicity.
v1::TimelineResponse DerivedResponseEntry(const derivation::ResponseAssessment& assessment);
v1::TimelineToxicity LabToxicityEntry(const LabGrade& grade);

// The timeline's responses (reported and derived) and toxicities (reported and lab), by date.
void FillClinical(const EngineContext& context, const ClinicalDerivations& derived,
                  v1::Timeline* timeline);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_CLINICAL_TIMELINE_H_
