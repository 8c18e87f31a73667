// The Pytree Inspector at scale (issue #21): (1) opening a 1-million-parameter tree (an MLP
// 784-1024-256-10 with Adam's mu and nu: 1.07M parameters, 3.2M values in all) in the real panel,
// offscreen, timed from the call to a finished paint (QWidget::grab renders every visible child):
// the tree model, expanding it, selecting the first matrix (its histogram, its 784×1024 heatmap,
// its weight images) and painting; then the time until every leaf's statistics are in (they are
// computed off the GUI thread). (2) A histogram of 800,000 values: the engine's one pass for the
// range plus the binning pass, and the same drawn (bars set and replotted). Targets: 200 ms and
// 50 ms. Medians of --rounds (5). Prints a table; never asserts.
//
//   bench_studio_inspector [--rounds N]   (QT_QPA_PLATFORM=offscreen by default)
#include <QApplication>
#include <QElapsedTimer>
#include <QPixmap>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/random/random.h"
#include "engine/train/run_config.h"
#include "engine/train/snapshot.h"
#include "engine/train/train_steps.h"
#include "widgets/pytree_inspector/leaf_charts.h"
#include "widgets/pytree_inspector/pytree_inspector_panel.h"
#include "widgets/pytree_inspector/pytree_model.h"

using nlohmann::json;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ms(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

// 784-1024-256-10 with Adam: a training run's tree as the inspector gets it each epoch.
std::shared_ptr<const engine::train::TrainSnapshot> bigSnapshot() {
  const json spec = {{"name", "mlp-1m"},
                     {"input_shape", {28, 28, 1}},
                     {"layers", {{{"type", "flatten"}},
                                 {{"type", "dense"}, {"features", 1024}},
                                 {{"type", "relu"}},
                                 {{"type", "dense"}, {"features", 256}},
                                 {{"type", "relu"}},
                                 {{"type", "dense"}, {"features", 10}}}}};
  const auto config = engine::train::RunConfig::from_json(
      {{"model", spec}, {"dataset", "fashion-mnist"}, {"optimizer", {{"name", "adam"}, {"lr", 0.001}}}});
  const engine::train::TrainState state = engine::train::initial_state(config, config.build_model());
  // Adam's moments start at zero: give them values so their statistics are real work too.
  engine::train::TrainState moved = state.apply_gradients(state.params);
  return std::make_shared<const engine::train::TrainSnapshot>(engine::train::take_snapshot(moved, 1));
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  int rounds = 5;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[++i]));
  QApplication app(argc, argv);
  const auto snap = bigSnapshot();
  int64_t params = 0, values = 0;
  for (const auto& [p, leaf] : engine::tree_flatten_with_path(snap->variables["params"])) params += leaf.size();
  for (const auto& [p, leaf] : engine::tree_flatten_with_path(snap->tree())) values += leaf.size();
  std::printf("tree: %lld parameters, %lld values with the optimizer state\n", static_cast<long long>(params),
              static_cast<long long>(values));

  std::vector<double> open, stats, engineHist, drawnHist;
  for (int r = 0; r < rounds; ++r) {
    gs::PytreeInspectorPanel panel;
    panel.resize(1280, 760);
    panel.show();
    QApplication::processEvents();
    QElapsedTimer t;
    t.start();
    panel.setLiveSnapshot(snap, 1, json{{"input_shape", {28, 28, 1}}});
    QPixmap painted = panel.grab();
    open.push_back(ms(t));
    panel.model()->waitForStats();
    stats.push_back(ms(t));
    if (panel.selectedPath() != "params/Dense_0/kernel" || painted.isNull() || !panel.model()->statsReady())
      std::printf("warning: the panel did not open as expected (selected '%s')\n", qPrintable(panel.selectedPath()));

    // 800,000 values: Dense_0's kernel is 802,816; take exactly 800,000 of them.
    const engine::Array kernel = engine::tree_get(snap->variables, "params/Dense_0/kernel").leaf().array();
    const engine::Array v = engine::Array::from_vector<float>(
        std::vector<float>(kernel.data<float>(), kernel.data<float>() + 800000));
    t.restart();
    const engine::Histogram h = engine::histogram(v, gs::LeafHistogramPlot::kBins);
    engineHist.push_back(ms(t));
    t.restart();
    const engine::Histogram h2 = engine::histogram(v, gs::LeafHistogramPlot::kBins);
    panel.histogram()->showHistogram(h2, QStringLiteral("800,000 values"));
    panel.histogram()->grab();
    drawnHist.push_back(ms(t));
    if (h.counts != h2.counts) std::printf("warning: histograms differ\n");
  }
  std::printf("\nPytree Inspector (median of %d rounds; targets: open <= 200 ms, histogram <= 50 ms)\n", rounds);
  bench::print_machine();
  std::printf("%-60s %10s\n", "action", "ms");
  std::printf("%-60s %10.1f\n", "open 1.07M-param tree (+Adam state), painted", median(open));
  std::printf("%-60s %10.1f\n", "  ... until every leaf's statistics are in", median(stats));
  std::printf("%-60s %10.1f\n", "histogram of 800,000 values (engine, 50 bins)", median(engineHist));
  std::printf("%-60s %10.1f\n", "histogram of 800,000 values, drawn and painted", median(drawnHist));
  return 0;
}
