#include "gateway/metrics/metric_names.h"

namespace trialgate::metrics {
namespace {

bool IsLetterOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsValidMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (IsLetterOrUnderscore(c) || c == ':') continue;
    if (i > 0 && IsDigit(c)) continue;
    return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || (name.size() >= 2 && name[0] == '_' && name[1] == '_')) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (IsLetterOrUnderscore(c)) continue;
    if (i > 0 && IsDigit(c)) continue;
    return false;
  }
  return true;
}

}  // namespace trialgate::metrics
