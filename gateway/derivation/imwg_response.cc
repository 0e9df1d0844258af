#include "gateway/derivation/imwg_response.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/derivation/grade_rules.h"
#include "gateway/derivation/response_confirmation.h"
#include "gateway/derivation/response_levels.h"
#include "mappers/units.h"

namespace trialgate::derivation {
namespace {

using mappers::ResponseCriteria;

constexpr char kSerumIfe[] = "serum_ife";
constexpr char kUrineIfe[] = "urine_ife";
constexpr char kKappa[] = "flc_kappa";
constexpr char kLambda[] = "flc_lambda";

// One result per analyte: a day's samples, or the last value of each analyte before a date.
using Readings = std::map<std::string, const MarkerResult*>;

struct Day {
  std::string date;
  Readings readings;
};

// YYYY-MM-DD: the only form that sorts as text in date order.
bool IsDate(const std::string& date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return false;
  }
  return true;
}

// Marker results grouped by date in date order; other analytes and results without a
// YYYY-MM-DD date are left out, so they can neither make an assessment nor a baseline. A second
// result of one analyte on one day is ignored; which one is kept depends only on the results
// (event id, then value), never on input order.
std::vector<Day> Days(const std::deque<MarkerResult>& results) {
  std::vector<const MarkerResult*> sorted;
  for (const MarkerResult& r : results) {
    const bool marker = mappers::IsResponseMarker(r.analyte);
    if (marker && IsDate(r.date)) sorted.push_back(&r);
  }
  auto key = [](const MarkerResult* r) {
    return std::tie(r->date, r->analyte, r->event_id, r->value, r->value_code, r->value_text);
  };
  std::sort(sorted.begin(), sorted.end(),
            [&](const MarkerResult* a, const MarkerResult* b) { return key(a) < key(b); });
  std::vector<Day> days;
  for (const MarkerResult* r : sorted) {
    if (days.empty() || days.back().date != r->date) days.push_back({r->date, {}});
    days.back().readings.emplace(r->analyte, r);
  }
  return days;
}

// The last reading of each analyte among days with `date < before` (or <= when `inclusive`).
Readings LastBefore(const std::vector<Day>& days, const std::string& before, bool inclusive) {
  Readings out;
  for (const Day& day : days) {
    if (inclusive ? day.date > before : day.date >= before) break;
    for (const auto& [analyte, r] : day.readings) {
      if (r->value || analyte == kSerumIfe || analyte == kUrineIfe) out[analyte] = r;
    }
  }
  return out;
}

std::optional<double> Number(const Readings& readings, const std::string& analyte) {
  auto it = readings.find(analyte);
  if (it == readings.end()) return std::nullopt;
  return it->second->value;
}

std::optional<double> FlcRatio(const Readings& readings) {
  std::optional<double> kappa = Number(readings, kKappa);
  std::optional<double> lambda = Number(readings, kLambda);
  if (!kappa || !lambda || *lambda <= 0) return std::nullopt;
  return *kappa / *lambda;
}

// A marker's value in its unit; dFLC is involved minus uninvolved chain.
std::optional<double> ValueOf(const Readings& readings, Marker marker, bool kappa_involved) {
  switch (marker) {
    case Marker::kSerum: return Number(readings, "serum_m_protein");
    case Marker::kUrine: return Number(readings, "urine_m_protein_24h");
    case Marker::kMarrow: return Number(readings, "bm_plasma_cells");
    case Marker::kDflc: {
      std::optional<double> kappa = Number(readings, kKappa);
      std::optional<double> lambda = Number(readings, kLambda);
      if (!kappa || !lambda) return std::nullopt;
      return kappa_involved ? *kappa - *lambda : *lambda - *kappa;
    }
  }
  return std::nullopt;
}

enum class Ife { kMissing, kNegative, kPositive, kUnreadable };

// The coded value decides; the text only when the code is absent or unknown.
Ife ReadIfe(const ResponseCriteria& c, const Readings& readings, const char* analyte) {
  auto it = readings.find(analyte);
  if (it == readings.end()) return Ife::kMissing;
  const MarkerResult& r = *it->second;
  auto in = [](const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
  };
  if (in(c.ife_negative_codes, r.value_code)) return Ife::kNegative;
  if (in(c.ife_positive_codes, r.value_code)) return Ife::kPositive;
  std::string text = mappers::AsciiLower(r.value_text);
  text.erase(0, text.find_first_not_of(" \t"));
  text.erase(text.find_last_not_of(" \t") + 1);
  if (in(c.ife_negative_texts, text)) return Ife::kNegative;
  if (in(c.ife_positive_texts, text)) return Ife::kPositive;
  return Ife::kUnreadable;
}

struct Disease {
  std::vector<Marker> followed;
  bool kappa_involved = true;
  std::string why_not;  // "" when something is followed
};

// Which markers response follows (clinical-derivations.md A.1): serum and urine M-protein
// first, both when both are measurable; FLC only when neither is; marrow only when FLC is not
// measurable either.
Disease Measurable(const ResponseCriteria& c, const Readings& base) {
  Disease d;
  mappers::ResponseThreshold serum{mappers::Comparison::kGreaterOrEqual, c.serum_measurable_gdl,
                                   "g/dL", "", ""};
  std::optional<double> s = Number(base, "serum_m_protein");
  std::optional<double> u = Number(base, "urine_m_protein_24h");
  if (s && Holds(serum, *s)) d.followed.push_back(Marker::kSerum);
  if (u && Holds(c.urine_measurable, *u)) d.followed.push_back(Marker::kUrine);
  if (!d.followed.empty()) return d;
  if (std::optional<double> ratio = FlcRatio(base)) {
    d.kappa_involved = *ratio > 1;
    const bool abnormal = *ratio < c.flc_ratio_normal_low || *ratio > c.flc_ratio_normal_high;
    const double involved = *Number(base, d.kappa_involved ? kKappa : kLambda);
    if (abnormal && Holds(c.involved_flc_measurable, involved)) {
      d.followed.push_back(Marker::kDflc);
      return d;
    }
  }
  std::optional<double> m = Number(base, "bm_plasma_cells");
  if (m && Holds(c.marrow_evaluable, *m)) {
    d.followed.push_back(Marker::kMarrow);
    return d;
  }
  d.why_not = absl::StrCat(
      "no measurable disease at baseline: none of serum M-protein >= ", c.serum_measurable_gdl,
      " g/dL, urine M-protein ", c.urine_measurable.written, ", involved FLC ",
      c.involved_flc_measurable.written, " with an abnormal ratio, marrow plasma cells ",
      c.marrow_evaluable.written);
  return d;
}

// The reference values of one marker for one assessment: baseline and nadir.
struct Reference {
  double baseline = 0;
  double nadir = 0;
};

// Nadir over the baseline and the earlier values: the lowest (2011), or the lowest confirmed
// by the marker's next measurement, i.e. the least of max(v[j], v[j+1]) (2016). Kept as the
// values come, so that each assessment costs what it adds, not the whole history again.
class NadirTracker {
 public:
  void Add(double value) {
    lowest_ = std::min(lowest_, value);
    if (last_) lowest_confirmed_ = std::min(lowest_confirmed_, std::max(*last_, value));
    last_ = value;
  }
  double Nadir(const ResponseCriteria& c, double baseline) const {
    return std::min(baseline,
                    c.nadir == mappers::NadirRule::kLowest ? lowest_ : lowest_confirmed_);
  }

