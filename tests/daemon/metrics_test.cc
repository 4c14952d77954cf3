// The metrics registry: owned counters, gauges and histograms, collectors, and the Prometheus
// text format they are rendered in.
#include "daemon/metrics.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace labgate::daemon {
namespace {

TEST(MetricsTest, OwnedSeriesOfOneNameAreOneFamily) {
  MetricsRegistry r;
  Counter& ok = r.counter("labgate_reloads_total", "reloads", {{"result", "ok"}});
  Counter& failed = r.counter("labgate_reloads_total", "reloads", {{"result", "failed"}});
  r.gauge("labgate_build_info", "build", {{"version", "1.2.3"}}).set(1);
  ok.add();
  ok.add(2);
  failed.add();
  EXPECT_EQ(render_prometheus_text(r.collect()),
            "# HELP labgate_reloads_total reloads\n"
            "# TYPE labgate_reloads_total counter\n"
            "labgate_reloads_total{result=\"ok\"} 3\n"
            "labgate_reloads_total{result=\"failed\"} 1\n"
            "# HELP labgate_build_info build\n"
            "# TYPE labgate_build_info gauge\n"
            "labgate_build_info{version=\"1.2.3\"} 1\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInf) {
  MetricsRegistry r;
  Histogram& h = r.histogram("labgate_upstream_seconds", "latency", {0.001, 0.01, 0.1});
  for (double v : {0.0005, 0.001, 0.005, 0.05, 2.0}) h.observe(v);
  EXPECT_EQ(render_prometheus_text(r.collect()),
            "# HELP labgate_upstream_seconds latency\n"
            "# TYPE labgate_upstream_seconds histogram\n"
            "labgate_upstream_seconds_bucket{le=\"0.001\"} 2\n"
            "labgate_upstream_seconds_bucket{le=\"0.01\"} 3\n"
            "labgate_upstream_seconds_bucket{le=\"0.1\"} 4\n"
            "labgate_upstream_seconds_bucket{le=\"+Inf\"} 5\n"
            "labgate_upstream_seconds_sum 2.0565\n"
            "labgate_upstream_seconds_count 5\n");
}

TEST(MetricsTest, CollectorsAreReadAtCollectionAndLabelValuesEscaped) {
  MetricsRegistry r;
  int reads = 0;
  r.add_collector([&](MetricsSink& sink) {
    ++reads;
    sink.counter("labgate_proxy_connections_total", "conns", {{"forward", "a \"b\"\\c\nd"}}, 7);
    sink.gauge("labgate_proxy_active_connections", "active", {{"forward", "x"}}, 2);
  });
  EXPECT_EQ(reads, 0);  // nothing is read before someone asks
  std::string text = render_prometheus_text(r.collect());
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(text,
            "# HELP labgate_proxy_connections_total conns\n"
            "# TYPE labgate_proxy_connections_total counter\n"
            "labgate_proxy_connections_total{forward=\"a \\\"b\\\"\\\\c\\nd\"} 7\n"
            "# HELP labgate_proxy_active_connections active\n"
            "# TYPE labgate_proxy_active_connections gauge\n"
            "labgate_proxy_active_connections{forward=\"x\"} 2\n");
}

TEST(MetricsTest, CountersAddUpAcrossThreads) {
  MetricsRegistry r;
  Counter& c = r.counter("labgate_test_total", "t");
  Histogram& h = r.histogram("labgate_test_seconds", "t", {1.0});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.add();
        h.observe(0.5);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  Sample s = h.snapshot();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{40000, 40000}));
  EXPECT_DOUBLE_EQ(s.sum, 20000.0);
}

}  // namespace
}  // namespace labgate::daemon
