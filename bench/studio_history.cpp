// Run History at scale: 5,000 runs and 10 million metric rows, measured through the real panel
// (RunHistoryPanel, offscreen). Each action is timed from the call to a finished paint of the
// panel (QWidget::grab renders every visible child): the first paint (open the database, query
// the first page, lay out and paint), a text filter, a sort on a metric column, and opening one
// run's curves (its ~200k train/loss rows drawn as a 2,000-point decimated curve). Target: each
// within 300 ms. Prints a table; never asserts.
//
//   bench_studio_history [DB]   DB defaults to $TMPDIR/gs-bench-history/runs.db; an existing database
//                        with 5,000 runs is reused (building one takes a minute or so).
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QPixmap>
#include <QTableView>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "engine/runs/run_store.h"
#include "widgets/run_history/run_history_panel.h"
#include "widgets/run_history/run_overlay_view.h"
#include "widgets/run_history/run_table_model.h"

using engine::runs::RunStatus;
using engine::runs::RunStore;

namespace {

constexpr int kRuns = 5000;
constexpr int kBigRunRows = 200000;
constexpr int64_t kTotalRows = 10000000;

std::string cpu_model() {
  QFile f(QStringLiteral("/proc/cpuinfo"));
  if (!f.open(QIODevice::ReadOnly)) return "unknown CPU";
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith("model name")) return line.mid(line.indexOf(':') + 2).toStdString();
  return "unknown CPU";
}

// One transaction per flush of 500k rows (RunStore's own batched writes, summary upkeep included).
void build(const std::string& path) {
  QElapsedTimer t;
  t.start();
  RunStore store(engine::runs::RunStoreOptions{
      .path = path, .flush_rows = 500000, .flush_interval = std::chrono::hours(1)});
  const char* models[] = {"mlp", "cnn", "linear"};
  const char* opts[] = {"sgd", "adam", "adamw", "rmsprop"};
  const double lrs[] = {0.1, 0.01, 0.001, 0.3, 0.003};
  const int batches[] = {32, 64, 100, 128};
  const RunStatus statuses[] = {RunStatus::finished, RunStatus::finished, RunStatus::finished, RunStatus::stopped,
                                RunStatus::failed};
  const int64_t rowsPerRun = (kTotalRows - kBigRunRows) / (kRuns - 1);
  for (int i = 0; i < kRuns; ++i) {
    const std::string model = models[i % 3], opt = opts[i % 4];
    const nlohmann::json config = {{"name", ""},
                                   {"model", {{"name", model}}},
                                   {"dataset", {{"name", "fashion-mnist"}, {"limit", 0}}},
                                   {"optimizer", {{"name", opt}, {"lr", lrs[i % 5]}}},
                                   {"batch_size", batches[i % 4]},
                                   {"epochs", 1 + i % 10},
                                   {"seed", i}};
    char name[64];
    std::snprintf(name, sizeof name, "run-%04d-%s-%s", i + 1, model.c_str(), opt.c_str());
    const int64_t id = store.create_run({.name = name, .config = config, .model_spec = {{"name", model}},
                                         .dataset = "fashion-mnist", .backend = "cpu",
                                         .tags = {i % 7 == 0 ? "baseline" : "sweep"}});
    const int64_t rows = i == 0 ? kBigRunRows : rowsPerRun;
    const double base = 0.2 + 0.5 * ((i * 37) % 100) / 100.0;
    for (int64_t s = 0; s < rows; ++s) {
      if (s % 100 == 99) {
        store.log_metric(id, s, s / 1000, "test/accuracy", 0.9 - base / 4 + 1e-7 * s, s * 0.01);
      } else {
        const double spike = s % 9973 == 0 ? 3.0 : 0.0;
        store.log_metric(id, s, s / 1000, "train/loss", base + 2.0 / (1.0 + s * 0.01) + spike, s * 0.01);
      }
    }
    if (i == 0)
      store.set_status(id, RunStatus::stopped);
    else if (statuses[i % 5] == RunStatus::finished)
      store.finish_run(id, {{"test/accuracy", 0.9 - base / 4}});
    else
      store.set_status(id, statuses[i % 5], statuses[i % 5] == RunStatus::failed ? "loss became NaN" : "");
  }
  store.flush();
  std::printf("built %s: %d runs, %lld metric rows in %.1f s\n", path.c_str(), kRuns,
              static_cast<long long>(kBigRunRows + rowsPerRun * (kRuns - 1)), t.elapsed() / 1000.0);
}

