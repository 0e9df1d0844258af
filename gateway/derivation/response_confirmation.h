#ifndef TRIALGATE_GATEWAY_DERIVATION_RESPONSE_CONFIRMATION_H_
#define TRIALGATE_GATEWAY_DERIVATION_RESPONSE_CONFIRMATION_H_

// IMWG confirmation over a subject's assessments, already categorised one by one.
// "All response categories require two consecutive assessments made at any time before the
// institution of any new therapy" (Durie 2006 Table 5 footnote a); no minimum interval, but a
// different sample (admiralonco adrs_imwg); the response date is the first of the two.

#include <optional>
#include <string>
#include <vector>

#include "gateway/derivation/response_levels.h"

namespace trialgate::derivation {

struct DayLevel {
  std::string date;
  std::optional<Level> level;  // nullopt: not evaluable, skipped when pairing
  // What the day shows as the partner of another assessment: its level, except that a CR whose
  // only gap is an unexamined marrow counts as CR (the marrow need not be repeated).
  Level confirm_level = Level::kSD;
  bool needs_confirmation = true;  // false for SD and marrow-based categories
  // Days pair only within one segment: a baseline reset at transplant starts a new one.
  int segment = 0;
};

struct Confirmation {
  bool confirmed = false;
  std::string response_date;        // first of the run that confirms; the own date otherwise
  std::optional<size_t> partner;    // index of the assessment paired with, when confirmed
  std::string text;                 // the sentence for the rule
};

// One entry per day, in order. REQUIRES: days sorted by date, dates distinct.
// `new_therapy_date` empty when none; a day on or after it cannot confirm. `earlier_only`: a
// day is confirmed only by an earlier one (what was known on its date). Entries before `from`
// are left unset (a caller that has them already: with `earlier_only` they cannot change).
std::vector<Confirmation> Confirm(const std::vector<DayLevel>& days,
                                  const std::string& new_therapy_date, bool earlier_only = false,
                                  size_t from = 0);

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_RESPONSE_CONFIRMATION_H_
