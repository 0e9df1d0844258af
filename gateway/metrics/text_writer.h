#ifndef TRIALGATE_GATEWAY_METRICS_TEXT_WRITER_H_
#define TRIALGATE_GATEWAY_METRICS_TEXT_WRITER_H_

// The Prometheus text exposition format, version 0.0.4, written by hand (Debian 12 packages no
// Prometheus C++ client). The rules followed are those of
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format :
//   - per family `# HELP name text` (in the text `\` as `\\` and a line feed as `\n`), then
//     `# TYPE name counter|gauge|histogram`, then its samples, one per line, ending in `\n`;
//   - a sample is `name{label="value",...} value`; in a label value `\`, `"` and a line feed are
//     written `\\`, `\"` and `\n`; values are Go-style floats, `+Inf`, `-Inf` or `NaN`;
//   - a histogram is `name_bucket{...,le="bound"}` per bucket, cumulative, the last with
//     `le="+Inf"` equal to `name_count`, then `name_sum` and `name_count`.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/metrics/registry.h"

namespace trialgate::metrics {

// The Content-Type of what WriteText returns.
inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Renders `families` in order. A family with no samples is written as its HELP and TYPE lines
// alone, so that a scrape shows what exists before anything happened.
std::string WriteText(const std::vector<FamilySnapshot>& families);

// A sample value as the format writes it: the shortest text that reads back as the same double,
// or +Inf, -Inf, NaN.
std::string FormatValue(double value);

}  // namespace trialgate::metrics

#endif  // TRIALGATE_GATEWAY_METRICS_TEXT_WRITER_H_