 private:
  double lowest_ = std::numeric_limits<double>::infinity();
  double lowest_confirmed_ = std::numeric_limits<double>::infinity();
  std::optional<double> last_;
};

// A percent change for evidence; none from 0, where it has no finite value.
std::optional<double> FiniteChange(double value, double reference) {
  if (reference == 0) return std::nullopt;
  return PercentChange(value, reference);
}

struct Judged {
  DayLevel level;
  std::string rule;
  std::vector<MarkerEvidence> evidence;
};

std::string Names(const std::vector<Marker>& markers) {
  std::vector<std::string> names;
  for (Marker m : markers) names.push_back(MarkerName(m));
  return absl::StrJoin(names, ", ");
}

// What CR needs beyond every followed marker at its top level: negative serum and urine
// immunofixation, marrow plasma cells < 5%, and for FLC-only disease a normal ratio.
// Sets *level / *confirm_level and adds sentences to *parts.
void JudgeCompleteResponse(const ResponseCriteria& c, const Disease& disease,
                           const Readings& day, Level top, Level* level, Level* confirm_level,
                           std::vector<std::string>* parts) {
  std::vector<std::string> failed, missing;
  for (const auto& [analyte, name] :
       {std::pair{kSerumIfe, "serum immunofixation"}, std::pair{kUrineIfe, "urine immunofixation"}}) {
    switch (ReadIfe(c, day, analyte)) {
      case Ife::kNegative: break;
      case Ife::kPositive: failed.push_back(absl::StrCat(name, " positive")); break;
      case Ife::kMissing: missing.push_back(name); break;
      case Ife::kUnreadable: missing.push_back(absl::StrCat(name, " (value not readable)")); break;
    }
  }
  std::optional<double> ratio = FlcRatio(day);
  const bool ratio_normal = ratio && *ratio >= c.flc_ratio_normal_low &&
                            *ratio <= c.flc_ratio_normal_high;
  const bool flc_only = disease.followed.front() == Marker::kDflc;
  if (flc_only) {
    if (!ratio) {
      missing.push_back("FLC ratio (FLC-only disease)");
    } else if (!ratio_normal) {
      failed.push_back(absl::StrCat("FLC ratio ", Signif12(*ratio), " abnormal (FLC-only disease)"));
    }
  }
  std::optional<double> marrow = Number(day, "bm_plasma_cells");
  if (marrow && !Holds(c.cr_marrow, *marrow)) {
    failed.push_back(absl::StrCat("marrow plasma cells ", Signif12(*marrow), "% not ",
                                  c.cr_marrow.written));
  }
  *level = top;
  *confirm_level = top;
  if (!failed.empty()) {
    parts->push_back(absl::StrCat("CR not met: ", absl::StrJoin(failed, ", ")));
    return;
  }
  if (!missing.empty()) {
    parts->push_back(absl::StrCat("CR needs ", absl::StrJoin(missing, ", "),
                                  ", not measured on this day: ", LevelName(top), " at most"));
    return;
  }
  // sCR: CR plus a normal FLC ratio. Clonal plasma cells in marrow (IHC/flow) are not
  // lab-coded here, so that condition is not checked (docs/derivations.md).
  Level complete = Level::kCR;
  std::string why;
  if (flc_only) {
    why = "CR (sCR cannot be told apart in FLC-only disease: the ratio is already needed for CR "
          "and marrow clonality is not lab-coded)";
  } else if (ratio_normal) {
    complete = Level::kSCR;
    why = absl::StrCat("CR with a normal FLC ratio ", Signif12(*ratio),
                       ": sCR (marrow clonality is not lab-coded and not checked)");
  } else if (ratio) {
    why = absl::StrCat("CR; FLC ratio ", Signif12(*ratio), " abnormal: not sCR");
  } else {
    why = "CR; FLC ratio not measured on this day: not sCR";
  }
  *confirm_level = complete;
  if (!marrow) {
    parts->push_back(absl::StrCat(
        "immunofixation negative but CR needs marrow plasma cells ", c.cr_marrow.written,
        ", not examined on this day: ", LevelName(top), " at most (as a confirming sample it "
        "counts as ", LevelName(complete), ": the marrow need not be repeated)"));
    return;
  }
  *level = complete;
  parts->push_back(absl::StrCat("immunofixation negative, marrow plasma cells ",
                                Signif12(*marrow), "%: ", why));
}

void AddExtraEvidence(const ResponseCriteria& c, const Disease& disease, const Readings& day,
                      std::vector<MarkerEvidence>* evidence) {
  if (std::optional<double> ratio = FlcRatio(day)) {
    MarkerEvidence e;
    e.marker = "flc_ratio";
    e.value = *ratio;
    e.unit = "{ratio}";
    evidence->push_back(std::move(e));
  }
  for (const char* analyte : {kSerumIfe, kUrineIfe}) {
    auto it = day.find(analyte);
    if (it == day.end()) continue;
    const Ife ife = ReadIfe(c, day, analyte);
    const std::string text = ife == Ife::kNegative   ? "Negative"
                             : ife == Ife::kPositive ? "Positive"
                                                     : it->second->value_text;
    MarkerEvidence e;
    e.marker = analyte;
    e.text = text;
    evidence->push_back(std::move(e));
  }
  const bool marrow_followed = disease.followed.front() == Marker::kMarrow;
  if (std::optional<double> marrow = Number(day, "bm_plasma_cells"); marrow && !marrow_followed) {
    MarkerEvidence e;
    e.marker = "bm_plasma_cells";
    e.value = *marrow;
    e.unit = "%";
    evidence->push_back(std::move(e));
  }
}

// One day, alone: each followed marker's level, the lowest of them, the downgrade for what is
// missing, and CR/sCR when every followed marker is at its top.
Judged Judge(const ResponseCriteria& c, const Disease& disease, const Day& day,
             const std::map<Marker, Reference>& refs) {
  Judged j;
  j.level.date = day.date;
  std::vector<std::string> parts;
  std::vector<Marker> missing;
  std::optional<Level> lowest;
  Level top = Level::kSCR;
  for (Marker m : disease.followed) {
    top = std::min(top, TopLevel(m));
    std::optional<double> v = ValueOf(day.readings, m, disease.kappa_involved);
    if (!v) {
      missing.push_back(m);
      continue;
    }
    const Reference& ref = refs.at(m);
    MarkerLevel ml = LevelOf(c, m, *v, ref.baseline, ref.nadir);
    lowest = lowest ? std::min(*lowest, ml.level) : ml.level;
    parts.push_back(ml.text);
    MarkerEvidence e;
    e.marker = MarkerName(m);
    e.value = *v;
    e.baseline = ref.baseline;
    e.nadir = ref.nadir;
    e.change_from_baseline_percent = FiniteChange(*v, ref.baseline);
    e.change_from_nadir_percent = FiniteChange(*v, ref.nadir);
    e.unit = MarkerUnit(m);
    j.evidence.push_back(std::move(e));
  }
  AddExtraEvidence(c, disease, day.readings, &j.evidence);
  if (!lowest) {
    j.rule = absl::StrCat("no followed marker (", Names(disease.followed),
                          ") measured on this day: not evaluable");
    return j;
  }
  Level level = *lowest;
  Level confirm_level = level;
  if (level == Level::kPD) {
    parts.push_back("PD in any followed marker decides");
  } else if (!missing.empty()) {
    level = Downgraded(*lowest);
    confirm_level = level;
    parts.push_back(absl::StrCat(Names(missing), " followed but not measured on this day",
                                 level == *lowest
                                     ? absl::StrCat(": ", LevelName(level))
                                     : absl::StrCat(": downgraded one level from ",
                                                    LevelName(*lowest), " to ",
                                                    LevelName(level))));
  } else if (level >= top) {
    JudgeCompleteResponse(c, disease, day.readings, top, &level, &confirm_level, &parts);
  } else if (disease.followed.size() > 1) {
    parts.push_back(absl::StrCat("lowest of the followed markers: ", LevelName(level)));
  }
  j.level.level = level;
  j.level.confirm_level = confirm_level;
  const bool marrow_only = disease.followed.front() == Marker::kMarrow;
  j.level.needs_confirmation =
      level != Level::kSD && !(marrow_only && level <= Level::kPR);
  j.rule = absl::StrJoin(parts, "; ");
  return j;
}

std::vector<std::string> EventIds(const Day& day) {
  std::vector<std::string> ids;
  for (const auto& [analyte, r] : day.readings) {
    if (!r->event_id.empty()) ids.push_back(r->event_id);
  }
  return ids;
}

}  // namespace

