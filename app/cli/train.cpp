// gradient-cli train | resume | eval: training runs from the command line.
//
//   gradient-cli train --model builtin:mlp --dataset fashion-mnist --epochs 2 [--json]
//   gradient-cli train --config run.json [--epochs 5 ...]      (flags override the file)
//   gradient-cli resume ID                                      (from its last checkpoint)
//   gradient-cli eval ID [--dataset NAME] [--limit N] [--confusion]  (test loss/accuracy of its checkpoint)
//
// Runs are recorded in the runs database (--db, else $GS_DB, else the default path).
#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/json_io.h"
#include "app/cli/train_session.h"
#include "engine/backend/backend.h"
#include "engine/core/error.h"
#include "engine/core/strings.h"
#include "engine/data/dataset.h"
#include "engine/random/random.h"
#include "engine/runs/run_store.h"
#include "engine/train/classifier_eval.h"
#include "engine/train/config_catalog.h"
#include "engine/train/run_checkpoint.h"
#include "engine/train/train_steps.h"

namespace cli {

using engine::Error;
using nlohmann::json;
namespace train = engine::train;

namespace {

struct TrainOptions {
  std::string model, dataset, optimizer, backend, db, name, config, notes, prng;
  std::vector<std::string> tags;
  std::optional<int64_t> epochs, batch, seed, limit, log_every, eval_every, checkpoint_every;
  std::optional<double> lr, momentum;
  bool json = false;
};

json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  GS_CHECK(in, what + ": cannot open '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return train::parse_json_document(text.str(), what + ": '" + path + "'");
}

// A dataset smaller than the default batch (synthetic-regression has 20 examples, the default
// batch is 32) would make no batch at all: when no batch size was asked for, the batch is the
// whole training split, and a note says so. A batch asked for explicitly is kept (and refused
// before the run exists when it is too large).
void fit_default_batch(json& j) {
  const json& d = j["dataset"];
  const json name = d.is_object() ? d.value("name", json()) : d;
  if (!name.is_string() || !train::is_known_dataset(name.get<std::string>())) return;  // validation names it
  int64_t size = -1;
  try {
    size = train::describe_dataset(name.get<std::string>(), engine::data::DatasetPaths::defaults(),
                                   /*look_at_files=*/false).train_size;
  } catch (const Error&) {
    return;  // a bad synthetic-regression:N: RunConfig names it
  }
  if (d.is_object() && d.contains("limit") && d["limit"].is_number_integer() && d["limit"].get<int64_t>() > 0)
    size = size < 0 ? d["limit"].get<int64_t>() : std::min(size, d["limit"].get<int64_t>());
  const int64_t batch = train::RunConfig{}.batch_size;
  if (size <= 0 || size >= batch) return;
  j["batch_size"] = size;
  std::cerr << "note: dataset '" << name.get<std::string>() << "' has " << size
            << " training examples, fewer than the default batch of " << batch << ": one batch of " << size
            << " per epoch (--batch chooses another size)\n";
}

// The config file (if any) with every flag given written over it; RunConfig checks the result.
train::RunConfig build_config(const TrainOptions& o) {
  json j = o.config.empty() ? json::object() : read_json_file(o.config, "--config");
  GS_CHECK(j.is_object(), "--config: '" + o.config + "' must hold a JSON object");
  if (!o.model.empty()) j["model"] = o.model;
  if (!o.dataset.empty()) {
    if (j.contains("dataset") && j["dataset"].is_object()) j["dataset"]["name"] = o.dataset;
    else j["dataset"] = o.dataset;
  }
  if (o.limit) {
    if (!j.contains("dataset") || !j["dataset"].is_object()) j["dataset"] = json{{"name", j.value("dataset", json())}};
    j["dataset"]["limit"] = *o.limit;
  }
  if (!o.optimizer.empty() || o.lr || o.momentum) {
    json opt = j.contains("optimizer") ? j["optimizer"] : json::object();
    if (opt.is_string()) opt = json{{"name", opt}};
    if (!o.optimizer.empty()) opt["name"] = o.optimizer;
    if (o.lr) opt["lr"] = *o.lr;
    if (o.momentum) opt["momentum"] = *o.momentum;
    j["optimizer"] = opt;
  }
  if (o.epochs) j["epochs"] = *o.epochs;
  if (o.batch) j["batch_size"] = *o.batch;
  if (o.seed) j["seed"] = *o.seed;
  if (!o.prng.empty()) j["prng"] = o.prng;
  if (o.log_every) j["log_every"] = *o.log_every;
  if (o.eval_every) j["eval_every"] = *o.eval_every;
  if (o.checkpoint_every) j["checkpoint_every"] = *o.checkpoint_every;
  if (!o.backend.empty()) j["backend"] = o.backend;
  if (!o.name.empty()) j["name"] = o.name;
  if (!o.notes.empty()) j["notes"] = o.notes;
  if (!o.tags.empty()) j["tags"] = o.tags;
  // Usage errors (exit 2), as CLI11's own for a missing required option.
  if (!j.contains("model"))
    throw CLI::RequiredError("--model is required (builtin:mlp, builtin:cnn or a spec FILE.json), or --config",
                             CLI::ExitCodes::RequiredError);
  if (!j.contains("dataset"))
    throw CLI::RequiredError("--dataset is required (e.g. fashion-mnist), or --config", CLI::ExitCodes::RequiredError);
  if (!j.contains("batch_size")) fit_default_batch(j);
  return train::RunConfig::from_json(j);
}

void run_train(const TrainOptions& o) {
  const std::string db = writer_database_path(o.db);  // before the config's notes
  train::RunConfig config = build_config(o);
  train::Trainer trainer(std::move(config), {.db_path = db});
  const int code = run_in_foreground(trainer, o.json ? OutputMode::json : OutputMode::automatic, db);
  if (code != 0) throw ExitStatus{code};
}

void run_resume(int64_t id, const std::string& db_option, bool json_mode) {
  const std::string db = database_path(db_option);
  // Resuming writes, but only to an existing database: never create one.
  GS_CHECK(std::filesystem::exists(db), "no runs database at '" + db + "'");
  train::RunConfig config;
  {
    engine::runs::RunStore store(db);
    engine::runs::RunRecord rec = store.get_run(id);
    GS_CHECK(rec.status != engine::runs::RunStatus::finished,
             "run " + std::to_string(id) + " already finished; nothing to resume");
    GS_CHECK(!store.checkpoints(id).empty(), "run " + std::to_string(id) + " has no checkpoint to resume from");
    config = train::RunConfig::from_json(rec.config);
  }
  train::Trainer trainer(std::move(config), {.db_path = db, .resume_run = id});
  const int code = run_in_foreground(trainer, json_mode ? OutputMode::json : OutputMode::automatic, db);
  if (code != 0) throw ExitStatus{code};
}

// The confusion matrix as a table: one row per true class (its name and accuracy), one column
// per predicted class.
void print_confusion(const train::ClassifierEval& e, const std::vector<std::string>& names) {
  size_t width = 4;
  for (const std::string& n : names) width = std::max(width, n.size());
  std::printf("confusion matrix (rows: true class, columns: predicted class)\n%*s", static_cast<int>(width + 4), "");
  for (int64_t c = 0; c < e.num_classes; ++c) std::printf(" %6lld", static_cast<long long>(c));
  std::printf("  accuracy\n");
  const std::vector<double> acc = e.per_class_accuracy();
  for (int64_t t = 0; t < e.num_classes; ++t) {
    const std::string name = t < static_cast<int64_t>(names.size()) ? names[static_cast<size_t>(t)] : "";
    std::printf("%3lld %-*s", static_cast<long long>(t), static_cast<int>(width), name.c_str());
    for (int64_t p = 0; p < e.num_classes; ++p)
      std::printf(" %6lld", static_cast<long long>(e.confusion[static_cast<size_t>(t * e.num_classes + p)]));
    std::printf("  %.4f\n", acc[static_cast<size_t>(t)]);
  }
}

void run_eval(int64_t id, const std::string& db_option, const std::string& dataset, std::optional<int64_t> limit,
              bool json_mode, bool confusion) {
  const std::string db = database_path(db_option);
  {
    // The backend is chosen before anything is traced (the run's config names it).
    engine::runs::RunStore store(engine::runs::RunStoreOptions{.path = db, .read_only = true});
    engine::set_default_backend(engine::find_backend(train::RunConfig::from_json(store.get_run(id).config).backend));
  }
  train::LoadedRun run = train::load_run_for_eval(db, id, dataset, limit);
  const train::Task& task = run.task;
  GS_CHECK(!confusion || task.classification,
           "run " + std::to_string(id) + " is a regression run on '" + run.dataset_name + "': it has no confusion matrix");
  train::EvalResult r;
  train::ClassifierEval ce;
  if (confusion) {
    // One pass gives the loss and accuracy too (the same per-example losses, averaged).
    ce = train::evaluate_classifier(run.model, run.state.variables(), run.dataset.test, task.num_classes,
                                    run.config.eval_batch_size);
    r = {ce.mean_loss(), ce.accuracy(), ce.examples()};
  } else {
    r = train::evaluate(train::make_eval_step(run.model, task), run.state.variables(), run.dataset.test, task,
                        run.config.eval_batch_size);
  }
  if (json_mode) {
    json j{{"run", id}, {"dataset", run.dataset_name}, {"examples", r.examples}, {"checkpoint_step", run.checkpoint_step},
           {"test/loss", json_number(r.loss)}};  // a diverged run's loss is "NaN", not null
    if (task.classification) j["test/accuracy"] = json_number(r.accuracy);
    if (confusion) {
      json rows = json::array(), acc = json::array();
      for (int64_t t = 0; t < ce.num_classes; ++t)
        rows.push_back(std::vector<int64_t>(ce.confusion.begin() + t * ce.num_classes,
                                            ce.confusion.begin() + (t + 1) * ce.num_classes));
      for (double a : ce.per_class_accuracy()) acc.push_back(json_number(a));
      j["class_names"] = run.dataset.class_names;
      j["confusion"] = rows;  // [true class][predicted class]
      j["per_class_accuracy"] = acc;
    }
    std::cout << j.dump() << "\n";
    return;
  }
  char line[256];
  std::snprintf(line, sizeof line, "run %lld on %s (%lld test examples, checkpoint at step %lld): test loss %.4f",
                static_cast<long long>(id), run.dataset_name.c_str(), static_cast<long long>(r.examples),
                static_cast<long long>(run.checkpoint_step), r.loss);
  std::cout << line;
  if (task.classification) {
    std::snprintf(line, sizeof line, " accuracy %.4f", r.accuracy);
    std::cout << line;
  }
  std::cout << "\n";
  if (confusion) {
    std::cout.flush();
    print_confusion(ce, run.dataset.class_names);
    std::fflush(stdout);
  }
}

}  // namespace

void add_train_commands(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* t = app.add_subcommand("train", "Train a model on a dataset, recording the run in the runs database");
  t->add_option("--model", o->model, "builtin:mlp, builtin:cnn, builtin:linear or a model spec FILE.json");
  t->add_option("--dataset", o->dataset, engine::join(engine::data::dataset_names()) + " (listed below)");
  t->add_option("--limit", o->limit, "Use N examples of each split (a fixed random subset)");
  t->add_option("--epochs", o->epochs, "Number of epochs (default 1)");
  t->add_option("--batch", o->batch, "Batch size (default 32)");
  t->add_option("--optimizer", o->optimizer, engine::join(train::optimizer_names()) + " (default sgd; listed below)");
  t->add_option("--lr", o->lr, "Learning rate (default 0.1)");
  t->add_option("--momentum", o->momentum, "Momentum of sgd or rmsprop");
  t->add_option("--seed", o->seed, "Seed of the initialization, shuffling and dropout (default 0)");
  t->add_option("--prng", o->prng,
                "PRNG mode of those draws: classic (default) or partitionable (JAX's default since 0.5)");
  t->add_option("--backend", o->backend, "cpu (default) or reference");
  t->add_option("--log-every", o->log_every, "Report and record the training loss every N steps (default 10)");
  t->add_option("--eval-every", o->eval_every, "Evaluate on the test split every N epochs (default 1)");
  t->add_option("--checkpoint-every", o->checkpoint_every, "Checkpoint every N epochs (0: only at the end)");
  t->add_option("--name", o->name, "Name of the run");
  t->add_option("--tag", o->tags, "Tag the run (repeatable)");
  t->add_option("--notes", o->notes, "Notes on the run");
  t->add_option("--config", o->config, "A run config FILE.json; flags override its fields");
  add_db_option(*t, o->db, "Runs database (default $GS_DB or ~/.local/share/gradient-studio/runs.db)");
  t->add_flag("--json", o->json, "One JSON event per line instead of the progress display");
  // The same catalog RunConfig validates against and the studio's run form is built from.
  t->footer("\n" + train::catalog_help_text());
  t->callback([o] { run_train(*o); });

  auto rid = std::make_shared<int64_t>(0);
  auto rdb = std::make_shared<std::string>();
  auto rjson = std::make_shared<bool>(false);
  CLI::App* r = app.add_subcommand("resume", "Continue a stopped or interrupted run from its last checkpoint");
  r->add_option("ID", *rid, "The run's id (gradient-cli runs list)")->required();
  add_db_option(*r, *rdb, "Runs database");
  r->add_flag("--json", *rjson, "One JSON event per line");
  r->callback([rid, rdb, rjson] { run_resume(*rid, *rdb, *rjson); });

  struct EvalOptions {
    int64_t id = 0;
    std::string db, dataset;
    std::optional<int64_t> limit;
    bool json = false, confusion = false;
  };
  auto e = std::make_shared<EvalOptions>();
  CLI::App* ev = app.add_subcommand("eval", "Test loss and accuracy of a run's last checkpoint");
  ev->add_option("ID", e->id, "The run's id")->required();
  ev->add_option("--dataset", e->dataset, "Dataset to evaluate on (default: the run's)");
  ev->add_option("--limit", e->limit, "Use N test examples (a fixed random subset)")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            int64_t v = 0;
            return CLI::detail::lexical_cast(s, v) && v < 1 ? "expected a positive number of examples, got " + s : "";
          },
          ""));
  add_db_option(*ev, e->db, "Runs database");
  ev->add_flag("--json", e->json, "Print the result as JSON");
  ev->add_flag("--confusion", e->confusion,
               "Also the confusion matrix and per-class accuracy (classification runs; in --json as "
               "\"confusion\" [true][predicted] and \"per_class_accuracy\")");
  ev->callback([e] { run_eval(e->id, e->db, e->dataset, e->limit, e->json, e->confusion); });
}

}  // namespace cli
