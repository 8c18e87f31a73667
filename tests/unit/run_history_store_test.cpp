// RunStore's Run History queries: summary columns (schema 3, their migration and upkeep), sorting
// on every column, status-set and text filters, decimated metric curves, config diffs, the
// multi-run CSV and data_version polling.
#include <QTemporaryDir>
#include <QtTest>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>

#include "engine/runs/run_store.h"
#include "unit/test_support.h"

using namespace engine;
using namespace engine::runs;
using nlohmann::json;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The version-2 schema as released (migrations 1 and 2), frozen here so the upgrade to 3 is
// tested against the real old layout.
const char* kVersion2 = R"sql(
  CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created TEXT NOT NULL, finished TEXT,
    status TEXT NOT NULL CHECK (status IN ('running','finished','stopped','failed','diverged','interrupted')),
    config_json TEXT NOT NULL DEFAULT '{}', model_spec_json TEXT NOT NULL DEFAULT '{}',
    dataset TEXT NOT NULL DEFAULT '', backend TEXT NOT NULL DEFAULT '', device TEXT NOT NULL DEFAULT '',
    seed INTEGER, final_metrics_json TEXT NOT NULL DEFAULT '{}', notes TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '');
  CREATE TABLE metrics (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL, epoch INTEGER NOT NULL, name TEXT NOT NULL, value REAL, wall_time REAL NOT NULL);
  CREATE INDEX metrics_by_run_name_step ON metrics(run_id, name, step);
  CREATE TABLE checkpoints (id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, step INTEGER NOT NULL,
    path TEXT NOT NULL, created TEXT NOT NULL);
  CREATE INDEX checkpoints_by_run ON checkpoints(run_id, step);
  CREATE TABLE run_tags (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    tag TEXT NOT NULL, PRIMARY KEY (run_id, tag));
  CREATE INDEX run_tags_by_tag ON run_tags(tag);
  ALTER TABLE runs ADD COLUMN writer_pid INTEGER;
  ALTER TABLE runs ADD COLUMN writer_token TEXT NOT NULL DEFAULT '';
  CREATE INDEX runs_by_status ON runs(status);
  PRAGMA user_version = 2;
)sql";

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  QVERIFY(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  QVERIFY2(rc == SQLITE_OK, msg.c_str());
}

// A config laid out as RunConfig::to_json writes it.
json config(const std::string& model, const std::string& opt, double lr, int batch, int epochs) {
  return {{"name", ""},
          {"model", {{"name", model}, {"input_shape", {28, 28, 1}}, {"layers", json::array({{{"type", "flatten"}}})}}},
          {"dataset", {{"name", "fashion-mnist"}, {"limit", 0}}},
          {"optimizer", {{"name", opt}, {"lr", lr}}},
          {"batch_size", batch},
          {"epochs", epochs},
          {"seed", 0}};
}

template <class T, class F>
std::vector<T> column(const std::vector<RunSummary>& rows, F f) {
  std::vector<T> out;
  for (const RunSummary& r : rows) out.push_back(f(r));
  return out;
}

}  // namespace

class RunHistoryStoreTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string db(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

 private slots:
  void migratesVersion2AndBackfills() {
    const std::string path = db("v2.db");
    exec(path, kVersion2);
    const std::string cfg = config("cnn", "sgd", 0.01, 100, 3).dump();
    exec(path, "INSERT INTO runs (name, created, finished, status, config_json, model_spec_json, dataset,"
               " final_metrics_json) VALUES"
               " ('a', '2025-01-01T00:00:00.000Z', '2025-01-01T00:02:30.000Z', 'finished', '" + cfg +
               "', '{\"name\":\"cnn\"}', 'fashion-mnist', '{\"test/accuracy\":0.5}'),"
               " ('b', '2025-01-02T00:00:00.000Z', NULL, 'stopped', '{\"model\":\"builtin:mlp\"}', '{}', 'mnist', '{}'),"
               " ('broken', '2025-01-03T00:00:00.000Z', NULL, 'failed', 'not json', '{', '', 'nope')");
    exec(path, "INSERT INTO metrics VALUES (1, 0, 0, 'train/loss', 2.0, 1), (1, 9, 0, 'train/loss', 0.5, 9),"
               " (1, 5, 0, 'train/loss', 1.0, 5), (1, 9, 0, 'test/accuracy', 0.8, 9.5),"
               " (1, 19, 1, 'test/accuracy', 0.7, 19.5), (2, 3, 0, 'test/loss', 0.9, 42)");
    RunStore store(path);
    QCOMPARE(store.schema_version(), 3);
    const auto rows = store.list_summaries({.limit = -1, .order_by = "id", .descending = false});
    QCOMPARE(rows.size(), size_t(3));
    const RunSummary& a = rows[0];
    QCOMPARE(a.model, std::string("cnn"));
    QCOMPARE(a.optimizer, std::string("sgd"));
    QCOMPARE(a.lr.value_or(-1), 0.01);
    QCOMPARE(a.batch_size.value_or(-1), int64_t(100));
    QCOMPARE(a.epochs.value_or(-1), int64_t(3));
    QCOMPARE(a.best_test_accuracy.value_or(-1), 0.8);  // the best of the rows and the final 0.5
    QCOMPARE(a.final_loss.value_or(-1), 0.5);          // train/loss at the highest step
    QVERIFY(std::abs(a.duration_seconds.value_or(-1) - 150.0) < 1e-3);
    QCOMPARE(rows[1].model, std::string("builtin:mlp"));  // config "model" as text
    QVERIFY(!rows[1].final_loss);                          // no train/loss row, no final metric
    QCOMPARE(rows[1].duration_seconds.value_or(-1), 42.0);  // unfinished: the last wall_time
    QVERIFY(rows[2].model.empty() && !rows[2].lr && !rows[2].best_test_accuracy);  // malformed JSON
    QCOMPARE(store.count_runs({.search = "cnn"}), int64_t(1));
  }

  void summariesFollowWrites() {
    const std::string path = db("live.db");
    RunStore store(RunStoreOptions{.path = path, .flush_rows = 1000, .flush_interval = std::chrono::hours(1)});
    RunStore reader(path);
    const int64_t id = store.create_run({.name = "live", .config = config("mlp", "adam", 0.001, 32, 2),
                                         .model_spec = {{"name", "mlp"}}, .dataset = "fashion-mnist"});
    RunSummary s = reader.list_summaries()[0];
    QCOMPARE(s.model, std::string("mlp"));
    QCOMPARE(s.optimizer, std::string("adam"));
    QCOMPARE(s.lr.value_or(-1), 0.001);
    QVERIFY(!s.best_test_accuracy && !s.final_loss && !s.duration_seconds);
    store.log_metric(id, 1, 0, "train/loss", 2.0, 1.0);
    store.log_metric(id, 2, 0, "train/loss", 1.5, 2.0);
    store.log_metric(id, 2, 1, "test/accuracy", 0.6, 2.5);
    store.flush();
    s = reader.list_summaries()[0];
    QCOMPARE(s.final_loss.value_or(-1), 1.5);
    QCOMPARE(s.best_test_accuracy.value_or(-1), 0.6);
    QCOMPARE(s.duration_seconds.value_or(-1), 2.5);
    store.log_metric(id, 3, 1, "train/loss", 1.25, 3.0);
    store.log_metric(id, 3, 2, "test/accuracy", 0.55, 3.5);  // worse: the best stays 0.6
    store.flush();
    s = reader.list_summaries()[0];
    QCOMPARE(s.final_loss.value_or(-1), 1.25);
    QCOMPARE(s.best_test_accuracy.value_or(-1), 0.6);
    QCOMPARE(s.duration_seconds.value_or(-1), 3.5);
    store.finish_run(id, {{"test/accuracy", 0.55}});
    s = reader.list_summaries()[0];
    QCOMPARE(s.status, RunStatus::finished);
    QVERIFY(s.duration_seconds.value_or(-1) >= 0 && s.duration_seconds.value_or(99) < 60);  // from timestamps
    QCOMPARE(s.best_test_accuracy.value_or(-1), 0.6);
    // Resuming from step 2 drops the later rows, and the summary with them.
    store.resume_run(id, 2);
    s = reader.list_summaries()[0];
    QCOMPARE(s.final_loss.value_or(-1), 1.5);
    QCOMPARE(s.status, RunStatus::running);
  }

  void sortsOnEveryColumn() {
    RunStore store(db("sort.db"));
    struct R { const char* name; const char* model; const char* opt; double lr; int batch, epochs; double acc, loss; };
    const R runs[] = {{"b", "mlp", "sgd", 0.1, 64, 3, 0.7, 0.9},
                      {"a", "cnn", "adam", 0.001, 128, 1, 0.9, 0.3},
                      {"c", "linear", "rmsprop", 0.01, 32, 2, 0.8, 0.5}};
    const RunStatus statuses[] = {RunStatus::stopped, RunStatus::failed, RunStatus::finished};
    const char* datasets[] = {"mnist-digits", "fashion-mnist", "synthetic"};
    const char* tags[] = {"zeta", "alpha", "mid"};
    for (int i = 0; i < 3; ++i) {
      const R& r = runs[i];
      const int64_t id = store.create_run({.name = r.name, .config = config(r.model, r.opt, r.lr, r.batch, r.epochs),
                                           .model_spec = {{"name", r.model}}, .dataset = datasets[i], .tags = {tags[i]}});
      store.log_metric(id, 1, 0, "train/loss", r.loss, 1.0 + i);
      store.log_metric(id, 1, 0, "test/accuracy", r.acc, 10.0 * (3 - i));
      store.flush();
      if (statuses[i] == RunStatus::finished)
        store.finish_run(id, {});
      else
        store.set_status(id, statuses[i]);
    }
    // Durations come from timestamps once finished; make them distinct and known.
    exec(store.path(), "UPDATE runs SET duration = 100 * id");
    const auto names = [&](const std::string& key, bool desc) {
      std::string out;
      for (const RunSummary& s : store.list_summaries({.order_by = key, .descending = desc})) out += s.name;
      return out;
    };
    const std::pair<const char*, const char*> expected[] = {
        {"name", "abc"},   {"status", "acb"},       {"model", "acb"},
        {"dataset", "abc"}, {"optimizer", "acb"},   {"lr", "acb"},
        {"batch_size", "cba"}, {"epochs", "acb"},   {"best_test_accuracy", "bca"},
        {"final_loss", "acb"}, {"duration", "bac"}, {"created", "bac"},
        {"tags", "acb"}};
    for (const auto& [key, order] : expected) {
      QVERIFY2(names(key, false) == order, (std::string(key) + ": " + names(key, false)).c_str());
      std::string reversed(order);
      std::reverse(reversed.begin(), reversed.end());
      QVERIFY2(names(key, true) == reversed, (std::string(key) + " desc: " + names(key, true)).c_str());
    }
    // Each summary column is served by an index, not a sort of the whole table.
    for (const char* col : {"model", "lr", "best_test_accuracy", "final_loss", "duration", "name", "created"}) {
      sqlite3* raw = nullptr;
      sqlite3_open(store.path().c_str(), &raw);
      sqlite3_stmt* st = nullptr;
      const std::string sql = std::string("EXPLAIN QUERY PLAN SELECT * FROM runs r ORDER BY r.") + col +
                              " DESC, r.id DESC LIMIT 10";
      sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr);
      std::string plan;
      while (sqlite3_step(st) == SQLITE_ROW) plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
      sqlite3_finalize(st);
      sqlite3_close(raw);
      QVERIFY2(contains(plan, std::string("INDEX runs_by_") + col) && !contains(plan, "TEMP B-TREE"), (col + (": " + plan)).c_str());
    }
    QVERIFY(contains(error_of([&] { store.list_summaries({.order_by = "lr; --"}); }), "cannot order by"));
  }

  void filtersAndTagsOfAPage() {
    RunStore store(db("filter.db"));
    const RunStatus cycle[] = {RunStatus::finished, RunStatus::failed, RunStatus::stopped, RunStatus::running};
    for (int i = 0; i < 20; ++i) {
      const int64_t id = store.create_run({.name = "run-" + std::to_string(i),
                                           .config = config(i % 2 ? "cnn" : "mlp", "sgd", 0.1, 32, 1),
                                           .model_spec = {{"name", i % 2 ? "cnn" : "mlp"}},
                                           .dataset = i < 5 ? "mnist-digits" : "fashion-mnist",
                                           .tags = {"t" + std::to_string(i % 3), "all"}});
      if (cycle[i % 4] != RunStatus::running) store.set_status(id, cycle[i % 4]);
    }
    QCOMPARE(store.count_runs({.statuses = {RunStatus::failed, RunStatus::stopped}}), int64_t(10));
    QCOMPARE(store.count_runs({.statuses = {RunStatus::running}}), int64_t(5));
    QCOMPARE(store.count_runs({.search = "CNN"}), int64_t(10));         // model
    QCOMPARE(store.count_runs({.search = "digits"}), int64_t(5));       // dataset
    QCOMPARE(store.count_runs({.search = "t2"}), int64_t(6));           // tag
    QCOMPARE(store.count_runs({.search = "cnn", .statuses = {RunStatus::finished, RunStatus::failed}}), int64_t(5));
    const auto page = store.list_summaries({.limit = 200, .search = "cnn", .statuses = {RunStatus::failed}});
    QCOMPARE(page.size(), size_t(5));
    for (const RunSummary& s : page) {
      QCOMPARE(s.status, RunStatus::failed);
      QCOMPARE(s.model, std::string("cnn"));
      const int i = std::stoi(s.name.substr(4));
      QCOMPARE(s.tags, (std::vector<std::string>{"all", "t" + std::to_string(i % 3)}));
    }
    // list_runs (the CLI's) honours the same filters and still loads its tags.
    const auto records = store.list_runs({.limit = 3, .search = "digits", .statuses = {RunStatus::finished}});
    QCOMPARE(records.size(), size_t(2));  // i = 0, 4
    QCOMPARE(records[0].tags.size(), size_t(2));
  }

  void decimationKeepsSpikes() {
    RunStore store(RunStoreOptions{.path = db("curve.db"), .flush_rows = 100000});
    const int64_t id = store.create_run({.name = "long"});
    constexpr int n = 100000;
    for (int i = 0; i < n; ++i) {
      double v = std::sin(i * 0.001);
      if (i == 31337) v = 50;    // one spike up
      if (i == 77777) v = -40;   // one spike down
      if (i == 500) v = std::nan("");
      store.log_metric(id, i, i / 1000, "train/loss", v, i * 0.01);
    }
    store.flush();
    const auto all = store.metrics(id, "train/loss", 0, n, 400);
    // 100 buckets of 1000 rows: at least the first and last of each, at most four.
    QVERIFY2(all.size() <= 400 && all.size() >= 200, std::to_string(all.size()).c_str());
    QCOMPARE(all.front().step, int64_t(0));
    QCOMPARE(all.back().step, int64_t(n - 1));
    for (size_t i = 1; i < all.size(); ++i) QVERIFY(all[i].step > all[i - 1].step);
    const auto has = [&](const std::vector<MetricPoint>& pts, int64_t step, double value) {
      return std::any_of(pts.begin(), pts.end(), [&](const MetricPoint& p) { return p.step == step && p.value == value; });
    };
    QVERIFY(has(all, 31337, 50));
    QVERIFY(has(all, 77777, -40));
    const auto it = std::find_if(all.begin(), all.end(), [](const MetricPoint& p) { return p.step == 31337; });
    QCOMPARE(it->epoch, int64_t(31));
    QCOMPARE(it->wall_time, 313.37);
    // A step range: only its rows, and its own extremes.
    const auto part = store.metrics(id, "train/loss", 70000, 80000, 40);
    QVERIFY(part.size() <= 40);
    QCOMPARE(part.front().step, int64_t(70000));
    QCOMPARE(part.back().step, int64_t(80000));
    QVERIFY(has(part, 77777, -40));
    QVERIFY(!has(part, 31337, 50));
    // Few enough rows: all of them, NaN included.
    const auto small = store.metrics(id, "train/loss", 490, 509, 100);
    QCOMPARE(small.size(), size_t(20));
    QVERIFY(std::isnan(small[10].value));
    QVERIFY(store.metrics(id, "nope", 0, n, 100).empty());
    QVERIFY(contains(error_of([&] { store.metrics(id, "train/loss", 0, n, 2); }), "max_points"));
    // The decimating pass reads the covering index only (schema 3 added value to it).
    sqlite3* raw = nullptr;
    sqlite3_open(store.path().c_str(), &raw);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw,
                       "EXPLAIN QUERY PLAN SELECT rowid, step, value FROM metrics WHERE run_id = 1 AND name = 'x'"
                       " AND step BETWEEN 0 AND 9 ORDER BY step, value",
                       -1, &st, nullptr);
    std::string plan;
    while (sqlite3_step(st) == SQLITE_ROW) plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    sqlite3_close(raw);
    QVERIFY2(contains(plan, "COVERING INDEX metrics_by_run_name_step") && !contains(plan, "TEMP B-TREE"), plan.c_str());
  }

  void configDiffShowsDifferences() {
    RunStore store(db("diff.db"));
    json c1 = config("mlp", "sgd", 0.1, 32, 2);
    json c2 = config("mlp", "adam", 0.001, 32, 2);
    c2["model"]["layers"].push_back({{"type", "dense"}, {"features", 10}});
    c2["schedule"] = {{"type", "constant"}};
    const int64_t a = store.create_run({.name = "a", .config = c1});
    const int64_t b = store.create_run({.name = "b", .config = c2});
    const ConfigDiff d = store.config_diff({a, b});
    QCOMPARE(d.run_names, (std::vector<std::string>{"a", "b"}));
    std::vector<std::string> paths;
    for (const ConfigDiffRow& r : d.rows) {
      paths.push_back(r.path);
      QVERIFY(r.differs);
    }
    QCOMPARE(paths, (std::vector<std::string>{"model.layers[1].features", "model.layers[1].type", "optimizer.lr",
                                               "optimizer.name", "schedule.type"}));
    QCOMPARE(d.rows[3].values, (std::vector<std::string>{"sgd", "adam"}));
    QCOMPARE(d.rows[2].values, (std::vector<std::string>{"0.1", "0.001"}));
    QCOMPARE(d.rows[4].values, (std::vector<std::string>{"", "constant"}));  // missing in a
    const ConfigDiff full = store.config_diff({a, b}, true);
    const auto shape = std::find_if(full.rows.begin(), full.rows.end(),
                                    [](const ConfigDiffRow& r) { return r.path == "model.input_shape"; });
    QVERIFY(shape != full.rows.end());
    QCOMPARE(shape->values[0], std::string("[28,28,1]"));
    QVERIFY(!shape->differs);
    QVERIFY(contains(error_of([&] { store.config_diff({a, 999}); }), "no run with id 999"));
  }

  void exportsSeveralRunsAsOneCsv() {
    RunStore store(db("csv.db"));
    const int64_t a = store.create_run({.name = "first"});
    const int64_t b = store.create_run({.name = "with, comma"});
    store.log_metric(a, 0, 0, "train/loss", 1.5, 0.25);
    store.log_metric(b, 3, 1, "test/accuracy", 0.5, 2);
    store.flush();
    const std::string csv = store.export_csv(std::vector<int64_t>{b, a});
    QCOMPARE(csv, "run_id,run_name,step,epoch,name,value,wall_time\n" + std::to_string(b) +
                      ",\"with, comma\",3,1,test/accuracy,0.5,2\n" + std::to_string(a) +
                      ",first,0,0,train/loss,1.5,0.25\n");
  }

  void dataVersionSeesOtherConnections() {
    const std::string path = db("version.db");
    RunStore gui(path);
    RunStore writer(path);
    const int64_t v0 = gui.data_version();
    QCOMPARE(gui.data_version(), v0);  // nothing committed: unchanged
    const int64_t id = gui.create_run({.name = "own"});
    QCOMPARE(gui.data_version(), v0);  // its own writes do not count
    writer.log_metric(id, 0, 0, "train/loss", 1, 0);
    writer.flush();
    const int64_t v1 = gui.data_version();
    QVERIFY(v1 != v0);
    QCOMPARE(gui.data_version(), v1);
    writer.create_run({.name = "other"});
    QVERIFY(gui.data_version() != v1);
  }
};

QTEST_APPLESS_MAIN(RunHistoryStoreTest)
#include "run_history_store_test.moc"