struct ResponseDeriver::State {
  const ResponseCriteria& c;
  ResponseInput input;                // its results moved into `results`
  std::deque<MarkerResult> results;   // stable: the days' readings point into it
  std::vector<Day> days;              // every marker day, in date order
  Readings base;
  bool reset = false;
  Readings reset_base;
  Disease disease;
  size_t first_assessed = 0;          // the first day after treatment start
  std::vector<DayLevel> levels;       // per assessed day: what confirmation reads
  // Per marker, the values of the assessed days so far (every day; after transplant), and the
  // same before the last assessed day (to judge that day again when it gains a result).
  std::map<Marker, NadirTracker> earlier, earlier_after_reset;
  std::map<Marker, NadirTracker> before_last, before_last_after_reset;
  ResponseDerivation out;

  State(const ResponseCriteria& criteria, ResponseInput in) : c(criteria), input(std::move(in)) {
    for (MarkerResult& r : input.results) results.push_back(std::move(r));
    input.results.clear();
  }

  const Day& Assessed(size_t i) const { return days[first_assessed + i]; }

  // Judges assessed day i with the trackers as they stand (the days before it), then adds its
  // values to them.
  Judged JudgeNext(size_t i) {
    const Day& day = Assessed(i);
    const bool after_reset = reset && day.date > input.transplant_date;
    std::map<Marker, Reference> refs;
    std::vector<std::string> notes;
    for (Marker m : disease.followed) {
      double baseline = *ValueOf(base, m, disease.kappa_involved);
      if (after_reset) {
        // A reset baseline of 0 (or none) could measure no reduction: keep the pre-treatment one.
        std::optional<double> r = ValueOf(reset_base, m, disease.kappa_involved);
        if (r && *r > 0) {
          baseline = *r;
        } else {
          notes.push_back(absl::StrCat(MarkerName(m), " has no value > 0 before transplant: "
                                       "pre-treatment baseline kept"));
        }
      }
      refs[m] = {baseline, (after_reset ? earlier_after_reset : earlier)[m].Nadir(c, baseline)};
    }
    before_last = earlier;
    before_last_after_reset = earlier_after_reset;
    for (Marker m : disease.followed) {
      if (auto v = ValueOf(day.readings, m, disease.kappa_involved)) {
        earlier[m].Add(*v);
        if (after_reset) earlier_after_reset[m].Add(*v);
      }
    }
    Judged j = Judge(c, disease, day, refs);
    j.level.segment = after_reset ? 1 : 0;
    if (after_reset) {
      notes.insert(notes.begin(), absl::StrCat("baseline reset to the last values before "
                                               "transplant day 0 (", input.transplant_date, ")"));
    }
    if (!notes.empty()) j.rule = absl::StrCat(absl::StrJoin(notes, "; "), "; ", j.rule);
    return j;
  }

