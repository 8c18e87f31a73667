// The Pytree Inspector at scale (issue #21): (1) opening a 1-million-parameter tree (an MLP
// 784-1024-256-10 with Adam's mu and nu: 1.07M parameters, 3.2M values in all) in the real panel,
// offscreen, timed from the call to a finished paint (QWidget::grab renders every visible child):
// the tree model, expanding it, selecting the first matrix (its histogram, its 784×1024 heatmap,
// its weight images) and painting; then the time until every leaf's statistics are in (they are
// computed off the GUI thread). (2) A histogram of 800,000 values: the engine's one pass for the
// range plus the binning pass, and the same drawn (bars set and replotted). Targets: 200 ms and
// 50 ms. Medians of --rounds (5). Prints a table; never asserts.
//
//   bench_studio_inspector [--rounds N] [--save DIR]   (QT_QPA_PLATFORM=offscreen by default)
//   --save DIR also writes the opened panel's four tabs as PNGs there, to look at.
#include <QApplication>
#include <QDir>
#include <QTabWidget>
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
#include "engine/tree/key_path.h"
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

json bigSpec() {
  return {{"name", "mlp-1m"},
                     {"input_shape", {28, 28, 1}},
                     {"layers", {{{"type", "flatten"}},
                                 {{"type", "dense"}, {"features", 1024}},
                                 {{"type", "relu"}},
                                 {{"type", "dense"}, {"features", 256}},
                                 {{"type", "relu"}},
                                 {{"type", "dense"}, {"features", 10}}}}};
}

// 784-1024-256-10 with Adam: a training run's tree as the inspector gets it each epoch.
std::shared_ptr<const engine::train::TrainSnapshot> bigSnapshot() {
  const json spec = bigSpec();
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
  QString saveDir;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[++i]));
    else if (std::string(argv[i]) == "--save") saveDir = QString::fromLocal8Bit(argv[++i]);
  }
  QApplication app(argc, argv);
  const auto snap = bigSnapshot();
  int64_t params = 0, values = 0;
  for (const auto& [p, leaf] : engine::tree_flatten_with_path(snap->variables["params"])) params += leaf.size();
  for (const auto& [p, leaf] : engine::tree_flatten_with_path(snap->tree())) values += leaf.size();
  std::printf("tree: %lld parameters, %lld values with the optimizer state\n", static_cast<long long>(params),
              static_cast<long long>(values));

  std::vector<double> model, open, stats, engineHist, drawnHist, copy;
  for (int r = 0; r < rounds; ++r) {
    {
      // What the Trainer pays at each epoch's end with snapshots on (the studio's runs).
      QElapsedTimer t;
      t.start();
      const engine::train::TrainSnapshot again{.variables = engine::train::tree_deep_copy(snap->variables),
                                               .opt_state = engine::train::tree_deep_copy(snap->opt_state)};
      copy.push_back(ms(t));
    }
    {
      gs::PytreeModel m;
      QElapsedTimer t;
      t.start();
      m.setTree(snap->tree());
      model.push_back(ms(t));
      m.waitForStats();
    }
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
    if (r == 0 && !saveDir.isEmpty()) {
      QDir().mkpath(saveDir);
      panel.selectPath("params/Dense_0/kernel");
      for (int tab = 0; tab < panel.tabs()->count(); ++tab) {
        panel.tabs()->setCurrentIndex(tab);
        const QString path = QDir(saveDir).filePath(QStringLiteral("inspector-tab%1.png").arg(tab));
        std::printf("%s %s\n", qPrintable(path), panel.grab().save(path) ? "written" : "FAILED");
      }
      panel.setInitModel(bigSpec(), 0);  // listed first; the live epoch stays shown
      panel.compareWith(0);
      const QString path = QDir(saveDir).filePath(QStringLiteral("inspector-compare.png"));
      std::printf("%s %s\n", qPrintable(path), panel.grab().save(path) ? "written" : "FAILED");
    }
  }
  std::printf("\nPytree Inspector (median of %d rounds; targets: open <= 200 ms, histogram <= 50 ms)\n", rounds);
  bench::print_machine();
  std::printf("%-60s %10s\n", "action", "ms");
  std::printf("%-60s %10.1f\n", "epoch snapshot: deep copy of params + Adam state (12 MB)", median(copy));
  std::printf("%-60s %10.1f\n", "tree model alone (structure, stats started)", median(model));
  std::printf("%-60s %10.1f\n", "open 1.07M-param tree (+Adam state), painted", median(open));
  std::printf("%-60s %10.1f\n", "  ... until every leaf's statistics are in", median(stats));
  std::printf("%-60s %10.1f\n", "histogram of 800,000 values (engine, 50 bins)", median(engineHist));
  std::printf("%-60s %10.1f\n", "histogram of 800,000 values, drawn and painted", median(drawnHist));
  return 0;
}
