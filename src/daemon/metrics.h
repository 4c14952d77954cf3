// The daemon's one metrics registry: what every component counts, read in one place.
//
// Two ways to report, both free on the data path:
//   - Owned metrics (Counter, Gauge, Histogram) for events off the hot path or where a component
//     has no counter of its own yet (reloads, upstream latency). Each is a set of relaxed atomics:
//     no lock, no allocation after registration.
//   - Collectors: a component that already keeps its counters (the DNS loops' answer counts, the
//     proxy's per-forward atomics) registers a function that reads them when someone asks
//     (collect()); nothing is copied on the data path.
// Names and labels follow Prometheus conventions: base units, `_total` for counters, low
// cardinality (labels name forwards, views and backends, never clients or query names).
//
// Thread safety: registration and collect() take a mutex and may run from any thread; updates of
// owned metrics are lock-free from any thread. Metrics are never unregistered; a collector reads
// whatever its component serves at that moment (a reload's new forwards show up by themselves).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace labgate::daemon {

enum class MetricType { kCounter, kGauge, kHistogram };
const char* to_string(MetricType t);  // "counter", "gauge", "histogram"

using Labels = std::vector<std::pair<std::string, std::string>>;

// One series of a family at collection time.
struct Sample {
  Labels labels;
  double value = 0;  // counters and gauges
  // Histograms: the count of observations <= bounds[i] (cumulative), their count and sum.
  std::vector<uint64_t> cumulative;
  uint64_t count = 0;
  double sum = 0;
};

// All series of one metric name.
struct MetricFamily {
  std::string name;  // e.g. labgate_dns_answers_total
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<double> bounds;  // histograms: the upper bounds of the buckets, ascending
  std::vector<Sample> samples;
};

// What a collector writes into. Samples of one name are merged into one family.
class MetricsSink {
 public:
  void counter(const std::string& name, const std::string& help, Labels labels, double value);
  void gauge(const std::string& name, const std::string& help, Labels labels, double value);
  // A histogram a component keeps itself: `buckets` holds the observations per bucket (not
  // cumulative), one per bound and the +Inf one last; the count is their sum.
  void histogram(const std::string& name, const std::string& help, Labels labels,
                 std::vector<double> bounds, std::vector<uint64_t> buckets, double sum);

  std::vector<MetricFamily> take() { return std::move(families_); }

 private:
  void add(const std::string& name, const std::string& help, MetricType type, Sample sample,
           std::vector<double> bounds = {});
  std::vector<MetricFamily> families_;
};

class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Fixed buckets chosen at registration. observe() is a short linear scan and two relaxed adds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  Sample snapshot() const;  // cumulative counts, as Prometheus expects
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the last is +Inf)
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

class MetricsRegistry {
 public:
  // Owned metrics, one series each; the reference stays valid as long as the registry. The same
  // name may be registered again with other labels (another series of one family).
  Counter& counter(const std::string& name, const std::string& help, Labels labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, Labels labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       Labels labels = {});

  using Collector = std::function<void(MetricsSink&)>;
  void add_collector(Collector collector);

  // Every family, owned metrics first and then each collector's, in registration order.
  std::vector<MetricFamily> collect() const;

 private:
  template <class T>
  struct Owned {
    std::string name, help;
    Labels labels;
    std::unique_ptr<T> metric;
  };
  mutable std::mutex mu_;
  std::deque<Owned<Counter>> counters_;
  std::deque<Owned<Gauge>> gauges_;
  std::deque<Owned<Histogram>> histograms_;
  std::vector<Collector> collectors_;
};

// The Prometheus text exposition format (version 0.0.4): # HELP and # TYPE per family, one line
// per series, histograms as _bucket{le=...}, _sum and _count. Label values are escaped
// (backslash, double quote, newline).
std::string render_prometheus_text(const std::vector<MetricFamily>& families);

}  // namespace labgate::daemon