  // Judges the assessed days from `from` on (levels and assessments before it are kept) and
  // confirms them.
  void AssessFrom(size_t from) {
    levels.resize(from);
    out.assessments.resize(from);
    std::vector<Judged> judged;
    for (size_t i = from; first_assessed + i < days.size(); ++i) {
      judged.push_back(JudgeNext(i));
      levels.push_back(judged.back().level);
    }
    const std::vector<Confirmation> confirmations =
        Confirm(levels, input.new_therapy_date, input.as_known_then, from);
    for (size_t i = from; i < levels.size(); ++i) {
      Judged& j = judged[i - from];
      const Confirmation& conf = confirmations[i];
      ResponseAssessment a;
      a.date = j.level.date;
      a.category = j.level.level ? LevelName(*j.level.level) : "NE";
      a.confirmed = conf.confirmed;
      a.response_date = conf.response_date;
      a.rule = conf.text.empty() ? j.rule : absl::StrCat(j.rule, ". ", conf.text);
      a.evidence = std::move(j.evidence);
      a.evidence_event_ids = EventIds(Assessed(i));
      if (conf.partner) {
        for (std::string& id : EventIds(Assessed(*conf.partner))) {
          a.evidence_event_ids.push_back(std::move(id));
        }
      }
      std::sort(a.evidence_event_ids.begin(), a.evidence_event_ids.end());
      a.evidence_event_ids.erase(
          std::unique(a.evidence_event_ids.begin(), a.evidence_event_ids.end()),
          a.evidence_event_ids.end());
      out.assessments.push_back(std::move(a));
    }
  }

