#include "gateway/metrics/registry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "gateway/metrics/metric_names.h"

namespace trialgate::metrics {
namespace {

// Metric definitions are constants of this program: a bad one is a bug, caught at start-up.
[[noreturn]] void Fail(const std::string& name, const char* why) {
  std::fprintf(stderr, "metric '%s': %s\n", name.c_str(), why);
  std::abort();
}

bool EndsWith(absl::string_view text, absl::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

Family::Family(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {}

FamilySnapshot Family::Empty() const {
  FamilySnapshot snapshot;
  snapshot.name = name_;
  snapshot.help = help_;
  snapshot.type = type_;
  snapshot.label_names = label_names_;
  return snapshot;
}

void Family::CheckLabelCount(size_t count) const {
  if (count != label_names_.size()) Fail(name_, "wrong number of label values");
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : Family(std::move(name), std::move(help), MetricType::kCounter, std::move(label_names)) {}

Counter* CounterFamily::Child(std::initializer_list<absl::string_view> label_values) {
  CheckLabelCount(label_values.size());
  return children_.Get(label_values, [] { return std::make_unique<Counter>(); });
}

FamilySnapshot CounterFamily::Collect() const {
  FamilySnapshot snapshot = Empty();
  children_.ForEach([&](const std::vector<std::string>& values, const Counter& counter) {
    snapshot.counters.push_back({values, counter.value()});
  });
  return snapshot;
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : Family(std::move(name), std::move(help), MetricType::kHistogram, std::move(label_names)),
      bounds_(std::move(bounds)) {}

Histogram* HistogramFamily::Child(std::initializer_list<absl::string_view> label_values) {
  CheckLabelCount(label_values.size());
  return children_.Get(label_values, [this] { return std::make_unique<Histogram>(&bounds_); });
}

FamilySnapshot HistogramFamily::Collect() const {
  FamilySnapshot snapshot = Empty();
  snapshot.bounds = bounds_;
  children_.ForEach([&](const std::vector<std::string>& values, const Histogram& histogram) {
    snapshot.histograms.push_back({values, histogram.Read()});
  });
  return snapshot;
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                         GaugeCallback callback)
    : Family(std::move(name), std::move(help), MetricType::kGauge, std::move(label_names)),
      callback_(std::move(callback)) {}

FamilySnapshot GaugeFamily::Collect() const {
  FamilySnapshot snapshot = Empty();
  snapshot.gauges = callback_();
  // A callback's sample with the wrong number of values is dropped rather than rendered wrong.
  std::erase_if(snapshot.gauges, [&](const GaugeSample& sample) {
    return sample.label_values.size() != snapshot.label_names.size();
  });
  return snapshot;
}

void Registry::CheckNew(const std::string& name, const std::vector<std::string>& label_names) {
  if (!IsValidMetricName(name)) Fail(name, "not a valid metric name");
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label)) Fail(name, "has an invalid label name");
  }
  for (const auto& family : families_) {
    if (family->name() == name) Fail(name, "added twice");
  }
}

CounterFamily* Registry::AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  CheckNew(name, label_names);
  if (!EndsWith(name, "_total")) Fail(name, "a counter's name must end in _total");
  auto family =
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names));
  CounterFamily* result = family.get();
  families_.push_back(std::move(family));
  return result;
}

HistogramFamily* Registry::AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  CheckNew(name, label_names);
  for (const std::string& label : label_names) {
    if (label == "le") Fail(name, "a histogram may not have a label 'le'");
  }
  if (bounds.empty()) Fail(name, "a histogram needs bucket bounds");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      Fail(name, "bucket bounds must be finite and strictly increasing");
    }
  }
  auto family = std::make_unique<HistogramFamily>(std::move(name), std::move(help),
                                                  std::move(label_names), std::move(bounds));
  HistogramFamily* result = family.get();
  families_.push_back(std::move(family));
  return result;
}

void Registry::AddGauge(std::string name, std::string help, std::vector<std::string> label_names,
                        GaugeCallback callback) {
  std::lock_guard<std::mutex> lock(mu_);
  CheckNew(name, label_names);
  if (!callback) Fail(name, "a gauge needs a callback");
  families_.push_back(std::make_unique<GaugeFamily>(std::move(name), std::move(help),
                                                    std::move(label_names), std::move(callback)));
}

std::vector<FamilySnapshot> Registry::Collect() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FamilySnapshot> snapshots;
  snapshots.reserve(families_.size());
  for (const auto& family : families_) snapshots.push_back(family->Collect());
  return snapshots;
}

}  // namespace trialgate::metrics
