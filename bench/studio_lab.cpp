// The Autodiff Lab's speed: (1) one step of the lab (the walk's step plus the panel's update of
// the text highlight, graph highlight, values table and inputs line), offscreen, for a function of
// 100 equations over 1,000-element arrays, in each mode; target <= 16 ms. (2) The training step's
// jaxpr laid out by Graphviz (dot, in-process) and drawn into the graph view; target <= 2 s.
//
//   bench_studio_lab [--layout-only]   (QT_QPA_PLATFORM=offscreen by default)
#include <QApplication>
#include <QElapsedTimer>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/nn/model_spec.h"
#include "engine/train/train_step_jaxpr.h"
#include "widgets/autodiff_lab/autodiff_lab_panel.h"
#include "widgets/autodiff_lab/jaxpr_graph_layout.h"
#include "widgets/autodiff_lab/jaxpr_graph_view.h"

namespace {

// 99 elementwise equations in cycles of sin, mul, add, then a sum: 100 equations in all.
std::string hundred_equations() {
  std::string s = "y = x\n";
  for (int i = 0; i < 33; ++i) s += "y = sin(y) * 0.9 + x\n";
  return s + "sum(y)";
}

struct Stats {
  double median_ms, max_ms;
};
Stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  bench::print_machine();

  const bool layoutOnly = argc > 1 && std::string(argv[1]) == "--layout-only";
  gs::AutodiffLabPanel lab;
  lab.resize(1280, 800);
  lab.show();
  lab.setExpression(QString::fromStdString(hundred_equations()));
  lab.setVariable("x", "1000", "");
  if (!lab.walk()) {
    std::printf("the benchmark function did not build: %s\n", lab.errorText().toUtf8().constData());
    return 1;
  }
  std::printf("function: %zu equations over f32[1000]\n", lab.walk()->jaxprs().primal.jaxpr.eqns.size());
  std::printf("\n%-40s %8s %12s %10s\n", "lab step (walk + panel update)", "steps", "median (ms)", "max (ms)");
  if (!layoutOnly)
  for (auto [mode, name] : {std::pair{engine::WalkMode::forward, "Forward"}, {engine::WalkMode::jvp, "JVP"},
                            {engine::WalkMode::vjp, "VJP"}}) {
    lab.setMode(mode);
    std::vector<double> step_ms, back_ms;
    QElapsedTimer t;
    while (!lab.walk()->finished()) {
      t.start();
      lab.step();
      QApplication::processEvents();
      step_ms.push_back(t.nsecsElapsed() / 1e6);
    }
    for (int i = 0; i < 20 && lab.walk()->position() > 0; ++i) {
      t.start();
      lab.back();
      QApplication::processEvents();
      back_ms.push_back(t.nsecsElapsed() / 1e6);
    }
    Stats s = stats(step_ms), b = stats(back_ms);
    std::printf("%-40s %8zu %12.2f %10.2f\n", (std::string(name) + " Step").c_str(), step_ms.size(), s.median_ms, s.max_ms);
    std::printf("%-40s %8zu %12.2f %10.2f\n", (std::string(name) + " Back (last 20)").c_str(), back_ms.size(),
                b.median_ms, b.max_ms);
  }

  std::printf("\n%-40s %8s %12s %12s\n", "training step graph", "eqns", "layout (s)", "+ draw (s)");
  for (const char* model : {"mlp", "cnn"}) {
    engine::ClosedJaxpr cj = engine::train::train_step_jaxpr(engine::nn::builtin_spec(model));
    gs::JaxprGraphView view;
    view.resize(900, 700);
    std::vector<double> layout_s, total_s;
    for (int rep = 0; rep < 3; ++rep) {
      QElapsedTimer t;
      t.start();
      gs::GraphLayout g = gs::layout_jaxpr(cj.jaxpr);
      layout_s.push_back(t.nsecsElapsed() / 1e9);
      view.setLayout(g);
      QApplication::processEvents();
      total_s.push_back(t.nsecsElapsed() / 1e9);
    }
    std::printf("%-40s %8zu %12.3f %12.3f\n", (std::string("builtin:") + model + " (median of 3)").c_str(),
                cj.jaxpr.eqns.size(), stats(layout_s).median_ms, stats(total_s).median_ms);
  }
  return 0;
}