  void DeriveAll() {
    if (!c.present) {
      out.not_derived = "the study has no IMWG response rules (imwg-response.json)";
      return;
    }
    if (input.treatment_start.empty()) {
      out.not_derived = "no treatment start (cycle 1 day 1): no baseline";
      return;
    }
    days = Days(results);
    // Samples of cycle 1 day 1 are drawn before the first dose: they are baseline.
    base = LastBefore(days, input.treatment_start, /*inclusive=*/true);
    if (base.empty()) {
      out.not_derived = "no baseline before cycle 1 day 1";
      return;
    }
    for (const auto& [analyte, r] : base) out.baseline_date = std::max(out.baseline_date, r->date);
    disease = Measurable(c, base);
    if (disease.followed.empty()) {
      out.not_derived = disease.why_not;
      return;
    }
    for (Marker m : disease.followed) out.measurable.push_back(MarkerName(m));
    reset = c.baseline_after_transplant == mappers::TransplantBaseline::kReset &&
            !input.transplant_date.empty();
    if (reset) reset_base = LastBefore(days, input.transplant_date, /*inclusive=*/false);
    first_assessed = static_cast<size_t>(
        std::find_if(days.begin(), days.end(),
                     [&](const Day& day) { return day.date > input.treatment_start; }) -
        days.begin());
    AssessFrom(0);
  }
};

