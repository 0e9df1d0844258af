#ifndef TRIALGATE_GATEWAY_DERIVATION_TREATMENT_CHECKS_H_
#define TRIALGATE_GATEWAY_DERIVATION_TREATMENT_CHECKS_H_

// Three clinical checks over the study's treatment rules (mappers::TreatmentRules, loaded with
// the study from withhold-rules.json and concomitant-medications.json): a dose given while a
// withhold rule held, prohibited anti-myeloma therapy, and lab toxicities with no AdverseEvent.
// Pure functions: no I/O, no clock (the caller passes today), the same answer for the same
// input; thread-safe. What they find is a fact to record and flag, never a reason to reject.
// Rules, sources and defaults: docs/derivations.md "Treatment checks".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/derivation/lab_value.h"
#include "mappers/treatment_rules.h"

namespace trialgate::derivation {

// The latest result of one analyte before a dose, with its CTCAE grades.
struct LatestLab {
  std::string analyte;          // study analyte id ("anc", "platelets", "creatinine")
  std::string date;             // YYYY-MM-DD
  std::optional<double> value;  // in the study's unit for the analyte
  std::string unit;             // that unit
  std::optional<double> baseline;  // the subject's baseline of the analyte, same unit
  std::vector<TermGrade> grades;   // from LabGrader
  std::string event_id;
};

struct HoldViolation {
  std::string rule;       // readable: "lenalidomide is withheld when ANC < 1.0 10*9/L: ANC 0.8 10*9/L on 2026-03-02"
  std::string source;
  std::string lab_event_id;
  bool unconfirmed = false;  // the rule's value is marked UNCONFIRMED in withhold-rules.json
};

// Each withhold rule of `agent` that the latest labs before its dose meet (empty: none).
// A value rule (below, x baseline) needs the analyte's value in the rule's unit (and the
// baseline); a grade rule needs a graded TermGrade of its term. A lab without them meets no rule.
// Comparisons round both sides to 12 significant digits, so 2.0 x baseline is met exactly.
std::vector<HoldViolation> CheckWithhold(const mappers::TreatmentRules& rules, std::string_view agent,
                                         const std::vector<LatestLab>& latest);

struct Coding {
  std::string system, code, display;
};

struct ProhibitedMatch {
  std::string therapy_class;  // "proteasome inhibitor other than carfilzomib"
  std::string matched;        // "http://www.whocc.no/atc|L01XG01"
  std::string source;
  std::string class_id;        // "other_proteasome_inhibitors"
  bool unconfirmed = false;    // matched through a code marked unconfirmed
  bool phase_unknown = false;  // the class is allowed in some phases and `phase` was ""
};

// Prohibited anti-myeloma therapy named by any of `codings`, given in `phase` (a schedule phase
// id, "" unknown); nullopt for supportive care (checked first) and anything not listed.
// A class allowed in some phases is flagged when `phase` is unknown, with phase_unknown set.
// Systems and codes compare exactly; a prefix entry matches codes starting with it.
std::optional<ProhibitedMatch> MatchProhibited(const mappers::TreatmentRules& rules,
                                               const std::vector<Coding>& codings, std::string_view phase);

struct LabToxicity {
  std::string term, meddra_code;
  int grade = 0;
  std::string date, lab_event_id;
};

struct ReportedAdverseEvent {
  std::string term, meddra_code;
  std::string onset_date;  // YYYY-MM-DD (a longer dateTime is read by its date)
};

// Lab toxicities of at least the rules' minimum grade with no AdverseEvent of the same term
// (MedDRA code, else case-insensitive term) whose onset is within the window (either side) of the
// lab date — reported only once the window has passed (lab date + window < today).
// A toxicity or an onset whose date is not a full YYYY-MM-DD date is not placed: such a
// toxicity is not reported, such an AdverseEvent covers nothing.
std::vector<LabToxicity> FindUnreportedToxicities(const mappers::TreatmentRules& rules,
                                                  const std::vector<LabToxicity>& toxicities,
                                                  const std::vector<ReportedAdverseEvent>& reported,
                                                  std::string_view today);

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_TREATMENT_CHECKS_H_
