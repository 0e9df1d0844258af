#ifndef TRIALGATE_GATEWAY_REPORT_SWIMMER_PLOT_H_
#define TRIALGATE_GATEWAY_REPORT_SWIMMER_PLOT_H_

// The swimmer plot (docs/plots.md): one row per subject, labelled only by the pseudonymous
// subject id, a bar per treatment phase on a days-since-origin axis, and markers for response
// assessments, doses, deviations, death and censoring; an arrow where follow-up is ongoing. Pure:
// the same input gives byte-identical output; thread-safe.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace trialgate::report {

enum class Phase { kReinduction, kMobilisation, kAsct, kMaintenance, kFollowUp };

// "KRd re-induction", "Mobilisation/harvest", "ASCT", "Maintenance", "Follow-up".
std::string_view PhaseLabel(Phase phase);

struct SwimmerSegment {
  Phase phase = Phase::kReinduction;
  double start_day = 0;  // days since the time origin; the bar covers [start_day, end_day]
  double end_day = 0;
};

enum class MarkerKind {
  kResponse,   // label: the IMWG category ("sCR" ... "PD", "NE"), written above the marker
  kDeviation,  // label: what deviated, shown as the marker's tooltip
  kDeath,
  kCensored,   // end of follow-up without the event
  kDose,       // label: the agent given; a small tick above the bar, so many doses stay legible
};

struct SwimmerMarker {
  double day = 0;
  MarkerKind kind = MarkerKind::kResponse;
  std::string label;
};

struct SwimmerSubject {
  std::string subject_id;  // pseudonym: the row label, nothing else identifying is drawn
  std::vector<SwimmerSegment> segments;
  std::vector<SwimmerMarker> markers;
  bool ongoing = false;  // an arrow after the last segment: still on study
};

struct SwimmerOptions {
  std::string title = "Treatment course by subject";
  std::string x_label = "Days since registration";
  double tick_step = 90;         // days between x ticks
  std::optional<double> x_max;   // right end of the axis; default: the latest day, rounded up
};

// The figure, rows in the order given (the caller sorts, e.g. by time on study). Segments are
// drawn in the order given, each from start_day to end_day. InvalidArgument if there is no
// subject, a day is negative or not finite, a segment ends before it starts, or tick_step is
// not positive and finite. Anything beyond x_max is cut at the axis end.
absl::StatusOr<std::string> DrawSwimmer(std::span<const SwimmerSubject> subjects,
                                        const SwimmerOptions& options);

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_SWIMMER_PLOT_H_
