#ifndef TRIALGATE_TESTS_SUPPORT_PROMETHEUS_TEXT_PARSER_H_
#define TRIALGATE_TESTS_SUPPORT_PROMETHEUS_TEXT_PARSER_H_

// A strict parser of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), for tests of
// what the gateway serves at /metrics. It fails on the first malformed line, saying which and
// why. Checked:
//   - `# HELP name text`: a valid name, escapes in the text only `\\` and `\n`; once per family;
//   - `# TYPE name counter|gauge|histogram|summary|untyped`: once per family, before any of its
//     samples; a counter's name ends in `_total`;
//   - other `#` lines are comments; empty lines are ignored;
//   - samples `name{label="value",...} value [timestamp]`: names [a-zA-Z_:][a-zA-Z0-9_:]*, label
//     names [a-zA-Z_][a-zA-Z0-9_]* not starting with `__` and not repeated, label values quoted
//     with escapes only `\\`, `\"`, `\n`; values Go floats (digits, `.`, exponent, or `+Inf`,
//     `-Inf`, `NaN`); an integer timestamp;
//   - a family's lines form one group, no series appears twice, and the text ends with `\n`;
//   - histograms: per series `_bucket` lines in increasing `le`, counts cumulative (never
//     decreasing), the last `le="+Inf"` and equal to `_count`, and `_sum` and `_count` present;
//     counters are not negative.
// Stricter than the format in one way: every sample must belong to a family with a TYPE line.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace trialgate::testing {

struct PrometheusSample {
  std::string name;  // as written, e.g. "x_bucket"
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PrometheusFamily {
  std::string help;
  std::string type;
};

struct PrometheusScrape {
  std::map<std::string, PrometheusFamily> families;  // by family name
  std::vector<PrometheusSample> samples;             // in order

  // The value of the sample with exactly `name` and `labels`; nullopt if there is none.
  std::optional<double> Value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const;
  // The sum of the values of every sample named `name` whose labels include `labels`.
  double Sum(const std::string& name, const std::map<std::string, std::string>& labels = {}) const;
};

// Parses `text`; INVALID_ARGUMENT with the line number and the reason on the first fault.
absl::StatusOr<PrometheusScrape> ParsePrometheusText(absl::string_view text);

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_PROMETHEUS_TEXT_PARSER_H_
