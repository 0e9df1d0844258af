#ifndef TRIALGATE_GATEWAY_METRICS_HISTOGRAM_H_
#define TRIALGATE_GATEWAY_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace trialgate::metrics {

// A monotonically increasing count. Increment is one relaxed atomic add. Thread-safe.
class Counter {
 public:
  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// What a histogram held at one moment, as the exposition format wants it.
struct HistogramSnapshot {
  // One per bound, then one for +Inf; cumulative: [i] counts observations <= bounds[i].
  std::vector<uint64_t> cumulative;
  double sum = 0;
  uint64_t count = 0;  // always equal to cumulative.back()
};

// Observations counted into fixed buckets (upper bounds, inclusive, as Prometheus's `le`), plus
// their sum. Observe is lock-free and allocates nothing. Thread-safe; a Read() racing with
// Observe() may see the sum of one observation more or less than the counts.
class Histogram {
 public:
  // REQUIRES: `bounds` strictly increasing and finite, and it outlives the histogram.
  explicit Histogram(const std::vector<double>* bounds);

  void Observe(double value);
  HistogramSnapshot Read() const;

 private:
  const std::vector<double>& bounds_;
  // Per bucket, not cumulative; the last one counts what lies above every bound (or is NaN).
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

}  // namespace trialgate::metrics

#endif  // TRIALGATE_GATEWAY_METRICS_HISTOGRAM_H_
