#include "daemon/metrics.h"

#include <cmath>

#include <fmt/format.h>

namespace labgate::daemon {

const char* to_string(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void MetricsSink::add(const std::string& name, const std::string& help, MetricType type,
                      Sample sample, std::vector<double> bounds) {
  for (auto& f : families_) {
    if (f.name == name) {
      f.samples.push_back(std::move(sample));
      return;
    }
  }
  families_.push_back(MetricFamily{name, help, type, std::move(bounds), {}});
  families_.back().samples.push_back(std::move(sample));
}

void MetricsSink::counter(const std::string& name, const std::string& help, Labels labels,
                          double value) {
  add(name, help, MetricType::kCounter, Sample{std::move(labels), value, {}, 0, 0});
}

void MetricsSink::gauge(const std::string& name, const std::string& help, Labels labels,
                        double value) {
  add(name, help, MetricType::kGauge, Sample{std::move(labels), value, {}, 0, 0});
}

void MetricsSink::histogram(const std::string& name, const std::string& help, Labels labels,
                            std::vector<double> bounds, std::vector<uint64_t> buckets, double sum) {
  Sample s{std::move(labels), 0, {}, 0, sum};
  buckets.resize(bounds.size() + 1);
  for (uint64_t b : buckets) s.cumulative.push_back(s.count += b);
  add(name, help, MetricType::kHistogram, std::move(s), std::move(bounds));
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Sample Histogram::snapshot() const {
  Sample s;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // The count is the +Inf bucket, so the two always agree even while observations race.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mu_);
  counters_.push_back({name, help, std::move(labels), std::make_unique<Counter>()});
  return *counters_.back().metric;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mu_);
  gauges_.push_back({name, help, std::move(labels), std::make_unique<Gauge>()});
  return *gauges_.back().metric;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> bounds, Labels labels) {
  std::lock_guard lock(mu_);
  histograms_.push_back(
      {name, help, std::move(labels), std::make_unique<Histogram>(std::move(bounds))});
  return *histograms_.back().metric;
}

void MetricsRegistry::add_collector(Collector collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::vector<MetricFamily> MetricsRegistry::collect() const {
  std::lock_guard lock(mu_);
  MetricsSink sink;
  for (const auto& c : counters_)
    sink.counter(c.name, c.help, c.labels, static_cast<double>(c.metric->value()));
  for (const auto& g : gauges_) sink.gauge(g.name, g.help, g.labels, g.metric->value());
  std::vector<MetricFamily> out = sink.take();
  for (const auto& h : histograms_) {
    Sample s = h.metric->snapshot();
    s.labels = h.labels;
    MetricFamily* family = nullptr;
    for (auto& f : out)
      if (f.name == h.name) family = &f;
    if (!family) {
      out.push_back(MetricFamily{h.name, h.help, MetricType::kHistogram, h.metric->bounds(), {}});
      family = &out.back();
    }
    family->samples.push_back(std::move(s));
  }
  for (const auto& collect : collectors_) {
    MetricsSink part;
    collect(part);
    for (auto& f : part.take()) out.push_back(std::move(f));
  }
  return out;
}

namespace {

// The text format's escapes: backslash and newline everywhere, double quotes in label values.
std::string escaped(const std::string& v, bool in_label_value) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && in_label_value)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

std::string label_set(const Labels& labels, const std::string& extra_name = {},
                      const std::string& extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    out += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, escaped(v, /*in_label_value=*/true));
    first = false;
  }
  if (!extra_name.empty())
    out += fmt::format("{}{}=\"{}\"", first ? "" : ",", extra_name, extra_value);
  return out + "}";
}

}  // namespace

std::string render_prometheus_text(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const auto& f : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name,
                       escaped(f.help, /*in_label_value=*/false), f.name, to_string(f.type));
    for (const auto& s : f.samples) {
      if (f.type != MetricType::kHistogram) {
        out += fmt::format("{}{} {}\n", f.name, label_set(s.labels), number(s.value));
        continue;
      }
      for (size_t i = 0; i < s.cumulative.size(); ++i) {
        std::string le = i < f.bounds.size() ? number(f.bounds[i]) : "+Inf";
        out +=
            fmt::format("{}_bucket{} {}\n", f.name, label_set(s.labels, "le", le), s.cumulative[i]);
      }
      out += fmt::format("{}_sum{} {}\n", f.name, label_set(s.labels), number(s.sum));
      out += fmt::format("{}_count{} {}\n", f.name, label_set(s.labels), s.count);
    }
  }
  return out;
}

}  // namespace labgate::daemon
