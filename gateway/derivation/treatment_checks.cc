#include "gateway/derivation/treatment_checks.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gateway/derivation/grade_rules.h"

namespace trialgate::derivation {
namespace {

using mappers::CodePattern;
using mappers::MedicationClass;
using mappers::WithholdCondition;
using mappers::WithholdRule;

// "2026-03-02" (or the date part of a longer dateTime) as a civil day; nullopt unless it is a
// real calendar date.
std::optional<absl::CivilDay> ParseDay(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (text.size() > 10 && text[10] != 'T') return std::nullopt;
  int64_t parts[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < lengths[i]; ++j) {
      const char c = text[starts[i] + j];
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const absl::CivilDay day(parts[0], static_cast<int>(parts[1]), static_cast<int>(parts[2]));
  // CivilDay normalises 2026-02-30 to 2026-03-02: a date that moved was not a date.
  if (day.year() != parts[0] || day.month() != parts[1] || day.day() != parts[2]) {
    return std::nullopt;
  }
  return day;
}

bool Matches(const CodePattern& pattern, const Coding& coding) {
  if (pattern.system != coding.system || coding.code.empty()) return false;
  return pattern.prefix ? absl::StartsWith(coding.code, pattern.code)
                        : coding.code == pattern.code;
}

// The first pattern of `patterns` that one of `codings` matches, with that coding.
std::optional<std::pair<const CodePattern*, const Coding*>> FirstMatch(
    const std::vector<CodePattern>& patterns, const std::vector<Coding>& codings) {
  for (const Coding& coding : codings) {
    for (const CodePattern& pattern : patterns) {
      if (Matches(pattern, coding)) return std::make_pair(&pattern, &coding);
    }
  }
  return std::nullopt;
}

std::string ObservedValue(const WithholdRule& rule, const LatestLab& lab) {
  return absl::StrCat(rule.label, " ", *lab.value, " ", lab.unit);
}

// A threshold as a reader of the label writes it: "1.0", "30.0", "0.75".
std::string Threshold(double value) {
  std::string text = absl::StrCat(value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string RuleText(const WithholdRule& rule) {
  switch (rule.condition) {
    case WithholdCondition::kBelow:
      return absl::StrCat(rule.label, " < ", Threshold(rule.threshold), " ", rule.unit);
    case WithholdCondition::kGradeAtLeast:
      return absl::StrCat(rule.term, " is CTCAE grade ", rule.grade_at_least, " or higher");
    case WithholdCondition::kTimesBaseline:
      return absl::StrCat(rule.label, " >= ", rule.threshold, " x baseline");
  }
  return "";
}

// What the lab shows when it meets the rule; nullopt when it does not (or cannot be judged).
std::optional<std::string> Meets(const WithholdRule& rule, const LatestLab& lab) {
  switch (rule.condition) {
    case WithholdCondition::kBelow: {
      if (lab.analyte != rule.analyte || !lab.value || lab.unit != rule.unit) return std::nullopt;
      if (!Holds(mappers::Comparison::kLess, *lab.value, rule.threshold)) return std::nullopt;
      return ObservedValue(rule, lab);
    }
    case WithholdCondition::kTimesBaseline: {
      if (lab.analyte != rule.analyte || !lab.value || !lab.baseline || *lab.baseline <= 0) {
        return std::nullopt;
      }
      if (!Holds(mappers::Comparison::kGreaterOrEqual, *lab.value,
                 rule.threshold * *lab.baseline)) {
        return std::nullopt;
      }
      return absl::StrCat(ObservedValue(rule, lab), " (baseline ", *lab.baseline, " ", lab.unit,
                          ", ", Signif12(*lab.value / *lab.baseline), " x)");
    }
    case WithholdCondition::kGradeAtLeast: {
      for (const TermGrade& grade : lab.grades) {
        if (grade.term != rule.term || !grade.grade) continue;
        if (*grade.grade < rule.grade_at_least) continue;
        std::string shown = absl::StrCat(rule.term, " grade ", *grade.grade);
        if (lab.value) absl::StrAppend(&shown, " (", lab.analyte, " ", *lab.value, " ", lab.unit, ")");
        return shown;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool SameTerm(const LabToxicity& toxicity, const ReportedAdverseEvent& event) {
  if (!toxicity.meddra_code.empty() && !event.meddra_code.empty()) {
    return toxicity.meddra_code == event.meddra_code;
  }
  return !toxicity.term.empty() && absl::EqualsIgnoreCase(toxicity.term, event.term);
}

}  // namespace

std::vector<HoldViolation> CheckWithhold(const mappers::TreatmentRules& rules, std::string_view agent,
                                         const std::vector<LatestLab>& latest) {
  std::vector<HoldViolation> out;
  for (const WithholdRule& rule : rules.withhold) {
    if (rule.agent != agent) continue;
    for (const LatestLab& lab : latest) {
      std::optional<std::string> shown = Meets(rule, lab);
      if (!shown) continue;
      HoldViolation violation;
      violation.rule = absl::StrCat(rule.agent, " is withheld when ", RuleText(rule), ": ", *shown,
                                    " on ", lab.date);
      violation.source = rule.source;
      violation.lab_event_id = lab.event_id;
      violation.unconfirmed = rule.unconfirmed;
      out.push_back(std::move(violation));
      break;  // one violation per rule: the first lab that meets it
    }
  }
  return out;
}

std::optional<ProhibitedMatch> MatchProhibited(const mappers::TreatmentRules& rules,
                                               const std::vector<Coding>& codings, std::string_view phase) {
  for (const MedicationClass& supportive : rules.supportive_care) {
    if (FirstMatch(supportive.codes, codings)) return std::nullopt;
  }
  for (const MedicationClass& therapy : rules.prohibited) {
    const auto match = FirstMatch(therapy.codes, codings);
    if (!match) continue;
    if (FirstMatch(therapy.except, codings)) continue;  // the medication is an excepted agent
    const auto& phases = therapy.allowed_in_phases;
    if (!phase.empty() && std::find(phases.begin(), phases.end(), phase) != phases.end()) continue;
    ProhibitedMatch out;
    out.therapy_class = therapy.name;
    out.class_id = therapy.id;
    out.matched = absl::StrCat(match->second->system, "|", match->second->code);
    out.source = absl::StrCat(therapy.source, "; code: ", match->first->source);
    out.unconfirmed = match->first->unconfirmed;
    out.phase_unknown = phase.empty() && !phases.empty();
    return out;
  }
  return std::nullopt;
}

std::vector<LabToxicity> FindUnreportedToxicities(const mappers::TreatmentRules& rules,
                                                  const std::vector<LabToxicity>& toxicities,
                                                  const std::vector<ReportedAdverseEvent>& reported,
                                                  std::string_view today) {
  std::vector<LabToxicity> out;
  const std::optional<absl::CivilDay> now = ParseDay(today);
  if (!now) return out;
  const int window = rules.ae_reporting_window_days;
  for (const LabToxicity& toxicity : toxicities) {
    if (toxicity.grade < rules.ae_reporting_minimum_grade) continue;
    const std::optional<absl::CivilDay> lab_day = ParseDay(toxicity.date);
    if (!lab_day || !(*lab_day + window < *now)) continue;  // not placed, or window still open
    const bool covered = std::any_of(
        reported.begin(), reported.end(), [&](const ReportedAdverseEvent& event) {
          if (!SameTerm(toxicity, event)) return false;
          const std::optional<absl::CivilDay> onset = ParseDay(event.onset_date);
          if (!onset) return false;
          const int64_t apart = *onset - *lab_day;
          return apart >= -window && apart <= window;
        });
    if (!covered) out.push_back(toxicity);
  }
  return out;
}

}  // namespace trialgate::derivation
