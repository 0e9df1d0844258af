#include "gateway/schedule/dose_check.h"

#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "gateway/schedule/bsa.h"
#include "gateway/schedule/finding_codes.h"
#include "gateway/schedule/findings.h"

namespace trialgate::schedule {
namespace {

std::string Rule(const DoseToCheck& check, const char* what) {
  return absl::StrCat("schedule.json phases[", check.phase->id, "].regimen[", check.item->agent,
                      "].", what);
}

// Where the dose is, in words: written only into a finding (most doses have none).
std::string Where(const DoseToCheck& check) {
  return CycleDayText(check.cycle, check.day, check.dose->date);
}

// The latest qualifying toxicity dated within the look-back before `date`, or nullptr.
const Dated* QualifyingToxicity(const Schedule& schedule, const SubjectHistory& history,
                                Date date) {
  const Dated* found = nullptr;
  for (const Dated& toxicity : history.toxicities) {
    if (toxicity.date > date) break;
    if (toxicity.date < date - schedule.toxicity_lookback_days()) continue;
    const v1::Event& event = *toxicity.event;
    const int grade = event.has_adverse_event_reported() ? event.adverse_event_reported().grade()
                                                         : event.toxicity_graded().grade();
    if (grade >= schedule.qualifying_toxicity_min_grade()) found = &toxicity;
  }
  return found;
}

std::string ToxicityText(const v1::Event& event) {
  if (event.has_adverse_event_reported()) {
    const auto& ae = event.adverse_event_reported();
    return absl::StrCat(ae.term(), " grade ", ae.grade());
  }
  const auto& tox = event.toxicity_graded();
  return absl::StrCat(tox.term(), " grade ", tox.grade());
}

}  // namespace

std::string CycleDayText(int cycle, int day, Date date) {
  return absl::StrCat("cycle ", cycle, " day ", day, " (", FormatDate(date), ")");
}

DoseLevel StartingLevel(const AgentRules& rules, const RegimenItem& item) {
  DoseLevel level;
  for (size_t i = 0; i < rules.dose_levels.size(); ++i) {
    if (rules.dose_levels[i] == item.dose) level.start = level.current = static_cast<int>(i);
  }
  return level;
}

std::vector<v1::Finding> CheckDose(const Schedule& schedule, const SubjectHistory& history,
                                   const DoseToCheck& check, DoseLevel* level,
                                   v1::TimelineDose* out) {
  std::vector<v1::Finding> findings;
  const AgentRules& rules = *schedule.FindAgent(check.item->agent);
  const std::string& agent = check.item->agent;
  const v1::DoseAdministered& dose = check.dose->event->dose_administered();
  const bool per_m2 = rules.unit == kMgPerM2;
  const double expected =
      check.override_entry ? check.override_entry->dose : rules.dose_levels[level->current];
  out->set_expected(expected);
  out->set_expected_unit(rules.unit);

  std::optional<double> given_mg;
  if (dose.has_dose() && dose.dose().unit() == kMg) given_mg = dose.dose().value();
  std::optional<double> given_per_m2;
  if (dose.has_dose_per_m2()) given_per_m2 = dose.dose_per_m2().value();
  if (given_mg) out->set_given_mg(*given_mg);
  if (given_per_m2) out->set_given_per_m2(*given_per_m2);

  std::optional<Bsa> bsa;
  if (per_m2) {
    bsa = BsaOn(history, schedule, check.dose->date, rules.bsa_cap_m2);
    if (bsa) {
      out->set_bsa_m2(bsa->used_m2);
      out->set_expected_mg(expected * bsa->used_m2);
    }
  }

  // The given amount in the agent's unit (mg, or mg/m2 from mg and the BSA).
  std::optional<double> given;
  std::string not_checked;
  if (!per_m2) {
    given = given_mg;
    if (!given) not_checked = given_per_m2 ? "it was sent per m2, and this agent is dosed in mg"
                                           : "no dose in mg was sent";
  } else if (given_per_m2) {
    given = given_per_m2;
  } else if (given_mg && bsa) {
    given = *given_mg / bsa->used_m2;
  } else {
    not_checked = given_mg ? "no body height and weight is recorded on or before that day, so "
                             "the body surface area is unknown"
                           : "no dose in mg or mg/m2 was sent";
  }
  if (!given) {
    findings.push_back(MakeFinding(
        kDoseNotChecked, v1::Finding::INFO,
        absl::StrCat("The ", agent, " dose on ", Where(check), " could not be checked: ",
                     not_checked, "."),
        Rule(check, "dose")));
    return findings;
  }

  const double tolerance = schedule.dose_tolerance_percent() / 100.0;
  auto within = [&](double target) { return std::abs(*given - target) <= tolerance * target; };
  if (check.override_entry && within(check.override_entry->dose)) return findings;

  // The closest dose level within the tolerance.
  std::optional<int> matched;
  for (int i = 0; i < static_cast<int>(rules.dose_levels.size()); ++i) {
    if (!within(rules.dose_levels[i])) continue;
    if (!matched || std::abs(*given - rules.dose_levels[i]) <
                        std::abs(*given - rules.dose_levels[*matched])) {
      matched = i;
    }
  }
  if (matched && *matched == level->current) return findings;
  // How the given dose reads: "60 mg (32.4 mg/m2)" or "20 mg/m2".
  const std::string given_text =
      per_m2 && given_mg ? absl::StrCat(Num(*given_mg), " mg (", Num(*given), " mg/m2 at BSA ",
                                        Num(bsa->used_m2), " m2)")
                         : absl::StrCat(Num(*given), " ", rules.unit);
  if (matched && *matched > level->current) {
    const double from = rules.dose_levels[level->current];
    level->current = *matched;
    const Dated* toxicity = QualifyingToxicity(schedule, history, check.dose->date);
    std::string text = absl::StrCat(
        agent, " was given at a reduced dose on ", Where(check), ": ", given_text,
        ", the dose level ", Num(rules.dose_levels[*matched]), " ", rules.unit, " instead of ",
        Num(from), " ", rules.unit, ". ");
    if (toxicity != nullptr) {
      absl::StrAppend(&text, "It follows ", ToxicityText(*toxicity->event), " on ",
                      FormatDate(toxicity->date), ", which allows a reduction.");
    } else {
      absl::StrAppend(&text, "No toxicity of grade ", schedule.qualifying_toxicity_min_grade(),
                      " or higher is recorded in the ", schedule.toxicity_lookback_days(),
                      " days before: please document the reason.");
    }
    v1::Finding& reduced =
        findings.emplace_back(MakeFinding(kDoseReduced,
                                          toxicity ? v1::Finding::INFO : v1::Finding::WARNING,
                                          std::move(text), Rule(check, "doseLevels")));
    // The safety tables count the adverse event as one that led to a dose change.
    if (toxicity != nullptr) reduced.set_cause_event_id(toxicity->event->event_id());
    return findings;
  }
  if (matched && *matched >= level->start) {
    level->current = *matched;  // back up after a reduction, as the labels allow
    return findings;
  }
  // Matches no level, or one above the protocol's dose.
  const double target = expected;
  const double percent = std::round(std::abs(*given - target) / target * 100);
  const bool above = *given > target;
  std::string expected_text = absl::StrCat(Num(target), " ", rules.unit);
  if (per_m2 && given_mg && bsa) {
    expected_text = absl::StrCat(Num(target * bsa->used_m2), " mg (", Num(target), " mg/m2 x BSA ",
                                 Num(bsa->used_m2), " m2", bsa->capped ? ", capped" : "", ")");
  }
  findings.push_back(MakeFinding(
      kDoseOutOfTolerance, above ? v1::Finding::CRITICAL : v1::Finding::MAJOR,
      absl::StrCat(agent, " ", given_text, " on ", Where(check), " is ", Num(percent), "% ",
                   above ? "above" : "below", " the expected ", expected_text,
                   "; the protocol allows ", Num(schedule.dose_tolerance_percent()), "%."),
      Rule(check, "dose")));
  return findings;
}

}  // namespace trialgate::schedule
