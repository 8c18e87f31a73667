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

// One row of the history table, read from the summary columns (schema version 3) without
// parsing any JSON. Optional fields are empty where the run's config or metrics lack them.
struct RunSummary {
  int64_t id = 0;
  std::string name{};
  RunStatus status = RunStatus::running;
  std::string created{};   // ISO 8601 UTC
  std::string finished{};  // "" while running
  std::string model{};     // the model spec's name ("mlp"), else the config's "builtin:..." text
  std::string dataset{};
  std::string optimizer{};  // config optimizer.name
  std::optional<double> lr{};            // config optimizer.lr
  std::optional<int64_t> batch_size{};   // config batch_size
  std::optional<int64_t> epochs{};       // config epochs
  // The highest test/accuracy logged so far (or in the final metrics).
  std::optional<double> best_test_accuracy{};
  // The last train/loss row (highest step) flushed so far; a run that logged no train/loss rows
  // takes its final metrics' train/loss, else test/loss. Empty (NULL) for a NaN loss.
  std::optional<double> final_loss{};
  // Finished runs: finished - created. Running ones: the largest wall_time flushed so far.
  std::optional<double> duration_seconds{};
  std::vector<std::string> tags{};  // sorted
  std::string notes{};
  std::string error{};
};

// One page of the history table.
struct RunQuery {
  int64_t offset = 0;
  int64_t limit = 100;
  // One of: id, name, created, finished, status, dataset, backend, device, model, optimizer, lr,
  // batch_size, epochs, best_test_accuracy, final_loss, duration, tags (the first tag
  // alphabetically). Anything else throws. Ties are broken by id in the same direction.
  std::string order_by = "created";
  bool descending = true;
  std::optional<RunStatus> status{};
  // Case-insensitive (ASCII) substring of the name, model, dataset or any tag; "" matches all.
  std::string search{};
  // Only runs whose status is in this set ("" = no restriction); combines with `status` (AND).
  std::set<RunStatus> statuses{};
};

struct MetricPoint {
  int64_t step = 0;
  int64_t epoch = 0;
  double value = 0;
  double wall_time = 0;
};

// config_diff(): one flattened config path ("optimizer.lr", "model.layers[1].features") and its
// value in each run as text ("" where a run's config lacks the path).
struct ConfigDiffRow {
  std::string path{};
  std::vector<std::string> values{};
  bool differs = false;
};

struct ConfigDiff {
  std::vector<int64_t> run_ids{};
  std::vector<std::string> run_names{};
  std::vector<ConfigDiffRow> rows{};  // sorted by path
};

// Flattens JSON to dotted paths: objects by key ("a.b"), arrays by index ("a[2]"); arrays of
// scalars only stay whole, as compact JSON ("[28,28,1]"). Strings are unquoted.
std::map<std::string, std::string> flatten_json(const nlohmann::json& j);

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
  // The same page as summaries: two statements (the rows, then every tag of the page at once),
  // no JSON parsed. This is what the history table shows.
  std::vector<RunSummary> list_summaries(const RunQuery& query = {}) const;
  int64_t count_runs(const RunQuery& query = {}) const;  // ignores offset and limit
  RunRecord get_run(int64_t run) const;  // throws if there is no such run
  std::vector<MetricPoint> metrics(int64_t run, const std::string& name) const;  // by step
  // The rows with from_step <= step <= to_step, at most max_points of them (max_points >= 4):
  // when there are more, the step range is cut into max_points / 4 equal buckets and each
  // bucket keeps its first, lowest, highest and last row (in step order, without repeats), so
  // spikes and the curve's ends survive. One pass over the covering index (run_id, name, step,
  // value), then a lookup per point kept; NaN values (NULL) are kept as rows but never chosen as
  // a bucket's min or max. Rows sharing a step come in value order.
  std::vector<MetricPoint> metrics(int64_t run, const std::string& name, int64_t from_step,
                                   int64_t to_step, size_t max_points) const;
  std::vector<std::string> metric_names(int64_t run) const;  // sorted
  int64_t metric_count(int64_t run) const;  // committed rows of all names
  std::vector<Checkpoint> checkpoints(int64_t run) const;
  Comparison compare(const std::vector<int64_t>& runs) const;
  // The runs' configs flattened (flatten_json) side by side; only the paths whose values differ
  // between the runs unless all_rows. Throws for an unknown run.
  ConfigDiff config_diff(const std::vector<int64_t>& runs, bool all_rows = false) const;
  // "step,epoch,name,value,wall_time" then one line per committed row, by name then step.
  std::string export_csv(int64_t run) const;
  // Several runs in one CSV: "run_id,run_name,step,epoch,name,value,wall_time", the runs in the
  // order given, each by name then step. Throws for an unknown run.
  std::string export_csv(const std::vector<int64_t>& runs) const;

  // SQLite's PRAGMA data_version: changes when another connection (this process or another)
  // commits to the database, not on this connection's own writes. Cheap enough to poll.
  int64_t data_version() const;

  // Marks runs whose writer process is gone as 'interrupted'; returns how many. Runs on open.
  int mark_interrupted_runs();

 private:
  struct PendingMetric {
    int64_t run, step, epoch;
    std::string name;
    double value, wall_time;
  };
  void require_run(int64_t run) const;
  // Recomputes a run's best accuracy, final loss and duration from its rows (and final metrics).
  void refresh_summary(int64_t run);
  void check_writable(const std::string& what) const;

  RunStoreOptions options_;
  std::string path_;
  sqlite3* db_ = nullptr;
  std::vector<PendingMetric> pending_;
  std::set<int64_t> known_runs_;  // ids log_metric has checked, so a typo fails at once
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace engine::runs
