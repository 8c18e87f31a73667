#include "app/studio/screenshot_tour.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QTabWidget>

#include "widgets/autodiff_lab/autodiff_lab_panel.h"
#include <QEventLoop>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>

#include "app/studio/about_dialog.h"
#include "app/studio/main_window.h"
#include "engine/nn/model_spec.h"
#include "widgets/model_builder/model_builder_panel.h"
#include "widgets/dataset_browser/dataset_browser_panel.h"
#include "widgets/dataset_browser/dataset_image_model.h"
#include "widgets/evaluation/evaluation_panel.h"
#include "widgets/pytree_inspector/pytree_inspector_panel.h"
#include "widgets/run_history/run_history_panel.h"
#include "widgets/training_dashboard/training_dashboard.h"

namespace gs {

namespace {

// Lets the event loop run (timers drain the trainer's events and replot) for `ms`.
void pump(int ms) {
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
}

// Trains `config` from the dashboard; `grab` (if set) runs once, while the run is still going,
// after `grabAfterMs`. Returns the run's id, or 0 when it did not finish within two minutes.
qint64 train(MainWindow& window, const nlohmann::json& config, const std::function<void()>& grab = {},
             int grabAfterMs = 0) {
  TrainingDashboard* dashboard = window.dashboard();
  dashboard->setRunConfig(config);
  qint64 run = 0;
  QString status;
  QEventLoop loop;
  auto ended = QObject::connect(dashboard, &TrainingDashboard::runEnded, &loop, [&](qint64 id, const QString& s) {
    run = id;
    status = s;
    loop.quit();
  });
  window.raisePanel(dashboard);
  dashboard->startAction()->trigger();
  if (grab) {
    pump(grabAfterMs);
    if (dashboard->isActive()) grab();
  }
  QTimer::singleShot(120000, &loop, &QEventLoop::quit);
  if (run == 0) loop.exec();
  QObject::disconnect(ended);
  std::printf("screenshots: run %lld %s\n", static_cast<long long>(run), qPrintable(status));
  return status == "finished" ? run : 0;
}

}  // namespace

int runScreenshotTour(const QString& dir, const QString& /*userDatabase*/) {
  QTemporaryDir scratch;
  QDir().mkpath(dir);
  MainWindow window(scratch.filePath("runs.db"));
  window.resize(1280, 800);
  window.show();
  pump(200);
  int failures = 0;
  auto save = [&](QWidget* widget, const QString& name) {
    pump(100);  // the coalescing timers have replotted
    const QString path = QDir(dir).filePath(name + ".png");
    const bool ok = widget->grab().save(path);
    std::printf("screenshots: %s %s\n", qPrintable(path), ok ? "written" : "FAILED");
    failures += ok ? 0 : 1;
  };

  nlohmann::json config = {{"name", "mlp-sgd"},
                           {"model", engine::nn::builtin_spec("mlp")},
                           {"dataset", {{"name", "fashion-mnist"}, {"limit", 0}}},
                           {"optimizer", {{"name", "sgd"}, {"lr", 0.1}}},
                           {"batch_size", 32},
                           {"epochs", 3},
                           {"tags", {"baseline"}}};
  // Caught mid-run: loading and compiling take about a second, an epoch of 60,000 about two.
  const qint64 first = train(window, config, [&] { save(&window, "training-live"); }, 3500);
  save(&window, "training");
  config["name"] = "mlp-adam";
  config["optimizer"] = {{"name", "adam"}, {"lr", 0.001}};
  config["tags"] = {"adam"};
  const qint64 second = train(window, config);
  if (first == 0 || second == 0) ++failures;

  window.history()->selectRuns({first, second});
  window.raisePanel(window.history());
  save(&window, "history");

  // Where the first run errs, and the images it learned from (loaded when the panel shows).
  {
    EvaluationPanel* evaluation = window.evaluation();
    QEventLoop loop;
    QObject::connect(evaluation, &EvaluationPanel::evaluated, &loop, &QEventLoop::quit);
    QObject::connect(evaluation, &EvaluationPanel::failed, &loop, &QEventLoop::quit);
    QTimer::singleShot(120000, &loop, &QEventLoop::quit);
    window.raisePanel(evaluation);
    evaluation->evaluateRun(window.databasePath(), first);
    loop.exec();
    if (evaluation->state() != EvaluationPanel::State::done) ++failures;
    std::printf("screenshots: %s\n", qPrintable(evaluation->statusText()));
    save(&window, "evaluation");
    DatasetBrowserPanel* dataset = window.datasetBrowser();
    QObject::connect(dataset, &DatasetBrowserPanel::loaded, &loop, &QEventLoop::quit);
    QObject::connect(dataset, &DatasetBrowserPanel::failed, &loop, &QEventLoop::quit);
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    window.raisePanel(dataset);
    if (dataset->imageModel()->rowCount() == 0) loop.exec();
    save(&window, "dataset");
  }
  // The Pytree Inspector on the Adam run's last epoch (the live snapshot): Dense_0's kernel as a
  // histogram, then its 512 units as 28×28 weight images.
  window.raisePanel(window.inspector());
  window.inspector()->selectPath("params/Dense_0/kernel");
  window.inspector()->tabs()->setCurrentIndex(0);
  save(&window, "inspector");
  window.inspector()->tabs()->setCurrentIndex(2);
  save(&window, "inspector-weights");

  // The Fashion-MNIST CNN with one layer that cannot fit: a conv after flatten.
  nlohmann::json cnn = engine::nn::builtin_spec("cnn");
  cnn["layers"].insert(cnn["layers"].begin() + 9, nlohmann::json{{"type", "conv"}, {"features", 8}});
  window.builder()->setSpec(cnn);
  window.builder()->selectLayer(9);
  window.raisePanel(window.builder());
  save(&window, "builder");

  // The Autodiff Lab caught mid-way through the backward walk of the two-layer net (#21).
  AutodiffLabPanel* lab = window.autodiffLab();
  lab->loadPreset(lab_preset_index("two-layer net"));
  lab->setMode(engine::WalkMode::vjp);
  lab->views()->setCurrentIndex(1);  // the graph, highlighted; the text view is one click away
  while (lab->walk() && lab->walk()->position() < lab->walk()->jaxprs().primal.jaxpr.eqns.size() + 4) lab->step();
  window.raisePanel(lab);
  save(&window, "autodiff-lab");

  AboutDialog about(&window);
  about.show();
  save(&about, "about");
  return failures == 0 ? 0 : 1;
}

}  // namespace gs
