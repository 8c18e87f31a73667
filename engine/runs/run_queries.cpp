// RunStore: the read side (history table, curves, comparison, CSV export).
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "engine/core/error.h"
#include "engine/runs/run_store.h"
#include "engine/runs/sqlite_util.h"

namespace engine::runs {

using detail::Stmt;

namespace {

constexpr const char* kRunColumns =
    "r.id, r.name, r.created, r.finished, r.status, r.config_json, r.model_spec_json, r.dataset,"
    " r.backend, r.device, r.seed, r.final_metrics_json, r.notes, r.error, r.writer_pid";

// The only text that reaches ORDER BY: a fixed column for each allowed name.
const char* order_column(const std::string& name) {
  static const std::pair<const char*, const char*> allowed[] = {
      {"id", "r.id"},           {"name", "r.name"},       {"created", "r.created"},
      {"finished", "r.finished"}, {"status", "r.status"}, {"dataset", "r.dataset"},
      {"backend", "r.backend"}, {"device", "r.device"}};
  for (const auto& [key, column] : allowed)
    if (name == key) return column;
  throw Error("list_runs: cannot order by '" + name +
              "' (expected id, name, created, finished, status, dataset, backend or device)");
}

// LIKE pattern for a literal substring: %, _ and the escape character itself are escaped.
std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

nlohmann::json parse_json(const std::string& text, const std::string& what, int64_t id,
                          const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(text.empty() ? "{}" : text, nullptr, false);
  GS_CHECK(!j.is_discarded(), "runs database '" + path + "': run " + std::to_string(id) +
                                  " has malformed " + what + " JSON");
  return j;
}

RunRecord read_run(const Stmt& s, const std::string& path) {
  RunRecord r;
  r.id = s.int64(0);
  r.name = s.text(1);
  r.created = s.text(2);
  r.finished = s.text(3);
  r.status = status_from_name(s.text(4));
  r.config = parse_json(s.text(5), "config", r.id, path);
  r.model_spec = parse_json(s.text(6), "model spec", r.id, path);
  r.dataset = s.text(7);
  r.backend = s.text(8);
  r.device = s.text(9);
  if (!s.is_null(10)) r.seed = s.int64(10);
  const nlohmann::json final_metrics = parse_json(s.text(11), "final metrics", r.id, path);
  for (const auto& [k, v] : final_metrics.items())
    r.final_metrics[k] = v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
  r.notes = s.text(12);
  r.error = s.text(13);
  r.writer_pid = s.is_null(14) ? 0 : s.int64(14);
  return r;
}

void load_tags(sqlite3* db, const std::string& path, std::vector<RunRecord>& runs) {
  Stmt s(db, path, "SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag");
  for (RunRecord& r : runs) {
    s.bind(1, r.id);
    while (s.step()) r.tags.push_back(s.text(0));
    s.reset();
  }
}

// WHERE clause shared by list_runs and count_runs. bind_where fills its parameters from 1 on and
// returns the next free parameter index.
std::string where_clause(const RunQuery& q) {
  std::string sql = " WHERE 1 = 1";
  if (q.status) sql += " AND r.status = ?";
  if (!q.search.empty())
    sql += " AND (r.name LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM run_tags t"
           " WHERE t.run_id = r.id AND t.tag LIKE ? ESCAPE '\\'))";
  return sql;
}

int bind_where(Stmt& s, const RunQuery& q) {
  int i = 1;
  if (q.status) s.bind(i++, std::string(status_name(*q.status)));
  if (!q.search.empty()) {
    s.bind(i++, like_pattern(q.search));
    s.bind(i++, like_pattern(q.search));
  }
  return i;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);  // round-trips every double
  return buf;
}

}  // namespace

