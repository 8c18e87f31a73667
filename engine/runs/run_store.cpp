// RunStore: opening (pragmas, migrations, interrupted runs) and every write.
#include "engine/runs/run_store.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/runs/process_token.h"
#include "engine/runs/run_store_detail.h"
#include "engine/runs/schema.h"
#include "engine/runs/sqlite_util.h"

namespace engine::runs {

using detail::Stmt;
using detail::Transaction;

namespace {

constexpr std::array<std::string_view, 6> kStatusNames = {"running",  "finished", "stopped",
                                                          "failed",   "diverged", "interrupted"};

// The summary columns create_run fills from the config (RunConfig::to_json's layout) and the
// model spec; any field of the wrong type is left empty rather than refused.
struct ConfigSummary {
  std::string model, optimizer;
  std::optional<double> lr;
  std::optional<int64_t> batch_size, epochs;
};

ConfigSummary summarize(const nlohmann::json& config, const nlohmann::json& spec) {
  ConfigSummary c;
  const auto text = [](const nlohmann::json& j, const char* key) -> std::string {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
  };
  c.model = text(spec, "name");
  if (c.model.empty() && config.is_object() && config.contains("model"))
    c.model = config["model"].is_string() ? config["model"].get<std::string>() : text(config["model"], "name");
  if (!config.is_object()) return c;
  if (config.contains("optimizer")) {
    const nlohmann::json& o = config["optimizer"];
    c.optimizer = text(o, "name");
    if (o.is_object() && o.contains("lr") && o["lr"].is_number()) c.lr = o["lr"].get<double>();
  }
  if (config.contains("batch_size") && config["batch_size"].is_number_integer())
    c.batch_size = config["batch_size"].get<int64_t>();
  if (config.contains("epochs") && config["epochs"].is_number_integer()) c.epochs = config["epochs"].get<int64_t>();
  return c;
}

// What one flushed batch changes in a run's summary.
struct BatchSummary {
  std::optional<double> best_accuracy;
  bool has_loss = false;
  int64_t loss_step = 0;
  double loss = 0;
  std::optional<double> max_wall_time;
};

}  // namespace

std::string_view status_name(RunStatus status) { return kStatusNames[static_cast<size_t>(status)]; }

RunStatus status_from_name(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == name) return static_cast<RunStatus>(i);
  throw Error("unknown run status '" + std::string(name) +
              "' (expected running, finished, stopped, failed, diverged or interrupted)");
}

std::string default_database_path() {
  namespace fs = std::filesystem;
  const char* xdg = std::getenv("XDG_DATA_HOME");
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && *xdg && fs::path(xdg).is_absolute())
    return (fs::path(xdg) / "gradient-studio" / "runs.db").string();
  const char* home = std::getenv("HOME");
  GS_CHECK(home && *home, "cannot find the runs database: neither XDG_DATA_HOME nor HOME is set");
  return (fs::path(home) / ".local" / "share" / "gradient-studio" / "runs.db").string();
}

namespace detail {

std::string iso_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

}  // namespace detail