ResponseDeriver::ResponseDeriver(const ResponseCriteria& criteria, ResponseInput input)
    : state_(std::make_unique<State>(criteria, std::move(input))) {
  state_->DeriveAll();
}
ResponseDeriver::~ResponseDeriver() = default;
ResponseDeriver::ResponseDeriver(ResponseDeriver&&) noexcept = default;
ResponseDeriver& ResponseDeriver::operator=(ResponseDeriver&&) noexcept = default;

const ResponseDerivation& ResponseDeriver::derivation() const { return state_->out; }

std::optional<size_t> ResponseDeriver::Add(std::vector<MarkerResult> results) {
  State& s = *state_;
  const size_t unchanged = s.out.assessments.size();
  if (!s.input.as_known_then) return std::nullopt;
  // What Days() would keep of them; each must come after cycle 1 day 1 and not before the last
  // marker day.
  std::vector<MarkerResult> kept;
  for (MarkerResult& r : results) {
    if (!mappers::IsResponseMarker(r.analyte) || !IsDate(r.date)) continue;
    if (!s.input.treatment_start.empty() && r.date <= s.input.treatment_start) return std::nullopt;
    if (!s.days.empty() && r.date < s.days.back().date) return std::nullopt;
    kept.push_back(std::move(r));
  }
  if (kept.empty()) return unchanged;
  // Not derived (no rules, no treatment start, no baseline, nothing measurable): later results
  // change none of that.
  if (!s.out.not_derived.empty()) return unchanged;
  const bool last_day_changes = std::any_of(kept.begin(), kept.end(), [&](const MarkerResult& r) {
    return r.date == s.days.back().date;
  });
  const bool kept_before_transplant =
      std::any_of(kept.begin(), kept.end(),
                  [&](const MarkerResult& r) { return r.date < s.input.transplant_date; });
  // The new results into their days, keeping per analyte and day the one Days() would keep.
  auto key = [](const MarkerResult* r) {
    return std::tie(r->date, r->analyte, r->event_id, r->value, r->value_code, r->value_text);
  };
  std::sort(kept.begin(), kept.end(), [&](const MarkerResult& a, const MarkerResult& b) {
    return key(&a) < key(&b);
  });
  for (MarkerResult& r : kept) {
    s.results.push_back(std::move(r));
    const MarkerResult* added = &s.results.back();
    if (s.days.back().date != added->date) s.days.push_back({added->date, {}});
    auto [it, inserted] = s.days.back().readings.emplace(added->analyte, added);
    if (!inserted && key(added) < key(it->second)) it->second = added;
  }
  // A result before transplant day 0 may be the last before it: the reset baseline again.
  if (s.reset && kept_before_transplant) {
    s.reset_base = LastBefore(s.days, s.input.transplant_date, /*inclusive=*/false);
  }
  // The last assessed day again if it gained a result (from the trackers before it), then the
  // new days.
  size_t from = s.levels.size();
  if (last_day_changes && from > 0) {
    --from;
    s.earlier = s.before_last;
    s.earlier_after_reset = s.before_last_after_reset;
  }
  s.AssessFrom(from);
  return from;
}

ResponseDerivation DeriveResponse(const ResponseCriteria& c, const ResponseInput& input) {
  return ResponseDeriver(c, input).derivation();
}

}  // namespace trialgate::derivation
