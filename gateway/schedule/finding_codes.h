#ifndef TRIALGATE_GATEWAY_SCHEDULE_FINDING_CODES_H_
#define TRIALGATE_GATEWAY_SCHEDULE_FINDING_CODES_H_

// The codes of the findings the schedule engine raises, in one place. They appear in
// v1::Finding.code on the timeline and in ProtocolDeviation events; downstream systems match on
// them, so a code is never renamed.
//
// Severities: MAJOR for a protocol deviation, CRITICAL for a dose above the expected one (a
// safety matter), WARNING for a deviation with an explanation on record or a late cycle, INFO for
// what only needs a look.

namespace trialgate::schedule {

// A study agent given in a phase whose protocol does not give it, and no later phase does either.
inline constexpr char kAgentNotInRegimen[] = "AGENT_NOT_IN_REGIMEN";
// A regimen agent given on a cycle day without a scheduled dose of it.
inline constexpr char kDayNotScheduled[] = "DAY_NOT_SCHEDULED";
// A dose more than the tolerance from the expected one and matching no dose level.
inline constexpr char kDoseOutOfTolerance[] = "DOSE_OUT_OF_TOLERANCE";
// A dose matching a lower dose level than the subject's current one.
inline constexpr char kDoseReduced[] = "DOSE_REDUCED";
// An agent of a later phase given early, or a phase started before its gate was met.
inline constexpr char kWrongPhase[] = "WRONG_PHASE";
// A cycle's day 1 later than its due date plus the window.
inline constexpr char kCycleDelayed[] = "CYCLE_DELAYED";
// A scheduled dose not given by the end of its window, or reported not given.
inline constexpr char kDoseMissed[] = "DOSE_MISSED";
// A dose that could not be compared with the protocol (no BSA, no value, another unit).
inline constexpr char kDoseNotChecked[] = "DOSE_NOT_CHECKED";

// A study drug given while the latest lab before it met the drug's withhold rule
// (withhold-rules.json).
inline constexpr char kDoseGivenDespiteHold[] = "DOSE_GIVEN_DESPITE_HOLD";
// A lab toxicity of grade 3 or more with no adverse event of its term reported within the window.
inline constexpr char kAeNotReported[] = "AE_NOT_REPORTED";
// Another anti-myeloma therapy given while on study (concomitant-medications.json).
inline constexpr char kProhibitedMedication[] = "PROHIBITED_MEDICATION";
// A response the site reported that the response derived from the labs disagrees with.
inline constexpr char kResponseDiscordant[] = "RESPONSE_DISCORDANT";

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_FINDING_CODES_H_
