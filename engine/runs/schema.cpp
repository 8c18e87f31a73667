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
      // 3: summary columns for the history table, so listing and sorting never parse the JSON.
      // RunStore keeps them current (create_run, each metrics flush, finish/set_status); this
      // step backfills them. json_valid guards make a malformed JSON cell a NULL, not an error.
      // final_loss is the last train/loss row (highest step), else the final metrics' train/loss
      // or test/loss; duration is finished - created, or the largest wall_time while unfinished.
      R"sql(
      ALTER TABLE runs ADD COLUMN model TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN optimizer TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN lr REAL;
      ALTER TABLE runs ADD COLUMN batch_size INTEGER;
      ALTER TABLE runs ADD COLUMN epochs INTEGER;
      ALTER TABLE runs ADD COLUMN best_test_accuracy REAL;
      ALTER TABLE runs ADD COLUMN final_loss REAL;
      ALTER TABLE runs ADD COLUMN duration REAL;
      UPDATE runs SET
        model = COALESCE(
          CASE WHEN json_valid(model_spec_json) AND json_type(model_spec_json, '$.name') = 'text'
               THEN json_extract(model_spec_json, '$.name') END,
          CASE WHEN json_valid(config_json) THEN
            CASE json_type(config_json, '$.model')
              WHEN 'text' THEN json_extract(config_json, '$.model')
              WHEN 'object' THEN CASE WHEN json_type(config_json, '$.model.name') = 'text'
                                      THEN json_extract(config_json, '$.model.name') END
            END END,
          ''),
        optimizer = COALESCE(CASE WHEN json_valid(config_json)
                                   AND json_type(config_json, '$.optimizer.name') = 'text'
                                  THEN json_extract(config_json, '$.optimizer.name') END, ''),
        lr = CASE WHEN json_valid(config_json)
                   AND json_type(config_json, '$.optimizer.lr') IN ('real', 'integer')
                  THEN json_extract(config_json, '$.optimizer.lr') END,
        batch_size = CASE WHEN json_valid(config_json) AND json_type(config_json, '$.batch_size') = 'integer'
                          THEN json_extract(config_json, '$.batch_size') END,
        epochs = CASE WHEN json_valid(config_json) AND json_type(config_json, '$.epochs') = 'integer'
                      THEN json_extract(config_json, '$.epochs') END,
        best_test_accuracy = (SELECT MAX(v) FROM (
          SELECT value AS v FROM metrics WHERE run_id = runs.id AND name = 'test/accuracy'
          UNION ALL
          SELECT CASE WHEN json_valid(final_metrics_json)
                      THEN json_extract(final_metrics_json, '$."test/accuracy"') END)),
        final_loss = COALESCE(
          (SELECT value FROM metrics WHERE run_id = runs.id AND name = 'train/loss'
           ORDER BY step DESC, rowid DESC LIMIT 1),
          CASE WHEN json_valid(final_metrics_json) THEN
            COALESCE(json_extract(final_metrics_json, '$."train/loss"'),
                     json_extract(final_metrics_json, '$."test/loss"')) END),
        duration = CASE WHEN finished IS NOT NULL AND finished <> ''
                        THEN (julianday(finished) - julianday(created)) * 86400.0
                        ELSE (SELECT MAX(wall_time) FROM metrics WHERE run_id = runs.id) END;
      CREATE INDEX runs_by_name ON runs(name);
      CREATE INDEX runs_by_created ON runs(created);
      CREATE INDEX runs_by_model ON runs(model);
      CREATE INDEX runs_by_dataset ON runs(dataset);
      CREATE INDEX runs_by_optimizer ON runs(optimizer);
      CREATE INDEX runs_by_lr ON runs(lr);
      CREATE INDEX runs_by_batch_size ON runs(batch_size);
      CREATE INDEX runs_by_epochs ON runs(epochs);
      CREATE INDEX runs_by_best_test_accuracy ON runs(best_test_accuracy);
      CREATE INDEX runs_by_final_loss ON runs(final_loss);
      CREATE INDEX runs_by_duration ON runs(duration);
      -- The curve index also holds the value, so a decimated curve (min/max per step bucket)
      -- reads only index pages: half the I/O of a row lookup per point on a 200k-row run.
      DROP INDEX metrics_by_run_name_step;
      CREATE INDEX metrics_by_run_name_step ON metrics(run_id, name, step, value);
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
