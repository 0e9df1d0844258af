#include "gateway/derivation/response_confirmation.h"

#include "absl/strings/str_cat.h"

namespace trialgate::derivation {
namespace {

// Whether `partner` shows `level` or better. PD is confirmed only by PD: "or better" would let
// every category confirm it.
bool Shows(const DayLevel& partner, Level level) {
  if (!partner.level) return false;
  if (level == Level::kPD) return *partner.level == Level::kPD;
  return partner.confirm_level >= level;
}

bool BeforeNewTherapy(const DayLevel& day, const std::string& new_therapy_date) {
  return new_therapy_date.empty() || day.date < new_therapy_date;
}

// The nearest evaluable day of the same segment before / after day i.
std::optional<size_t> PreviousEvaluable(const std::vector<DayLevel>& days, size_t i) {
  const int segment = days[i].segment;
  while (i > 0) {
    --i;
    if (days[i].segment != segment) return std::nullopt;
    if (days[i].level) return i;
  }
  return std::nullopt;
}

std::optional<size_t> NextEvaluable(const std::vector<DayLevel>& days, size_t i) {
  const int segment = days[i].segment;
  for (++i; i < days.size(); ++i) {
    if (days[i].segment != segment) return std::nullopt;
    if (days[i].level) return i;
  }
  return std::nullopt;
}

}  // namespace

std::vector<Confirmation> Confirm(const std::vector<DayLevel>& days,
                                  const std::string& new_therapy_date, bool earlier_only,
                                  size_t from) {
  std::vector<Confirmation> out(days.size());
  for (size_t i = from; i < days.size(); ++i) {
    Confirmation& c = out[i];
    c.response_date = days[i].date;
    if (!days[i].level) continue;
    const Level level = *days[i].level;
    const char* name = LevelName(level);
    if (!days[i].needs_confirmation) {
      c.confirmed = true;
      c.text = level == Level::kSD ? "SD needs no confirmation"
                                   : "a marrow-based category needs no confirmation";
      continue;
    }
    if (!BeforeNewTherapy(days[i], new_therapy_date)) {
      c.text = absl::StrCat("not confirmed: on or after new therapy (", new_therapy_date,
                            ") an assessment cannot confirm");
      continue;
    }
    // This day confirms an earlier one, or a later one before new therapy confirms this.
    const std::optional<size_t> before = PreviousEvaluable(days, i);
    const std::optional<size_t> after =
        earlier_only ? std::nullopt : NextEvaluable(days, i);
    if (before && Shows(days[*before], level)) {
      c.partner = before;
    } else if (after && BeforeNewTherapy(days[*after], new_therapy_date) &&
               Shows(days[*after], level)) {
      c.partner = after;
    }
    if (!c.partner) {
      c.text = after && !BeforeNewTherapy(days[*after], new_therapy_date)
                   ? absl::StrCat("not confirmed: the next assessment is on or after new "
                                  "therapy (", new_therapy_date, ")")
                   : absl::StrCat("not confirmed: no consecutive assessment shows ", name,
                                  level == Level::kPD ? "" : " or better");
      continue;
    }
    c.confirmed = true;
    // The response dates from the first of the consecutive run showing it.
    size_t first = i;
    for (std::optional<size_t> p = PreviousEvaluable(days, i); p && Shows(days[*p], level);
         p = PreviousEvaluable(days, *p)) {
      first = *p;
    }
    c.response_date = days[first].date;
    c.text = absl::StrCat("confirmed by the assessment of ", days[*c.partner].date,
                          "; response date ", c.response_date);
  }
  return out;
}

}  // namespace trialgate::derivation
