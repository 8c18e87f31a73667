#include "engine/runs/schema.h"

#include "engine/core/error.h"
#include "engine/runs/sqlite_util.h"

namespace engine::runs::detail {

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> steps = {
      // 1: runs, their metric rows and checkpoints.
      R"sql(
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL CHECK (status IN
          ('running','finished','stopped','failed','diverged','interrupted')),
        config_json TEXT NOT NULL DEFAULT '{}',
        model_spec_json TEXT NOT NULL DEFAULT '{}',
        dataset TEXT NOT NULL DEFAULT '',
        backend TEXT NOT NULL DEFAULT '',
        device TEXT NOT NULL DEFAULT '',
        seed INTEGER,
        final_metrics_json TEXT NOT NULL DEFAULT '{}',
        notes TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        name TEXT NOT NULL,
        value REAL,
        wall_time REAL NOT NULL
      );
      CREATE INDEX metrics_by_run_name_step ON metrics(run_id, name, step);
      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        path TEXT NOT NULL,
        created TEXT NOT NULL
      );
      CREATE INDEX checkpoints_by_run ON checkpoints(run_id, step);
      )sql",
      // 2: tags, and which process writes a run (pid + a start token), so that a run whose
      // writer died can be told from one still training in another process.
      R"sql(
      CREATE TABLE run_tags (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      );
      CREATE INDEX run_tags_by_tag ON run_tags(tag);
      ALTER TABLE runs ADD COLUMN writer_pid INTEGER;
      ALTER TABLE runs ADD COLUMN writer_token TEXT NOT NULL DEFAULT '';
      CREATE INDEX runs_by_status ON runs(status);
      )sql",
  };
  return steps;
}

namespace {

int user_version(sqlite3* db, const std::string& path) {
  Stmt s(db, path, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

void check_not_newer(int version, const std::string& path) {
  GS_CHECK(version <= schema_version(),
           "runs database '" + path + "' has schema version " + std::to_string(version) +
               ", newer than this program understands (" + std::to_string(schema_version()) +
               "); open it with a newer Gradient Studio");
}

}  // namespace

void migrate(sqlite3* db, const std::string& path) {
  int version = user_version(db, path);
  check_not_newer(version, path);
  while (version < schema_version()) {
    // Re-read under the write lock: another process may have migrated since we looked.
    Transaction tx(db, path);
    version = user_version(db, path);
    check_not_newer(version, path);
    if (version == schema_version()) break;
    exec(db, path, migrations()[static_cast<size_t>(version)]);
    // PRAGMA takes no bound parameters; the value is our own integer, not user input.
    exec(db, path, "PRAGMA user_version = " + std::to_string(version + 1));
    tx.commit();
    ++version;
  }
}

}  // namespace engine::runs::detail