RunStore::RunStore(RunStoreOptions options) : options_(std::move(options)) {
  path_ = options_.path.empty() ? default_database_path() : options_.path;
  namespace fs = std::filesystem;
  if (!options_.read_only) {
    const fs::path parent = fs::path(path_).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    GS_CHECK(!ec, "runs database '" + path_ + "': cannot create directory '" + parent.string() +
                      "': " + ec.message());
  }
  // Read-only never creates: say so plainly instead of SQLite's "unable to open database file".
  GS_CHECK(!options_.read_only || fs::exists(path_),
           "runs database '" + path_ + "' does not exist (no run has been recorded there yet)");
  const int flags = options_.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  auto open = [&](const std::string& name, int open_flags) {
    if (sqlite3_open_v2(name.c_str(), &db_, open_flags, nullptr) != SQLITE_OK) {
      try {
        detail::throw_sqlite(db_, path_, "cannot open");
      } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
      }
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count()));
  };
  open(path_, flags);
  // Reading a WAL database needs its -shm file; on read-only media, where none can be created,
  // SQLite reads the file only when told it is immutable, which it is there (no writer can be).
  if (options_.read_only &&
      (sqlite3_exec(db_, "PRAGMA journal_mode", nullptr, nullptr, nullptr) & 0xff) == SQLITE_CANTOPEN) {
    sqlite3_close(db_);
    db_ = nullptr;
    std::string uri = "file:";
    for (char c : path_) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += (c == '?' || c == '#' || c == '%') ? std::string(hex) : std::string(1, c);
    }
    open(uri + "?immutable=1", flags | SQLITE_OPEN_URI);
  }
  try {
    detail::exec(db_, path_, "PRAGMA foreign_keys = ON");
    // WAL is persistent in the file; on a read-only connection the mode can only be read.
    detail::exec(db_, path_, options_.read_only ? "PRAGMA journal_mode" : "PRAGMA journal_mode = WAL");
    detail::exec(db_, path_, "PRAGMA synchronous = NORMAL");
    if (options_.max_page_count)
      detail::exec(db_, path_, "PRAGMA max_page_count = " + std::to_string(*options_.max_page_count));
    if (sqlite3_db_readonly(db_, "main") == 1) {
      Stmt v(db_, path_, "PRAGMA user_version");
      const int version = v.step() ? static_cast<int>(v.int64(0)) : 0;
      GS_CHECK(version == detail::schema_version(),
               "runs database '" + path_ + "' is read-only and has schema version " +
                   std::to_string(version) + " where this program needs " +
                   std::to_string(detail::schema_version()) + "; open it writable once to upgrade it");
    } else {
      detail::migrate(db_, path_);
      mark_interrupted_runs();
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
  last_flush_ = std::chrono::steady_clock::now();
}

RunStore::~RunStore() {
  try {
    flush();
  } catch (...) {
    // Destructors must not throw; see the header.
  }
  sqlite3_close(db_);
}

int RunStore::schema_version() const {
  Stmt s(db_, path_, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

std::string RunStore::integrity_check() const {
  Stmt s(db_, path_, "PRAGMA integrity_check");
  std::string report;
  while (s.step()) report += (report.empty() ? "" : "\n") + s.text(0);
  return report;
}

void RunStore::check_writable(const std::string& what) const {
  GS_CHECK(sqlite3_db_readonly(db_, "main") != 1,
           "runs database '" + path_ + "' is read-only: cannot " + what +
               " (check the file's permissions, or open it without read_only)");
}

void RunStore::require_run(int64_t run) const {
  Stmt s(db_, path_, "SELECT 1 FROM runs WHERE id = ?");
  s.bind(1, run);
  GS_CHECK(s.step(), "runs database '" + path_ + "' has no run with id " + std::to_string(run));
}

int64_t RunStore::create_run(const RunInfo& info) {
  check_writable("create a run");
  const ProcessToken me = current_process();
  Transaction tx(db_, path_);
  Stmt ins(db_, path_,
           "INSERT INTO runs (name, created, status, config_json, model_spec_json, dataset, backend,"
           " device, seed, notes, writer_pid, writer_token, model, optimizer, lr, batch_size, epochs)"
           " VALUES (?,?,'running',?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  ins.bind(1, info.name).bind(2, detail::iso_now()).bind(3, info.config.dump());
  ins.bind(4, info.model_spec.dump()).bind(5, info.dataset).bind(6, info.backend);
  ins.bind(7, info.device).bind(8, info.seed).bind(9, info.notes).bind(10, me.pid).bind(11, me.token);
  const ConfigSummary c = summarize(info.config, info.model_spec);
  ins.bind(12, c.model).bind(13, c.optimizer);
  if (c.lr)
    ins.bind(14, *c.lr);
  else
    ins.bind_null(14);
  ins.bind(15, c.batch_size).bind(16, c.epochs);
  ins.run();
  const int64_t id = sqlite3_last_insert_rowid(db_);
  Stmt tag(db_, path_, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)");
  for (const std::string& t : info.tags) {
    tag.bind(1, id).bind(2, t);
    tag.run();
    tag.reset();
  }
  tx.commit();
  known_runs_.insert(id);
  return id;
}

void RunStore::log_metric(int64_t run, int64_t step, int64_t epoch, const std::string& name,
                          double value, double wall_time) {
  GS_CHECK(!name.empty(), "log_metric: the metric name of run " + std::to_string(run) + " is empty");
  // A row for a missing run would fail its foreign key at flush time and block the whole batch.
  if (!known_runs_.contains(run)) {
    require_run(run);
    known_runs_.insert(run);
  }
  pending_.push_back({run, step, epoch, name, value, wall_time});
  if (pending_.size() >= options_.flush_rows ||
      std::chrono::steady_clock::now() - last_flush_ >= options_.flush_interval)
    flush();
}

void RunStore::flush() {
  if (pending_.empty()) return;
  check_writable("write metrics (" + std::to_string(pending_.size()) + " rows kept buffered)");
  try {
    // The rows stay in pending_ until COMMIT succeeds, so a failed batch can be retried.
    Transaction tx(db_, path_);
    Stmt ins(db_, path_,
             "INSERT INTO metrics (run_id, step, epoch, name, value, wall_time) VALUES (?,?,?,?,?,?)");
    std::map<int64_t, BatchSummary> touched;
    for (const PendingMetric& m : pending_) {
      // NaN binds as NULL (SQLite has no NaN); metrics() reads NULL back as NaN.
      ins.bind(1, m.run).bind(2, m.step).bind(3, m.epoch).bind(4, m.name).bind(5, m.value).bind(6, m.wall_time);
      ins.run();
      ins.reset();
      BatchSummary& b = touched[m.run];
      if (m.name == "test/accuracy" && !std::isnan(m.value))
        b.best_accuracy = b.best_accuracy ? std::max(*b.best_accuracy, m.value) : m.value;
      if (m.name == "train/loss" && (!b.has_loss || m.step >= b.loss_step)) {
        b.has_loss = true;
        b.loss_step = m.step;
        b.loss = m.value;
      }
      b.max_wall_time = b.max_wall_time ? std::max(*b.max_wall_time, m.wall_time) : m.wall_time;
    }
    // The history table's summary columns follow the rows: the best accuracy only rises, the
    // loss is the batch's last unless a row of a later step is already stored (out of order).
    Stmt up(db_, path_,
            "UPDATE runs SET"
            " best_test_accuracy = CASE WHEN ?1 IS NOT NULL AND (best_test_accuracy IS NULL OR ?1 > best_test_accuracy)"
            "   THEN ?1 ELSE best_test_accuracy END,"
            " final_loss = CASE WHEN ?2 AND NOT EXISTS (SELECT 1 FROM metrics WHERE run_id = ?5"
            "   AND name = 'train/loss' AND step > ?3) THEN ?4 ELSE final_loss END,"
            " duration = CASE WHEN finished IS NULL AND (duration IS NULL OR ?6 > duration) THEN ?6 ELSE duration END"
            " WHERE id = ?5");
    for (const auto& [run, b] : touched) {
      if (b.best_accuracy)
        up.bind(1, *b.best_accuracy);
      else
        up.bind_null(1);
      up.bind(2, int64_t{b.has_loss}).bind(3, b.loss_step).bind(4, b.loss).bind(5, run);
      up.bind(6, b.max_wall_time.value_or(0.0));
      up.run();
      up.reset();
    }
    tx.commit();
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "; " + std::to_string(pending_.size()) +
                " metric rows kept buffered (flush() retries them)");
  }
  pending_.clear();
  last_flush_ = std::chrono::steady_clock::now();
}

void RunStore::set_status(int64_t run, RunStatus status, const std::string& error) {
  flush();
  check_writable("set a run's status");
  Stmt up(db_, path_, "UPDATE runs SET status = ?, error = ?, finished = ? WHERE id = ?");
  up.bind(1, std::string(status_name(status))).bind(2, error);
  if (status == RunStatus::running)
    up.bind_null(3);
  else
    up.bind(3, detail::iso_now());
  up.bind(4, run).run();
  if (sqlite3_changes(db_) != 1) require_run(run);
  refresh_summary(run);
}

void RunStore::finish_run(int64_t run, const std::map<std::string, double>& final_metrics) {
  flush();
  check_writable("finish a run");
  Stmt up(db_, path_,
          "UPDATE runs SET status = 'finished', finished = ?, final_metrics_json = ? WHERE id = ?");
  up.bind(1, detail::iso_now()).bind(2, nlohmann::json(final_metrics).dump()).bind(3, run).run();
  if (sqlite3_changes(db_) != 1) require_run(run);
  refresh_summary(run);
}

void RunStore::refresh_summary(int64_t run) {
  // The same rules as migration 3's backfill (schema.cpp), for one run.
  Stmt up(db_, path_,
          "UPDATE runs SET"
          " best_test_accuracy = (SELECT MAX(v) FROM ("
          "   SELECT value AS v FROM metrics WHERE run_id = runs.id AND name = 'test/accuracy'"
          "   UNION ALL SELECT CASE WHEN json_valid(final_metrics_json)"
          "     THEN json_extract(final_metrics_json, '$.\"test/accuracy\"') END)),"
          " final_loss = COALESCE((SELECT value FROM metrics WHERE run_id = runs.id AND name = 'train/loss'"
          "   ORDER BY step DESC, rowid DESC LIMIT 1),"
          "   CASE WHEN json_valid(final_metrics_json) THEN COALESCE("
          "     json_extract(final_metrics_json, '$.\"train/loss\"'),"
          "     json_extract(final_metrics_json, '$.\"test/loss\"')) END),"
          " duration = CASE WHEN finished IS NOT NULL AND finished <> ''"
          "   THEN (julianday(finished) - julianday(created)) * 86400.0"
          "   ELSE (SELECT MAX(wall_time) FROM metrics WHERE run_id = runs.id) END"
          " WHERE id = ?");
  up.bind(1, run).run();
}

void RunStore::add_checkpoint(int64_t run, int64_t step, const std::string& path) {
  check_writable("record a checkpoint");
  require_run(run);
  Stmt ins(db_, path_, "INSERT INTO checkpoints (run_id, step, path, created) VALUES (?,?,?,?)");
  ins.bind(1, run).bind(2, step).bind(3, path).bind(4, detail::iso_now()).run();
}

void RunStore::resume_run(int64_t run, int64_t step) {
  check_writable("resume a run");
  flush();
  const ProcessToken me = current_process();
  Transaction tx(db_, path_);
  {
    Stmt s(db_, path_, "SELECT status, writer_pid, writer_token FROM runs WHERE id = ?");
    s.bind(1, run);
    GS_CHECK(s.step(), "runs database '" + path_ + "' has no run with id " + std::to_string(run));
    const int64_t pid = s.is_null(1) ? 0 : s.int64(1);
    const bool mine = pid == me.pid && s.text(2) == me.token;
    GS_CHECK(s.text(0) != "running" || mine || !process_alive(pid, s.text(2)),
             "run " + std::to_string(run) + " is still being written by process " + std::to_string(pid) +
                 "; stop it before resuming");
  }
  Stmt del(db_, path_, "DELETE FROM metrics WHERE run_id = ? AND step > ?");
  del.bind(1, run).bind(2, step).run();
  Stmt up(db_, path_,
          "UPDATE runs SET status = 'running', finished = NULL, error = '', writer_pid = ?, writer_token = ?"
          " WHERE id = ?");
  up.bind(1, me.pid).bind(2, me.token).bind(3, run).run();
  refresh_summary(run);  // the deleted rows may have held the best accuracy or the last loss
  tx.commit();
  known_runs_.insert(run);
}

void RunStore::rename(int64_t run, const std::string& name) {
  check_writable("rename a run");
  Stmt up(db_, path_, "UPDATE runs SET name = ? WHERE id = ?");
  up.bind(1, name).bind(2, run).run();
  if (sqlite3_changes(db_) != 1) require_run(run);
}

void RunStore::set_notes(int64_t run, const std::string& notes) {
  check_writable("set a run's notes");
  Stmt up(db_, path_, "UPDATE runs SET notes = ? WHERE id = ?");
  up.bind(1, notes).bind(2, run).run();
  if (sqlite3_changes(db_) != 1) require_run(run);
}

void RunStore::add_tag(int64_t run, const std::string& tag) {
  check_writable("tag a run");
  GS_CHECK(!tag.empty(), "add_tag: empty tag for run " + std::to_string(run));
  require_run(run);
  Stmt ins(db_, path_, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)");
  ins.bind(1, run).bind(2, tag).run();
}

void RunStore::remove_tag(int64_t run, const std::string& tag) {
  check_writable("untag a run");
  Stmt del(db_, path_, "DELETE FROM run_tags WHERE run_id = ? AND tag = ?");
  del.bind(1, run).bind(2, tag).run();
}

void RunStore::delete_run(int64_t run) {
  check_writable("delete a run");
  // Rows still buffered for this run would fail their foreign key at the next flush.
  std::erase_if(pending_, [&](const PendingMetric& m) { return m.run == run; });
  known_runs_.erase(run);
  Stmt del(db_, path_, "DELETE FROM runs WHERE id = ?");  // cascades (foreign_keys = ON)
  del.bind(1, run).run();
  GS_CHECK(sqlite3_changes(db_) == 1,
           "runs database '" + path_ + "' has no run with id " + std::to_string(run));
}

int RunStore::mark_interrupted_runs() {
  std::vector<int64_t> dead;
  std::vector<int64_t> pids;
  {
    Stmt s(db_, path_, "SELECT id, writer_pid, writer_token FROM runs WHERE status = 'running'");
    while (s.step()) {
      const int64_t pid = s.is_null(1) ? 0 : s.int64(1);
      if (!process_alive(pid, s.text(2))) {
        dead.push_back(s.int64(0));
        pids.push_back(pid);
      }
    }
  }
  if (dead.empty()) return 0;
  check_writable("mark interrupted runs");
  Transaction tx(db_, path_);
  Stmt up(db_, path_,
          "UPDATE runs SET status = 'interrupted', error = ? WHERE id = ? AND status = 'running'");
  for (size_t i = 0; i < dead.size(); ++i) {
    const std::string who = pids[i] ? "its writer process (pid " + std::to_string(pids[i]) + ")"
                                    : "its writer process (unknown)";
    up.bind(1, who + " ended without finishing the run").bind(2, dead[i]).run();
    up.reset();
  }
  tx.commit();
  return static_cast<int>(dead.size());
}

}  // namespace engine::runs
