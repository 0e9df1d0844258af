#include "gateway/schedule/bsa.h"

#include <cmath>

namespace trialgate::schedule {
namespace {

// The latest value of `analyte` dated on or before `date`; history.labs is in date order.
std::optional<double> LatestOnOrBefore(const SubjectHistory& history, const std::string& analyte,
                                       Date date) {
  std::optional<double> value;
  for (const Dated& lab : history.labs) {
    if (lab.date > date) break;
    const v1::LabResult& result = lab.event->lab_result();
    if (result.analyte() == analyte && result.has_value() && result.value() > 0) {
      value = result.value();
    }
  }
  return value;
}

}  // namespace

double MostellerBsa(double height_cm, double weight_kg) {
  return std::sqrt(height_cm * weight_kg / 3600.0);
}

std::optional<Bsa> BsaOn(const SubjectHistory& history, const Schedule& schedule, Date date,
                         std::optional<double> cap_m2) {
  std::optional<double> height = LatestOnOrBefore(history, schedule.height_analyte(), date);
  std::optional<double> weight = LatestOnOrBefore(history, schedule.weight_analyte(), date);
  if (!height || !weight) return std::nullopt;
  Bsa bsa;
  bsa.height_cm = *height;
  bsa.weight_kg = *weight;
  bsa.m2 = MostellerBsa(*height, *weight);
  bsa.used_m2 = bsa.m2;
  if (cap_m2 && bsa.m2 > *cap_m2) {
    bsa.used_m2 = *cap_m2;
    bsa.capped = true;
  }
  return bsa;
}

}  // namespace trialgate::schedule
