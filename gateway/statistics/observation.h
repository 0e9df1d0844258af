#ifndef TRIALGATE_GATEWAY_STATISTICS_OBSERVATION_H_
#define TRIALGATE_GATEWAY_STATISTICS_OBSERVATION_H_

namespace trialgate::statistics {

// One subject's time-to-event record: the time from the origin (any unit, the same for every
// subject of an analysis) and whether it ended in the event (true) or was censored (false).
struct Observation {
  double time = 0;
  bool event = false;
};

}  // namespace trialgate::statistics

#endif  // TRIALGATE_GATEWAY_STATISTICS_OBSERVATION_H_