// This process's CPU time: on a shared machine the wall clock also counts other programs' turns.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Row {
  std::string what;
  std::vector<double> ms;
  std::vector<double> cpu;
};

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const QString path = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QDir::tempPath() + "/gs-bench-history/runs.db";
  bool reuse = QFile::exists(path);
  if (reuse) {
    RunStore probe(path.toStdString());
    reuse = probe.count_runs() == kRuns;
    if (!reuse) std::printf("%s does not hold %d runs: rebuilding it\n", qPrintable(path), kRuns);
  }
  if (!reuse) {
    for (const char* suffix : {"", "-wal", "-shm"}) QFile::remove(path + suffix);
    build(path.toStdString());
  } else {
    std::printf("reusing %s\n", qPrintable(path));
  }

  struct Timer {
    QElapsedTimer wall;
    double cpu0 = 0;
    void start() {
      cpu0 = cpu_ms();
      wall.start();
    }
  } t;
  Row* current = nullptr;
  // Records wall and CPU milliseconds since t.start() into *current; returns the wall time.
  const auto ms = [&] {
    const double wall = t.wall.nsecsElapsed() / 1e6;
    current->cpu.push_back(cpu_ms() - t.cpu0);
    return wall;
  };
  std::vector<Row> rows;

  // 1. First paint: a new panel opens the database, loads the first page and paints it.
  Row first{"first paint (open, first page, paint)", {}, {}};
  current = &first;
  for (int rep = 0; rep < 3; ++rep) {
    t.start();
    gs::RunHistoryPanel panel;
    panel.resize(1280, 800);
    panel.setDatabasePath(path);
    panel.show();
    panel.grab();
    first.ms.push_back(ms());
  }
  rows.push_back(first);

  gs::RunHistoryPanel panel;
  panel.resize(1280, 800);
  panel.setDatabasePath(path);
  panel.show();
  panel.grab();
  auto* filter = panel.findChild<QLineEdit*>(QStringLiteral("Filterruns"));
  Row text{"text filter (type a word, repaint)", {}, {}};
  const char* words[] = {"cnn", "adam", "baseline", "run-12", "linear"};
  current = &text;
  for (const char* w : words) {
    t.start();
    filter->setText(QString::fromLatin1(w));
    panel.grab();
    text.ms.push_back(ms());
  }
  std::printf("filter '%s': %d runs\n", words[4], panel.runCount());
  filter->clear();
  rows.push_back(text);

  Row sort{"sort on a metric column (best acc, final loss)", {}, {}};
  const int columns[] = {gs::RunTableModel::BestAccuracy, gs::RunTableModel::FinalLoss, gs::RunTableModel::Lr,
                         gs::RunTableModel::Duration, gs::RunTableModel::BestAccuracy};
  Qt::SortOrder order = Qt::DescendingOrder;
  current = &sort;
  for (int c : columns) {
    t.start();
    panel.table()->sortByColumn(c, order);
    panel.grab();
    sort.ms.push_back(ms());
    order = order == Qt::DescendingOrder ? Qt::AscendingOrder : Qt::DescendingOrder;
  }
  rows.push_back(sort);

  Row curves{"open one run's curves (200k rows -> 2,000 points)", {}, {}};
  current = &curves;
  for (int rep = 0; rep < 5; ++rep) {
    panel.selectRuns({});
    panel.grab();
    t.start();
    panel.selectRuns({1});
    panel.grab();
    curves.ms.push_back(ms());
  }
  rows.push_back(curves);
  // Where opening the curves goes: the store's two queries alone, then the chart alone.
  Row names{"  of which: metric_names(run) (store)", {}, {}};
  Row query{"  of which: decimated metrics query (store)", {}, {}};
  Row chart{"  of which: overlay setRuns + replot", {}, {}};
  for (int rep = 0; rep < 5; ++rep) {
    current = &names;
    t.start();
    panel.store()->metric_names(1);
    names.ms.push_back(ms());
    current = &query;
    t.start();
    const auto pts = panel.store()->metrics(1, "train/loss", INT64_MIN, INT64_MAX, 2000);
    query.ms.push_back(ms());
    panel.overlay()->setRuns({}, {});
    current = &chart;
    t.start();
    panel.overlay()->setRuns({1}, {QStringLiteral("big")});
    panel.overlay()->grab();
    chart.ms.push_back(ms());
  }
  rows.push_back(names);
  rows.push_back(query);
  rows.push_back(chart);
  std::printf("curve: %d points of %s\n", panel.overlay()->plot() ? panel.overlay()->maxPoints() : 0,
              qPrintable(panel.overlay()->metric()));

  std::printf("\nRun History, %d runs / 10M metric rows, offscreen, %s\n", kRuns, cpu_model().c_str());
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) > 0) std::printf("load average %.1f (wall ms include other programs' turns; cpu ms do not)\n", load[0]);
  std::printf("%-52s %9s %9s %9s %9s %8s\n", "action (wall ms unless said)", "first", "median", "max", "cpu med", "<300ms");
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  for (Row& r : rows) {
    const double max = *std::max_element(r.ms.begin(), r.ms.end());
    std::printf("%-52s %9.1f %9.1f %9.1f %9.1f %8s\n", r.what.c_str(), r.ms.front(), median(r.ms), max, median(r.cpu),
                max < 300 ? "yes" : "NO");
  }
  return 0;
}