std::vector<RunRecord> RunStore::list_runs(const RunQuery& query) const {
  GS_CHECK(query.offset >= 0, "list_runs: negative offset " + std::to_string(query.offset));
  const char* dir = query.descending ? " DESC" : " ASC";
  const std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs r" + where_clause(query) +
                          " ORDER BY " + order_column(query.order_by) + dir + ", r.id" + dir +
                          " LIMIT ? OFFSET ?";
  Stmt s(db_, path_, sql);
  const int next = bind_where(s, query);
  s.bind(next, query.limit < 0 ? int64_t{-1} : query.limit).bind(next + 1, query.offset);
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s, path_));
  load_tags(db_, path_, out);
  return out;
}

int64_t RunStore::count_runs(const RunQuery& query) const {
  Stmt s(db_, path_, "SELECT COUNT(*) FROM runs r" + where_clause(query));
  bind_where(s, query);
  return s.step() ? s.int64(0) : 0;
}

RunRecord RunStore::get_run(int64_t run) const {
  Stmt s(db_, path_, std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.id = ?");
  s.bind(1, run);
  GS_CHECK(s.step(), "runs database '" + path_ + "' has no run with id " + std::to_string(run));
  std::vector<RunRecord> one{read_run(s, path_)};
  load_tags(db_, path_, one);
  return std::move(one[0]);
}

std::vector<MetricPoint> RunStore::metrics(int64_t run, const std::string& name) const {
  Stmt s(db_, path_,
         "SELECT step, epoch, value, wall_time FROM metrics WHERE run_id = ? AND name = ?"
         " ORDER BY step, rowid");
  s.bind(1, run).bind(2, name);
  std::vector<MetricPoint> out;
  while (s.step())
    out.push_back({s.int64(0), s.int64(1),
                   s.is_null(2) ? std::numeric_limits<double>::quiet_NaN() : s.real(2), s.real(3)});
  return out;
}

std::vector<std::string> RunStore::metric_names(int64_t run) const {
  Stmt s(db_, path_, "SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name");
  s.bind(1, run);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

int64_t RunStore::metric_count(int64_t run) const {
  Stmt s(db_, path_, "SELECT COUNT(*) FROM metrics WHERE run_id = ?");
  s.bind(1, run);
  return s.step() ? s.int64(0) : 0;
}

std::vector<Checkpoint> RunStore::checkpoints(int64_t run) const {
  Stmt s(db_, path_, "SELECT step, path, created FROM checkpoints WHERE run_id = ? ORDER BY step, id");
  s.bind(1, run);
  std::vector<Checkpoint> out;
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2)});
  return out;
}

Comparison RunStore::compare(const std::vector<int64_t>& runs) const {
  Comparison c;
  std::vector<RunRecord> records;
  std::set<std::string> names;
  for (int64_t id : runs) {
    records.push_back(get_run(id));
    for (const auto& [k, v] : records.back().final_metrics) names.insert(k);
    c.run_ids.push_back(id);
    c.run_names.push_back(records.back().name);
  }
  c.metrics.assign(names.begin(), names.end());
  for (const std::string& m : c.metrics) {
    std::vector<std::optional<double>> row;
    for (const RunRecord& r : records) {
      auto it = r.final_metrics.find(m);
      row.push_back(it == r.final_metrics.end() ? std::nullopt : std::optional<double>(it->second));
    }
    c.values.push_back(std::move(row));
  }
  return c;
}

std::string RunStore::export_csv(int64_t run) const {
  require_run(run);
  Stmt s(db_, path_,
         "SELECT step, epoch, name, value, wall_time FROM metrics WHERE run_id = ?"
         " ORDER BY name, step, rowid");
  s.bind(1, run);
  std::string out = "step,epoch,name,value,wall_time\n";
  while (s.step()) {
    const double value = s.is_null(3) ? std::numeric_limits<double>::quiet_NaN() : s.real(3);
    out += std::to_string(s.int64(0)) + "," + std::to_string(s.int64(1)) + "," + csv_field(s.text(2)) +
           "," + number(value) + "," + number(s.real(4)) + "\n";
  }
  return out;
}

}  // namespace engine::runs
