#include "gateway/derivation/response_levels.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "gateway/derivation/grade_rules.h"

namespace trialgate::derivation {
namespace {

using mappers::ResponseCriteria;
using mappers::ResponseThreshold;

std::string Percent(double change) {
  if (change == std::numeric_limits<double>::infinity()) return "+inf%";
  const double rounded = Signif12(change);
  return absl::StrCat(rounded > 0 ? "+" : "", rounded, "%");
}

// PD: the rise from the nadir meets both the relative and the absolute minimum
// (clinical-derivations.md A.2 PD row; the absolute minimum is what keeps a rise from a tiny
// nadir from counting). Serum alone has a second way: from a nadir >= 5 g/dL a rise >= 1 g/dL
// is enough (2016; [FAR] "a >= 1 g/dL rise is enough"), since 25% of 5 g/dL would ask 1.25.
std::optional<std::string> Progression(const ResponseCriteria& c, Marker marker, double value,
                                       double nadir) {
  const double rise = value - nadir;
  const double change = PercentChange(value, nadir);
  const std::string head = absl::StrCat("rise ", Signif12(rise), " ", MarkerUnit(marker), " (",
                                        Percent(change), ") from nadir ", Signif12(nadir));
  if (marker == Marker::kSerum && Holds(c.pd_serum_high_nadir, nadir) &&
      Holds(c.pd_serum_increase_high_nadir, rise)) {
    return absl::StrCat(head, " ", c.pd_serum_high_nadir.written, " meets ",
                        c.pd_serum_increase_high_nadir.written);
  }
  const ResponseThreshold* absolute = nullptr;
  switch (marker) {
    case Marker::kSerum: absolute = &c.pd_serum_increase; break;
    case Marker::kUrine: absolute = &c.pd_urine_increase; break;
    case Marker::kDflc: absolute = &c.pd_dflc_increase; break;
    case Marker::kMarrow: absolute = &c.pd_marrow_increase; break;
  }
  if (!Holds(c.pd_increase_percent, change) || !Holds(*absolute, rise)) return std::nullopt;
  return absl::StrCat(head, " meets ", c.pd_increase_percent.written, " and ",
                      absolute->written);
}

Level ReductionLevel(const ResponseCriteria& c, Marker marker, double value, double reduction) {
  switch (marker) {
    case Marker::kSerum:
      if (Holds(c.vgpr_serum_reduction, reduction)) return Level::kVGPR;
      if (Holds(c.pr_serum_reduction, reduction)) return Level::kPR;
      if (Holds(c.mr_serum_reduction, reduction)) return Level::kMR;
      return Level::kSD;
    case Marker::kUrine:
      if (Holds(c.vgpr_urine, value)) return Level::kVGPR;
      if (Holds(c.pr_urine_reduction, reduction) || Holds(c.pr_urine, value)) return Level::kPR;
      if (Holds(c.mr_urine_reduction, reduction)) return Level::kMR;
      return Level::kSD;
    case Marker::kDflc:
      // No MR for FLC-only disease: MR is defined on serum and urine M-protein only.
      if (Holds(c.vgpr_dflc_reduction, reduction)) return Level::kVGPR;
      if (Holds(c.pr_dflc_reduction, reduction)) return Level::kPR;
      return Level::kSD;
    case Marker::kMarrow:
      if (Holds(c.pr_marrow_reduction, reduction)) return Level::kPR;
      return Level::kSD;
  }
  return Level::kSD;
}

}  // namespace

const char* LevelName(Level level) {
  switch (level) {
    case Level::kPD: return "PD";
    case Level::kSD: return "SD";
    case Level::kMR: return "MR";
    case Level::kPR: return "PR";
    case Level::kVGPR: return "VGPR";
    case Level::kCR: return "CR";
    case Level::kSCR: return "sCR";
  }
  return "NE";
}

Level Downgraded(Level level) {
  if (level <= Level::kSD) return level;
  return static_cast<Level>(static_cast<int>(level) - 1);
}

const char* MarkerName(Marker marker) {
  switch (marker) {
    case Marker::kSerum: return "serum_m_protein";
    case Marker::kUrine: return "urine_m_protein_24h";
    case Marker::kDflc: return "dflc";
    case Marker::kMarrow: return "bm_plasma_cells";
  }
  return "";
}

const char* MarkerUnit(Marker marker) {
  switch (marker) {
    case Marker::kSerum: return "g/dL";
    case Marker::kUrine: return "mg/(24.h)";
    case Marker::kDflc: return "mg/L";
    case Marker::kMarrow: return "%";
  }
  return "";
}

Level TopLevel(Marker marker) { return marker == Marker::kMarrow ? Level::kPR : Level::kVGPR; }

MarkerLevel LevelOf(const ResponseCriteria& criteria, Marker marker, double value,
                    double baseline, double nadir) {
  const std::string head = absl::StrCat(MarkerName(marker), " ", Signif12(value), " ",
                                        MarkerUnit(marker));
  if (std::optional<std::string> pd = Progression(criteria, marker, value, nadir)) {
    return {Level::kPD, absl::StrCat(head, ": ", *pd, ": PD")};
  }
  const double reduction = -PercentChange(value, baseline);
  const Level level = ReductionLevel(criteria, marker, value, reduction);
  return {level, absl::StrCat(head, ", ", Percent(-reduction), " from baseline ",
                              Signif12(baseline), ": ", LevelName(level))};
}

bool Holds(const ResponseThreshold& threshold, double value) {
  return Holds(threshold.op, value, threshold.value);
}

double PercentChange(double value, double reference) {
  if (reference == 0) return value > 0 ? std::numeric_limits<double>::infinity() : 0;
  return (value - reference) / reference * 100;
}

}  // namespace trialgate::derivation
