#ifndef TRIALGATE_GATEWAY_METRICS_REGISTRY_H_
#define TRIALGATE_GATEWAY_METRICS_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/metrics/histogram.h"
#include "gateway/metrics/label_children.h"

namespace trialgate::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

struct CounterSample {
  std::vector<std::string> label_values;
  uint64_t value = 0;
};
struct GaugeSample {
  std::vector<std::string> label_values;
  double value = 0;
};
struct HistogramSample {
  std::vector<std::string> label_values;
  HistogramSnapshot snapshot;
};

// One family at one moment: what the text writer renders. Only the samples of `type` are set.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> label_names;
  std::vector<CounterSample> counters;
  std::vector<GaugeSample> gauges;
  std::vector<double> bounds;  // a histogram's bucket upper bounds, without +Inf
  std::vector<HistogramSample> histograms;
};

// A family of metrics of one name, one child per tuple of label values.
class Family {
 public:
  Family(std::string name, std::string help, MetricType type,
         std::vector<std::string> label_names);
  virtual ~Family() = default;
  virtual FamilySnapshot Collect() const = 0;
  const std::string& name() const { return name_; }

 protected:
  // A snapshot with the family's name, help, type and label names, and no samples.
  FamilySnapshot Empty() const;
  // Aborts unless `count` is the number of label names: a programming error.
  void CheckLabelCount(size_t count) const;

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

// Counters. Look a child up once and keep the pointer where you can: Counter::Increment is one
// atomic add, Child() a locked hash lookup. Thread-safe.
class CounterFamily final : public Family {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  // The counter of `label_values` (one per label name, in order), made at 0 if new.
  Counter* Child(std::initializer_list<absl::string_view> label_values);
  FamilySnapshot Collect() const override;

 private:
  LabelChildren<Counter> children_;
};

// Histograms with the family's fixed buckets. Thread-safe.
class HistogramFamily final : public Family {
 public:
  // REQUIRES: `bounds` non-empty, strictly increasing and finite.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  Histogram* Child(std::initializer_list<absl::string_view> label_values);
  FamilySnapshot Collect() const override;

 private:
  const std::vector<double> bounds_;
  LabelChildren<Histogram> children_;
};

// Gauges whose samples a callback computes at each scrape (a queue length, a lag read from the
// store). The callback runs on the scraping thread; it may block briefly (a read), never on
// the hot path.
using GaugeCallback = std::function<std::vector<GaugeSample>()>;

class GaugeFamily final : public Family {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
              GaugeCallback callback);
  FamilySnapshot Collect() const override;

 private:
  const GaugeCallback callback_;
};

// The metric families of a process, in the order they were added (the order they are
// rendered). Adding is for start-up; a bad name, a duplicate name, a counter not named
// `*_total`, a histogram with a label `le` or with bad bounds is a programming error and aborts.
// The families live as long as the registry. Thread-safe.
class Registry {
 public:
  CounterFamily* AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names);
  HistogramFamily* AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names, std::vector<double> bounds);
  void AddGauge(std::string name, std::string help, std::vector<std::string> label_names,
                GaugeCallback callback);

  // Every family's snapshot, in the order added; gauge callbacks run here.
  std::vector<FamilySnapshot> Collect() const;

 private:
  void CheckNew(const std::string& name, const std::vector<std::string>& label_names);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;  // guarded by mu_
};

}  // namespace trialgate::metrics

#endif  // TRIALGATE_GATEWAY_METRICS_REGISTRY_H_
