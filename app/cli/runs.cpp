// gradient-cli runs ...: the run history from the command line.
//
//   runs list [--status S] [--search TEXT] [--limit N] [--json]
//   runs show ID [--json]          config, final metrics, metric names, checkpoints
//   runs metrics ID [--name M] [--csv]
//   runs compare ID ID...          final metrics side by side
//   runs delete ID | rename ID NAME | tag ID TAG [--remove]
//   runs check                     SQLite's integrity check of the database (exit 1 if damaged)
// Every subcommand takes --db PATH (else $GS_DB, else the default database; an empty PATH is a
// usage error). The readers (list, show, metrics, compare, check) never create the database.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/json_io.h"
#include "app/cli/train_session.h"
#include "engine/core/error.h"
#include "engine/runs/run_store.h"

namespace cli {

using engine::Error;
using engine::runs::RunRecord;
using engine::runs::RunStore;
using engine::runs::RunStoreOptions;
using nlohmann::json;

namespace {

struct RunsOptions {
  std::string db, status, search, name, new_name, tag;
  int64_t id = 0, limit = 100;
  std::vector<int64_t> ids;
  bool json = false, csv = false, remove = false;
};

// Six digits, for the columns of the tables.
std::string number(double v) {
  if (!std::isfinite(v)) return shortest_number(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string pad(std::string s, size_t width) {
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  return s + std::string(width - s.size() + 1, ' ');
}

json record_json(const RunRecord& r) {
  json metrics = json::object();
  for (const auto& [k, v] : r.final_metrics) metrics[k] = json_number(v);
  return json{{"id", r.id},          {"name", r.name},
              {"status", std::string(engine::runs::status_name(r.status))},
              {"created", r.created}, {"finished", r.finished},
              {"dataset", r.dataset}, {"backend", r.backend},
              {"seed", r.seed ? json(*r.seed) : json(nullptr)},
              {"tags", r.tags},       {"notes", r.notes},
              {"error", r.error},     {"final_metrics", metrics}};
}

std::string final_metric(const RunRecord& r, const std::string& name) {
  auto it = r.final_metrics.find(name);
  return it == r.final_metrics.end() ? "-" : number(it->second);
}

void list(const RunsOptions& o) {
  RunStore store(reader_options(o.db));
  engine::runs::RunQuery q{.limit = o.limit, .search = o.search};
  if (!o.status.empty()) q.status = engine::runs::status_from_name(o.status);
  const std::vector<RunRecord> runs = store.list_runs(q);
  if (o.json) {
    json out = json::array();
    for (const RunRecord& r : runs) out.push_back(record_json(r));
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << pad("ID", 5) << pad("NAME", 24) << pad("STATUS", 11) << pad("DATASET", 26) << pad("CREATED", 20)
            << pad("TEST ACC", 9) << "TAGS\n";
  for (const RunRecord& r : runs) {
    std::string tags;
    for (const std::string& t : r.tags) tags += (tags.empty() ? "" : ",") + t;
    std::cout << pad(std::to_string(r.id), 5) << pad(r.name, 24) << pad(std::string(engine::runs::status_name(r.status)), 11)
              << pad(r.dataset, 26) << pad(r.created.substr(0, 19), 20) << pad(final_metric(r, "test/accuracy"), 9)
              << tags << "\n";
  }
  if (runs.empty()) std::cout << "(no runs in " << store.path() << ")\n";
}

void show(const RunsOptions& o) {
  RunStore store(reader_options(o.db));
  const RunRecord r = store.get_run(o.id);
  json j = record_json(r);
  j["config"] = r.config;
  json names = json::object();
  for (const std::string& n : store.metric_names(o.id)) names[n] = store.metrics(o.id, n).size();
  j["metrics"] = names;
  json ckpts = json::array();
  for (const auto& c : store.checkpoints(o.id)) ckpts.push_back({{"step", c.step}, {"path", c.path}, {"created", c.created}});
  j["checkpoints"] = ckpts;
  if (o.json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << "run " << r.id << ": " << r.name << "\n"
            << "  status    " << engine::runs::status_name(r.status) << (r.error.empty() ? "" : " (" + r.error + ")") << "\n"
            << "  created   " << r.created << (r.finished.empty() ? "" : ", finished " + r.finished) << "\n"
            << "  dataset   " << r.dataset << ", backend " << r.backend
            << (r.seed ? ", seed " + std::to_string(*r.seed) : "") << "\n";
  if (!r.tags.empty()) std::cout << "  tags      " << json(r.tags).dump() << "\n";
  if (!r.notes.empty()) std::cout << "  notes     " << r.notes << "\n";
  std::cout << "  final metrics\n";
  for (const auto& [k, v] : r.final_metrics) std::cout << "    " << pad(k, 20) << number(v) << "\n";
  std::cout << "  metric series\n";
  for (const auto& [k, v] : names.items()) std::cout << "    " << pad(k, 20) << v.get<int64_t>() << " points\n";
  std::cout << "  checkpoints\n";
  for (const auto& c : ckpts) std::cout << "    step " << c["step"].get<int64_t>() << "  " << c["path"].get<std::string>() << "\n";
  std::cout << "  config    " << r.config.dump() << "\n";
}

void metrics(const RunsOptions& o) {
  RunStore store(reader_options(o.db));
  store.get_run(o.id);
  if (o.csv && o.name.empty()) {
    std::cout << store.export_csv(o.id);
    return;
  }
  std::vector<std::string> names = o.name.empty() ? store.metric_names(o.id) : std::vector<std::string>{o.name};
  std::cout << (o.csv ? "step,epoch,name,value,wall_time\n" : pad("STEP", 8) + pad("EPOCH", 6) + pad("NAME", 22) + "VALUE\n");
  for (const std::string& n : names) {
    for (const auto& p : store.metrics(o.id, n)) {
      if (o.csv)
        std::cout << p.step << "," << p.epoch << "," << n << "," << shortest_number(p.value) << ","
                  << shortest_number(p.wall_time) << "\n";
      else  // every digit, as export_csv: a value listed here reads back as the one stored
        std::cout << pad(std::to_string(p.step), 8) << pad(std::to_string(p.epoch), 6) << pad(n, 22)
                  << shortest_number(p.value) << "\n";
    }
  }
}

void compare(const RunsOptions& o) {
  GS_CHECK(o.ids.size() >= 1, "runs compare: give one or more run ids");
  RunStore store(reader_options(o.db));
  const engine::runs::Comparison c = store.compare(o.ids);
  std::cout << pad("METRIC", 22);
  for (size_t r = 0; r < c.run_ids.size(); ++r) std::cout << pad(std::to_string(c.run_ids[r]) + " " + c.run_names[r], 16);
  std::cout << "\n";
  for (size_t m = 0; m < c.metrics.size(); ++m) {
    std::cout << pad(c.metrics[m], 22);
    for (const auto& v : c.values[m]) std::cout << pad(v ? number(*v) : "-", 16);
    std::cout << "\n";
  }
}

void remove_run(const RunsOptions& o) {
  RunStore store(database_path(o.db));
  // Opening the store marked runs of dead processes 'interrupted': 'running' means a live writer,
  // whose next metric batch would fail on the missing run.
  GS_CHECK(store.get_run(o.id).status != engine::runs::RunStatus::running,
           "run " + std::to_string(o.id) + " is still running (process " +
               std::to_string(store.get_run(o.id).writer_pid) + "); stop it before deleting it");
  const std::vector<engine::runs::Checkpoint> ckpts = store.checkpoints(o.id);
  store.delete_run(o.id);
  // The checkpoint files go with the run; their folder too once empty.
  std::error_code ec;
  for (const auto& c : ckpts) {
    std::filesystem::remove(c.path, ec);
    const auto dir = std::filesystem::path(c.path).parent_path();
    if (std::filesystem::is_empty(dir, ec)) std::filesystem::remove(dir, ec);
  }
  std::cout << "deleted run " << o.id << "\n";
}

}  // namespace

void add_runs_commands(CLI::App& app) {
  CLI::App* runs = app.add_subcommand("runs", "The run history: list, show, metrics, compare, delete, rename, tag");
  runs->require_subcommand(1);
  auto o = std::make_shared<RunsOptions>();
  auto sub = [&](const char* name, const char* help) {
    CLI::App* c = runs->add_subcommand(name, help);
    add_db_option(*c, o->db, "Runs database (default $GS_DB or ~/.local/share/gradient-studio/runs.db)");
    return c;
  };
  CLI::App* l = sub("list", "List runs, newest first");
  l->add_option("--status", o->status, "Only runs with this status (running, finished, stopped, ...)");
  l->add_option("--search", o->search, "Only runs whose name or a tag contains TEXT");
  l->add_option("--limit", o->limit, "At most N runs (default 100)");
  l->add_flag("--json", o->json, "Print JSON");
  l->callback([o] { list(*o); });
  CLI::App* s = sub("show", "A run's details");
  s->add_option("ID", o->id, "Run id")->required();
  s->add_flag("--json", o->json, "Print JSON");
  s->callback([o] { show(*o); });
  CLI::App* m = sub("metrics", "A run's metric rows");
  m->add_option("ID", o->id, "Run id")->required();
  m->add_option("--name", o->name, "Only this metric (e.g. train/loss)");
  m->add_flag("--csv", o->csv, "CSV: step,epoch,name,value,wall_time");
  m->callback([o] { metrics(*o); });
  CLI::App* c = sub("compare", "Final metrics of runs side by side");
  c->add_option("IDS", o->ids, "Run ids")->required();
  c->callback([o] { compare(*o); });
  CLI::App* d = sub("delete", "Delete a run, its metrics and its checkpoint files");
  d->add_option("ID", o->id, "Run id")->required();
  d->callback([o] { remove_run(*o); });
  CLI::App* k = sub("check", "Check the database's integrity (SQLite's integrity_check)");
  k->callback([o] {
    const std::string path = database_path(o->db);
    const std::string report = RunStore(RunStoreOptions{.path = path, .read_only = true}).integrity_check();
    std::cout << path << ": " << report << "\n";
    if (report != "ok") throw ExitStatus{1};
  });
  CLI::App* r = sub("rename", "Rename a run");
  r->add_option("ID", o->id, "Run id")->required();
  r->add_option("NAME", o->new_name, "New name")->required()->check(CLI::Validator(
      [](std::string& s) -> std::string { return s.empty() ? "a run's name cannot be empty" : ""; }, ""));
  r->callback([o] {
    RunStore(database_path(o->db)).rename(o->id, o->new_name);
    std::cout << "renamed run " << o->id << " to " << o->new_name << "\n";
  });
  CLI::App* t = sub("tag", "Tag a run (or --remove the tag)");
  t->add_option("ID", o->id, "Run id")->required();
  t->add_option("TAG", o->tag, "Tag")->required()->check(CLI::Validator(
      [](std::string& s) -> std::string { return s.empty() ? "a tag cannot be empty" : ""; }, ""));
  t->add_flag("--remove", o->remove, "Remove the tag instead");
  t->callback([o] {
    RunStore store(database_path(o->db));
    if (o->remove) {
      // The store's remove_tag is a no-op for a tag the run lacks; a user asking for it typed a
      // wrong tag or run id.
      const std::vector<std::string> tags = store.get_run(o->id).tags;
      GS_CHECK(std::find(tags.begin(), tags.end(), o->tag) != tags.end(),
               "run " + std::to_string(o->id) + " has no tag '" + o->tag + "'" +
                   (tags.empty() ? "" : " (its tags: " + json(tags).dump() + ")"));
      store.remove_tag(o->id, o->tag);
    } else {
      store.add_tag(o->id, o->tag);
    }
    std::cout << (o->remove ? "untagged run " : "tagged run ") << o->id << " " << o->tag << "\n";
  });
}

}  // namespace cli
