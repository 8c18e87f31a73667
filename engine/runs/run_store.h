// RunStore: the SQLite database of training runs (DESIGN.md, "Training runtime, runs and the GUI").
//
// One row per run (config and model spec as JSON, status, backend, final metrics, tags, notes),
// metric rows per step/epoch, and checkpoint records. The database runs in WAL mode, so readers
// (the GUI's history table, another process) never block the writer and see every committed
// batch. Metrics are buffered and written in one transaction per batch; a committed batch
// survives a crash of the process (synchronous=NORMAL in WAL mode loses nothing on a process
// crash, only possibly the last transactions on power loss).
//
// Threads: a RunStore is one SQLite connection and is NOT thread-safe; never share one between
// threads. Each thread (the trainer, the GUI) opens its own RunStore on the same file.
//
//   RunStore store;                           // $XDG_DATA_HOME/gradient-studio/runs.db
//   int64_t run = store.create_run({.name = "mlp", .config = cfg, .dataset = "fashion-mnist"});
//   store.log_metric(run, step, epoch, "train/loss", loss, seconds);
//   store.finish_run(run, {{"test/accuracy", 0.88}});
//
// A run left 'running' by a process that no longer exists (crash, kill -9) is marked
// 'interrupted' when any RunStore opens the file. Runs record their writer's pid and a start
// token (process_token.h), so a run still being written by a live process is left alone.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace engine::runs {

enum class RunStatus { running, finished, stopped, failed, diverged, interrupted };
std::string_view status_name(RunStatus status);  // "running", ...
RunStatus status_from_name(std::string_view name);  // throws on an unknown name

// What a new run is created with.
struct RunInfo {
  std::string name{};
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json model_spec = nlohmann::json::object();
  std::string dataset{};
  std::string backend{};
  std::string device{};
  std::optional<int64_t> seed{};
  std::vector<std::string> tags{};
  std::string notes{};
};

// A run as stored.
struct RunRecord {
  int64_t id = 0;
  std::string name{};
  std::string created{};   // ISO 8601 UTC, e.g. 2026-11-23T16:05:00.123Z
  std::string finished{};  // "" while running
  RunStatus status = RunStatus::running;
  nlohmann::json config{};
  nlohmann::json model_spec{};
  std::string dataset{};
  std::string backend{};
  std::string device{};
  std::optional<int64_t> seed{};
  std::map<std::string, double> final_metrics{};
  std::vector<std::string> tags{};  // sorted
  std::string notes{};
  std::string error{};
  int64_t writer_pid = 0;
};

// One page of the history table.
struct RunQuery {
  int64_t offset = 0;
  int64_t limit = 100;
  // One of: id, name, created, finished, status, dataset, backend, device. Anything else throws.
  std::string order_by = "created";
  bool descending = true;
  std::optional<RunStatus> status{};
  // Case-insensitive (ASCII) substring of the name or of any tag; "" matches every run.
  std::string search{};
};

struct MetricPoint {
  int64_t step = 0;
  int64_t epoch = 0;
  double value = 0;
  double wall_time = 0;
};

struct Checkpoint {
  int64_t step = 0;
  std::string path{};
  std::string created{};
};

// Final metrics of several runs side by side: values[m][r] is metric m of run r.
struct Comparison {
  std::vector<int64_t> run_ids{};
  std::vector<std::string> run_names{};
  std::vector<std::string> metrics{};  // union of the runs' final metric names, sorted
  std::vector<std::vector<std::optional<double>>> values{};
};

struct RunStoreOptions {
  std::string path{};  // "" = default_database_path()
  // Buffered metric rows are written when this many are pending, or on the first log_metric
  // call at least flush_interval after the last write (there is no background timer).
  size_t flush_rows = 256;
  std::chrono::milliseconds flush_interval{500};
  std::chrono::milliseconds busy_timeout{5000};
  bool read_only = false;  // open without write access (every write throws)
  // If set, caps the database at this many pages (PRAGMA max_page_count): a full database.
  std::optional<int64_t> max_page_count{};
};

// $XDG_DATA_HOME/gradient-studio/runs.db, else ~/.local/share/gradient-studio/runs.db.
std::string default_database_path();

class RunStore {
 public:
  explicit RunStore(RunStoreOptions options = {});
  explicit RunStore(const std::string& path) : RunStore(RunStoreOptions{.path = path}) {}
  // Flushes what is buffered; a failure here is swallowed (destructors must not throw): call
  // flush() first where losing the tail matters.
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }
  int schema_version() const;  // PRAGMA user_version
  // SQLite's PRAGMA integrity_check: "ok", or its list of problems (one per line).
  std::string integrity_check() const;

  // --- writing a run -------------------------------------------------------------------------
  int64_t create_run(const RunInfo& info);  // status 'running', writer = this process
  // Buffers one row; may flush (see RunStoreOptions). If that flush fails it throws and the rows
  // stay buffered, this one included.
  void log_metric(int64_t run, int64_t step, int64_t epoch, const std::string& name, double value,
                  double wall_time);
  // Writes every buffered row in one transaction. On failure throws and keeps them buffered.
  void flush();
  size_t pending_metrics() const { return pending_.size(); }
  // Flushes buffered metrics, then sets the status (and error text). A status other than
  // 'running' also stamps 'finished'.
  void set_status(int64_t run, RunStatus status, const std::string& error = "");
  // Flushes, stores the final metrics and marks the run 'finished'.
  void finish_run(int64_t run, const std::map<std::string, double>& final_metrics);
  void add_checkpoint(int64_t run, int64_t step, const std::string& path);
  // Takes a run over to continue it from its checkpoint at `step` (gradient-cli resume): this
  // process becomes its writer, the status goes back to 'running', and metric rows after `step`
  // are deleted (the resumed run writes them again). Refuses a run another live process writes.
  void resume_run(int64_t run, int64_t step);

  // --- editing (Run History) -----------------------------------------------------------------
  void rename(int64_t run, const std::string& name);
  void set_notes(int64_t run, const std::string& notes);
  void add_tag(int64_t run, const std::string& tag);     // no-op if present
  void remove_tag(int64_t run, const std::string& tag);  // no-op if absent
  void delete_run(int64_t run);  // with its metrics, tags and checkpoint records

  // --- queries -------------------------------------------------------------------------------
  std::vector<RunRecord> list_runs(const RunQuery& query = {}) const;
  int64_t count_runs(const RunQuery& query = {}) const;  // ignores offset and limit
  RunRecord get_run(int64_t run) const;  // throws if there is no such run
  std::vector<MetricPoint> metrics(int64_t run, const std::string& name) const;  // by step
  std::vector<std::string> metric_names(int64_t run) const;  // sorted
  int64_t metric_count(int64_t run) const;  // committed rows of all names
  std::vector<Checkpoint> checkpoints(int64_t run) const;
  Comparison compare(const std::vector<int64_t>& runs) const;
  // "step,epoch,name,value,wall_time" then one line per committed row, by name then step.
  std::string export_csv(int64_t run) const;

  // Marks runs whose writer process is gone as 'interrupted'; returns how many. Runs on open.
  int mark_interrupted_runs();

 private:
  struct PendingMetric {
    int64_t run, step, epoch;
    std::string name;
    double value, wall_time;
  };
  void require_run(int64_t run) const;
  void check_writable(const std::string& what) const;

  RunStoreOptions options_;
  std::string path_;
  sqlite3* db_ = nullptr;
  std::vector<PendingMetric> pending_;
  std::set<int64_t> known_runs_;  // ids log_metric has checked, so a typo fails at once
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace engine::runs
