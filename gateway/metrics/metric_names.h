#ifndef TRIALGATE_GATEWAY_METRICS_METRIC_NAMES_H_
#define TRIALGATE_GATEWAY_METRICS_METRIC_NAMES_H_

#include "absl/strings/string_view.h"

namespace trialgate::metrics {

// Metric names of the Prometheus data model: [a-zA-Z_:][a-zA-Z0-9_:]*
// (https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels).
bool IsValidMetricName(absl::string_view name);

// Label names: [a-zA-Z_][a-zA-Z0-9_]*, and names beginning with "__" are reserved.
bool IsValidLabelName(absl::string_view name);

}  // namespace trialgate::metrics

#endif  // TRIALGATE_GATEWAY_METRICS_METRIC_NAMES_H_
