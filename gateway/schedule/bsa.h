#ifndef TRIALGATE_GATEWAY_SCHEDULE_BSA_H_
#define TRIALGATE_GATEWAY_SCHEDULE_BSA_H_

#include <optional>
#include <string>

#include "gateway/schedule/calendar.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_history.h"

namespace trialgate::schedule {

// Mosteller: sqrt(height_cm x weight_kg / 3600), in m2.
double MostellerBsa(double height_cm, double weight_kg);

struct Bsa {
  double m2 = 0;          // as computed
  double used_m2 = 0;     // after the agent's cap
  bool capped = false;
  double height_cm = 0;
  double weight_kg = 0;
};

// The BSA on `date` from the latest height and the latest weight dated on or before it (the
// schedule's analytes, in cm and kg), capped at `cap_m2` when given. nullopt when either
// measurement is missing.
std::optional<Bsa> BsaOn(const SubjectHistory& history, const Schedule& schedule, Date date,
                         std::optional<double> cap_m2);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_BSA_H_
