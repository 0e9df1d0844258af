#ifndef TRIALGATE_MAPPERS_TREATMENT_RULES_H_
#define TRIALGATE_MAPPERS_TREATMENT_RULES_H_

// The study's treatment checks as plain data: when a study agent is withheld for its labs
// (withhold-rules.json), which concomitant medications are prohibited anti-myeloma therapy and
// which are supportive care (concomitant-medications.json), and how long a lab toxicity may go
// without an AdverseEvent. Formats and sources: the files' own "_comment" and
// docs/derivations.md "Treatment checks"; gateway/derivation/treatment_checks.h applies them.
// Parsed and checked with the study, so a malformed file stops the start.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mappers/code_tables.h"
#include "mappers/ctcae_grading.h"

namespace trialgate::mappers {

inline constexpr char kWithholdRulesFile[] = "withhold-rules.json";
inline constexpr char kConcomitantMedicationsFile[] = "concomitant-medications.json";

enum class WithholdCondition {
  kBelow,             // the analyte's latest value < threshold (in `unit`)
  kGradeAtLeast,      // the latest CTCAE grade of `term` >= grade_at_least
  kTimesBaseline,     // the analyte's latest value >= threshold x the subject's baseline
};

// One lab condition under which `agent` is withheld.
struct WithholdRule {
  std::string agent;  // a codes/drugs.json agent id
  WithholdCondition condition = WithholdCondition::kBelow;
  std::string analyte;  // kBelow, kTimesBaseline: a codes/labs.json analyte id
  std::string label;    // how messages name the analyte ("ANC"); the analyte id when not given
  double threshold = 0;  // kBelow: the value; kTimesBaseline: the multiple of the baseline
  std::string unit;      // kBelow: the analyte's study unit
  std::string term;         // kGradeAtLeast: a CTCAE term of ctcae-lab-grading.json
  std::string meddra_code;  // kGradeAtLeast: its MedDRA code
  int grade_at_least = 0;
  std::string source;
  bool unconfirmed = false;  // the reference marks the rule's value UNCONFIRMED
  std::string note;
};

// A code a medication class is recognised by: one exact code, or every code of the system that
// starts with `code` (an ATC class such as "L01XG").
struct CodePattern {
  std::string system;
  std::string code;
  bool prefix = false;
  std::string display;
  std::string source;
  bool unconfirmed = false;
};

struct MedicationClass {
  std::string id;    // "other_proteasome_inhibitors"
  std::string name;  // "proteasome inhibitor other than carfilzomib"
  std::vector<CodePattern> codes;   // with the codes of the named study agents added
  std::vector<CodePattern> except;  // codes (and those of exceptAgents) that take a medication out
  std::vector<std::string> allowed_in_phases;  // schedule phase ids where the class is allowed
  std::string source;
  std::string note;
};

struct TreatmentRules {
  std::vector<WithholdRule> withhold;            // in file order
  std::vector<MedicationClass> supportive_care;  // checked first: never flagged
  std::vector<MedicationClass> prohibited;       // in file order
  // AE_NOT_REPORTED: toxicities of at least this grade need an AdverseEvent within the window.
  int ae_reporting_window_days = 14;
  int ae_reporting_minimum_grade = 3;
  std::string ae_reporting_source;
};

// Parses withhold-rules.json into rules->withhold and the AE reporting settings, against the
// study's code tables (agents, analytes and units) and grading table (terms). INVALID_ARGUMENT
// naming withhold-rules.json and the member on any problem.
absl::Status ParseWithholdRules(std::string_view text, const CodeTables& tables,
                                const CtcaeGradingTable& grading, TreatmentRules* rules);

// Parses concomitant-medications.json into rules->supportive_care and rules->prohibited.
// Every agent must be in the drug table, every allowedInPhases entry in `*phase_ids` (the
// schedule's phases; nullptr when the study has no readable schedule, which then places no
// event in a phase and is reported by the schedule engine). INVALID_ARGUMENT naming
// concomitant-medications.json and the member.
absl::Status ParseConcomitantMedications(std::string_view text, const CodeTables& tables,
                                         const std::vector<std::string>* phase_ids,
                                         TreatmentRules* rules);

// The phase ids of a schedule.json text ("phases"[].id), for ParseConcomitantMedications; the
// schedule engine checks the file itself. INVALID_ARGUMENT naming schedule.json when unreadable.
absl::StatusOr<std::vector<std::string>> SchedulePhaseIds(std::string_view schedule_json);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_TREATMENT_RULES_H_
