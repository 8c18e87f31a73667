// RunStore: schema and migrations, writing and querying runs, paging and filters, write errors.
// Processes and threads (interrupted runs, concurrent readers, kill -9) are in
// run_store_process_test.cpp.
#include <QTemporaryDir>
#include <QtTest>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "engine/core/error.h"
#include "engine/runs/run_store.h"
#include "unit/test_support.h"

using namespace engine;
using namespace engine::runs;

namespace {


bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Raw SQL on the file, bypassing RunStore, for building old databases and checking what is stored.
struct RawDb {
  sqlite3* db = nullptr;
  explicit RawDb(const std::string& path) { QVERIFY(sqlite3_open(path.c_str(), &db) == SQLITE_OK); }
  ~RawDb() { sqlite3_close(db); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    QVERIFY2(rc == SQLITE_OK, msg.c_str());
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
    std::string out = "<no row>";
    if (s && sqlite3_step(s) == SQLITE_ROW) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      out = p ? p : "NULL";
    }
    sqlite3_finalize(s);
    return out;
  }
};

// The version-1 schema exactly as first released (frozen here so a later edit of migration 1
// in the engine cannot go unnoticed).
const char* kVersion1 = R"sql(
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
  PRAGMA user_version = 1;
)sql";

}  // namespace

class RunStoreTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string db(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

 private slots:
  void schemaAndPragmas() {
    const std::string path = db("nested/dir/schema.db");  // directories are created
    RunStore store(path);
    QCOMPARE(store.schema_version(), 3);
    RawDb raw(path);
    QCOMPARE(raw.text("PRAGMA journal_mode"), std::string("wal"));
    QCOMPARE(raw.text("PRAGMA user_version"), std::string("3"));
    QCOMPARE(raw.text("SELECT count(*) FROM sqlite_master WHERE name IN "
                      "('runs','metrics','checkpoints','run_tags','metrics_by_run_name_step')"),
             std::string("5"));
  }

  void defaultPath() {
    const QByteArray old = qgetenv("XDG_DATA_HOME");
    qputenv("XDG_DATA_HOME", dir_.path().toUtf8() + "/xdg");
    QCOMPARE(default_database_path(), dir_.path().toStdString() + "/xdg/gradient-studio/runs.db");
    { RunStore store; }
    QVERIFY(QFile::exists(dir_.path() + "/xdg/gradient-studio/runs.db"));
    qputenv("XDG_DATA_HOME", "relative/ignored");
    QCOMPARE(default_database_path(), std::string(getenv("HOME")) + "/.local/share/gradient-studio/runs.db");
    qputenv("XDG_DATA_HOME", old);
  }

  void migratesVersion1() {
    const std::string path = db("v1.db");
    {
      RawDb raw(path);
      raw.exec(kVersion1);
      raw.exec("INSERT INTO runs (name, created, status, dataset) VALUES ('old', '2025-01-01T00:00:00Z',"
               " 'running', 'fashion-mnist'), ('done', '2025-01-02T00:00:00Z', 'finished', '')");
      raw.exec("INSERT INTO metrics VALUES (1, 0, 0, 'loss', 2.5, 0.1), (1, 1, 0, 'loss', 1.5, 0.2)");
    }
    RunStore store(path);
    QCOMPARE(store.schema_version(), 3);
    // A version-1 run has no recorded writer, so a 'running' one cannot be alive.
    QCOMPARE(store.get_run(1).status, RunStatus::interrupted);
    QCOMPARE(store.get_run(2).status, RunStatus::finished);
    QCOMPARE(store.get_run(1).dataset, std::string("fashion-mnist"));
    QCOMPARE(store.metrics(1, "loss").size(), size_t(2));
    QCOMPARE(store.metrics(1, "loss")[1].value, 1.5);
    store.add_tag(1, "legacy");  // a table migration 2 added
    QCOMPARE(store.get_run(1).tags, std::vector<std::string>{"legacy"});
  }

  void refusesNewerVersion() {
    const std::string path = db("future.db");
    { RawDb(path).exec("PRAGMA user_version = 99"); }
    const std::string e = error_of([&] { RunStore s(path); });
    QVERIFY2(contains(e, "schema version 99") && contains(e, path) && contains(e, "newer"), e.c_str());
  }

  void notADatabase() {
    const std::string path = db("garbage.db");
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    const std::string e = error_of([&] { RunStore s(path); });
    QVERIFY2(contains(e, path) && contains(e, "not a database"), e.c_str());
  }

  void createLogQueryEdit() {
    const std::string path = db("crud.db");
    RunStore store(RunStoreOptions{.path = path, .flush_rows = 1000, .flush_interval = std::chrono::hours(1)});
    RunStore reader(path);
    const int64_t id = store.create_run({.name = "mlp", .config = {{"lr", 0.01}}, .model_spec = {{"layers", 2}},
                                         .dataset = "fashion-mnist", .backend = "cpu", .device = "x86",
                                         .seed = 42, .tags = {"baseline", "mlp"}, .notes = "first"});
    for (int step = 0; step < 10; ++step) store.log_metric(id, step, step / 5, "train/loss", 1.0 / (step + 1), step * 0.5);
    store.log_metric(id, 9, 1, "test/accuracy", 0.75, 5.0);
    store.log_metric(id, 10, 2, "train/loss", std::nan(""), 5.5);  // a diverged step
    QCOMPARE(store.pending_metrics(), size_t(12));
    QCOMPARE(reader.metric_count(id), int64_t(0));  // nothing committed before a flush
    store.flush();
    QCOMPARE(store.pending_metrics(), size_t(0));
    QCOMPARE(reader.metric_count(id), int64_t(12));
    const auto loss = reader.metrics(id, "train/loss");
    QCOMPARE(loss.size(), size_t(11));
    QCOMPARE(loss[3].step, int64_t(3));
    QCOMPARE(loss[3].value, 0.25);
    QCOMPARE(loss[7].epoch, int64_t(1));
    QCOMPARE(loss[7].wall_time, 3.5);
    QVERIFY(std::isnan(loss[10].value));
    QCOMPARE(reader.metric_names(id), (std::vector<std::string>{"test/accuracy", "train/loss"}));

    RunRecord r = reader.get_run(id);
    QCOMPARE(r.name, std::string("mlp"));
    QCOMPARE(r.status, RunStatus::running);
    QCOMPARE(r.config["lr"].get<double>(), 0.01);
    QCOMPARE(r.model_spec["layers"].get<int>(), 2);
    QCOMPARE(r.seed.value_or(-1), int64_t(42));
    QCOMPARE(r.tags, (std::vector<std::string>{"baseline", "mlp"}));
    QCOMPARE(r.writer_pid, int64_t(getpid()));
    QCOMPARE(r.created.size(), size_t(24));  // 2026-11-23T16:05:00.123Z
    QVERIFY(r.finished.empty());

    store.rename(id, "mlp-renamed");
    store.set_notes(id, "notes 'quoted' \"too\"");
    store.add_tag(id, "keep");
    store.add_tag(id, "keep");  // idempotent
    store.remove_tag(id, "baseline");
    store.finish_run(id, {{"test/accuracy", 0.75}, {"train/loss", 0.1}});
    r = reader.get_run(id);
    QCOMPARE(r.name, std::string("mlp-renamed"));
    QCOMPARE(r.notes, std::string("notes 'quoted' \"too\""));
    QCOMPARE(r.tags, (std::vector<std::string>{"keep", "mlp"}));
    QCOMPARE(r.status, RunStatus::finished);
    QVERIFY(!r.finished.empty());
    QCOMPARE(r.final_metrics.at("test/accuracy"), 0.75);

    const int64_t other = store.create_run({.name = "cnn"});
    store.set_status(other, RunStatus::diverged, "loss became NaN at step 3");
    QCOMPARE(reader.get_run(other).error, std::string("loss became NaN at step 3"));
    store.finish_run(other, {{"test/accuracy", 0.9}, {"test/loss", 0.3}});
    const Comparison c = reader.compare({id, other});
    QCOMPARE(c.metrics, (std::vector<std::string>{"test/accuracy", "test/loss", "train/loss"}));
    QCOMPARE(c.run_names, (std::vector<std::string>{"mlp-renamed", "cnn"}));
    QCOMPARE(c.values[0][1].value_or(-1), 0.9);
    QVERIFY(!c.values[1][0].has_value());  // run 1 has no test/loss

    store.add_checkpoint(id, 10, "/tmp/ckpt-10.safetensors");
    QCOMPARE(reader.checkpoints(id).at(0).path, std::string("/tmp/ckpt-10.safetensors"));

    const std::string csv = reader.export_csv(id);
    QVERIFY2(csv.starts_with("step,epoch,name,value,wall_time\n9,1,test/accuracy,0.75,5\n0,0,train/loss,1,0\n"),
             csv.c_str());
    QVERIFY2(csv.ends_with("10,2,train/loss,nan,5.5\n"), csv.c_str());

    store.delete_run(id);
    QVERIFY(contains(error_of([&] { reader.get_run(id); }), "no run with id"));
    RawDb raw(path);
    QCOMPARE(raw.text("SELECT count(*) FROM metrics WHERE run_id = " + std::to_string(id)), std::string("0"));
    QCOMPARE(raw.text("SELECT count(*) FROM run_tags WHERE run_id = " + std::to_string(id)), std::string("0"));
    QCOMPARE(raw.text("SELECT count(*) FROM checkpoints"), std::string("0"));
    QVERIFY(contains(error_of([&] { store.log_metric(12345, 0, 0, "x", 1, 0); }), "no run with id 12345"));
    QVERIFY(contains(error_of([&] { store.rename(12345, "x"); }), "no run with id 12345"));
  }

  void automaticFlush() {
    const std::string path = db("auto.db");
    RunStore store(RunStoreOptions{.path = path, .flush_rows = 10, .flush_interval = std::chrono::hours(1)});
    RunStore reader(path);
    const int64_t id = store.create_run({.name = "auto"});
    for (int i = 0; i < 25; ++i) store.log_metric(id, i, 0, "loss", i, i);
    QCOMPARE(store.pending_metrics(), size_t(5));
    QCOMPARE(reader.metric_count(id), int64_t(20));
    RunStore timed(RunStoreOptions{.path = path, .flush_rows = 1000, .flush_interval = std::chrono::milliseconds(0)});
    timed.log_metric(id, 99, 0, "loss", 1, 1);  // interval 0: every call is due
    QCOMPARE(timed.pending_metrics(), size_t(0));
    QCOMPARE(reader.metric_count(id), int64_t(21));
  }

  void pagingAndFilters() {
    RunStore store(db("paging.db"));
    const RunStatus cycle[] = {RunStatus::finished, RunStatus::failed, RunStatus::stopped};
    for (int i = 0; i < 25; ++i) {
      const int64_t id = store.create_run({.name = "run-" + std::string(i < 10 ? "0" : "") + std::to_string(i),
                                           .tags = {i % 2 ? "odd" : "even"}});
      store.set_status(id, cycle[i % 3]);
    }
    store.create_run({.name = "100%_done"});
    QCOMPARE(store.count_runs(), int64_t(26));
    RunQuery q{.offset = 20, .limit = 10, .order_by = "name", .descending = false};
    auto page = store.list_runs(q);
    QCOMPARE(page.size(), size_t(6));
    QCOMPARE(page[0].name, std::string("run-19"));
    QCOMPARE(page[1].tags, std::vector<std::string>{"even"});
    q = {.offset = 0, .limit = 3, .order_by = "id", .descending = true};
    page = store.list_runs(q);
    QCOMPARE(page[0].name, std::string("100%_done"));
    QCOMPARE(page[2].name, std::string("run-23"));
    QCOMPARE(store.count_runs({.status = RunStatus::failed}), int64_t(8));  // i = 1, 4, ..., 22
    QCOMPARE(store.count_runs({.search = "ODD"}), int64_t(12));  // tag, case-insensitive
    QCOMPARE(store.count_runs({.search = "run-1"}), int64_t(10));
    QCOMPARE(store.count_runs({.status = RunStatus::finished, .search = "even"}), int64_t(5));
    QCOMPARE(store.count_runs({.search = "%"}), int64_t(1));  // literal, not a wildcard
    QCOMPARE(store.count_runs({.search = "0%_"}), int64_t(1));
    QCOMPARE(store.count_runs({.search = "'; DROP TABLE runs; --"}), int64_t(0));
    QCOMPARE(store.count_runs(), int64_t(26));
    const std::string e = error_of([&] { store.list_runs({.order_by = "name; DROP TABLE runs"}); });
    QVERIFY2(contains(e, "cannot order by"), e.c_str());
    QCOMPARE(store.list_runs({.limit = -1}).size(), size_t(26));
  }

  void readOnlyDatabase() {
    const std::string path = db("ro.db");
    int64_t id = 0;
    {
      RunStore store(path);
      id = store.create_run({.name = "before"});
      store.finish_run(id, {});
    }
    RunStore ro(RunStoreOptions{.path = path, .flush_rows = 1, .read_only = true});
    QCOMPARE(ro.list_runs().size(), size_t(1));
    std::string e = error_of([&] { ro.create_run({.name = "x"}); });
    QVERIFY2(contains(e, "read-only") && contains(e, path), e.c_str());
    e = error_of([&] { ro.log_metric(id, 0, 0, "loss", 1.0, 0.0); });
    QVERIFY2(contains(e, "read-only") && contains(e, "kept buffered"), e.c_str());
    QCOMPARE(ro.pending_metrics(), size_t(1));  // not dropped
    // Read-only never creates a database: a missing one is named as missing.
    const std::string missing = db("never-written.db");
    e = error_of([&] { RunStore none(RunStoreOptions{.path = missing, .read_only = true}); });
    QVERIFY2(contains(e, "does not exist") && contains(e, missing), e.c_str());
    QVERIFY(!QFile::exists(QString::fromStdString(missing)));
  }

  void readOnlyFile() {
    const std::string path = db("ro-file.db");
    int64_t id = 0;
    { id = RunStore(path).create_run({.name = "before"}); }
    if (geteuid() == 0) QSKIP("running as root: file permissions cannot make the database read-only");
    QFile::setPermissions(QString::fromStdString(path), QFileDevice::ReadOwner);
    RunStore chmodded(path);
    QCOMPARE(chmodded.get_run(id).name, std::string("before"));
    const std::string e = error_of([&] { chmodded.rename(id, "x"); });
    QVERIFY2(contains(e, "read-only") && contains(e, path), e.c_str());
  }

  void fullDatabase() {
    const std::string path = db("full.db");
    RunStore store(path);
    const int64_t id = store.create_run({.name = "full"});
    // max_page_count cannot go below the current size, so 1 caps the file where it is now.
    RunStore capped(RunStoreOptions{
        .path = path, .flush_rows = 100000, .flush_interval = std::chrono::hours(1), .max_page_count = 1});
    for (int i = 0; i < 2000; ++i) capped.log_metric(id, i, 0, std::string(200, 'm'), i, i);
    const std::string e = error_of([&] { capped.flush(); });
    QVERIFY2(contains(e, "full") && contains(e, path) && contains(e, "2000 metric rows kept buffered"), e.c_str());
    QCOMPARE(capped.pending_metrics(), size_t(2000));
    QCOMPARE(store.metric_count(id), int64_t(0));  // the failed batch left nothing half-written
  }
};

QTEST_APPLESS_MAIN(RunStoreTest)
#include "run_store_test.moc"
