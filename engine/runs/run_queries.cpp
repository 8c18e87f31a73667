// RunStore: the read side (history table, curves, comparison, CSV export).
#include <algorithm>
#include <cmath>
#include <map>
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
  // Each summary column has an index (schema migration 3), so a sorted first page reads only
  // its rows. Tags have none: a run's first tag comes from run_tags' primary key per run.
  static const std::pair<const char*, const char*> allowed[] = {
      {"id", "r.id"},
      {"name", "r.name"},
      {"created", "r.created"},
      {"finished", "r.finished"},
      {"status", "r.status"},
      {"dataset", "r.dataset"},
      {"backend", "r.backend"},
      {"device", "r.device"},
      {"model", "r.model"},
      {"optimizer", "r.optimizer"},
      {"lr", "r.lr"},
      {"batch_size", "r.batch_size"},
      {"epochs", "r.epochs"},
      {"best_test_accuracy", "r.best_test_accuracy"},
      {"final_loss", "r.final_loss"},
      {"duration", "r.duration"},
      {"tags", "(SELECT MIN(t.tag) FROM run_tags t WHERE t.run_id = r.id)"}};
  for (const auto& [key, column] : allowed)
    if (name == key) return column;
  throw Error("list_runs: cannot order by '" + name +
              "' (expected id, name, created, finished, status, dataset, backend, device, model, optimizer, lr,"
              " batch_size, epochs, best_test_accuracy, final_loss, duration or tags)");
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

// Every tag of a page in one statement: the page's ids go in as one JSON array.
template <class Row>
void load_tags(sqlite3* db, const std::string& path, std::vector<Row>& runs) {
  if (runs.empty()) return;
  nlohmann::json ids = nlohmann::json::array();
  std::map<int64_t, Row*> by_id;
  for (Row& r : runs) {
    ids.push_back(r.id);
    by_id[r.id] = &r;
  }
  Stmt s(db, path,
         "SELECT run_id, tag FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, tag");
  s.bind(1, ids.dump());
  while (s.step()) by_id.at(s.int64(0))->tags.push_back(s.text(1));
}

constexpr const char* kSummaryColumns =
    "r.id, r.name, r.status, r.created, r.finished, r.model, r.dataset, r.optimizer, r.lr, r.batch_size,"
    " r.epochs, r.best_test_accuracy, r.final_loss, r.duration, r.notes, r.error";

RunSummary read_summary(const Stmt& s) {
  const auto real = [&](int col) { return s.is_null(col) ? std::nullopt : std::optional<double>(s.real(col)); };
  const auto integer = [&](int col) { return s.is_null(col) ? std::nullopt : std::optional<int64_t>(s.int64(col)); };
  RunSummary r;
  r.id = s.int64(0);
  r.name = s.text(1);
  r.status = status_from_name(s.text(2));
  r.created = s.text(3);
  r.finished = s.text(4);
  r.model = s.text(5);
  r.dataset = s.text(6);
  r.optimizer = s.text(7);
  r.lr = real(8);
  r.batch_size = integer(9);
  r.epochs = integer(10);
  r.best_test_accuracy = real(11);
  r.final_loss = real(12);
  r.duration_seconds = real(13);
  r.notes = s.text(14);
  r.error = s.text(15);
  return r;
}

void flatten_into(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  const auto scalar_array = [](const nlohmann::json& a) {
    for (const auto& v : a)
      if (v.is_structured()) return false;
    return true;
  };
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) flatten_into(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array() && !j.empty() && !scalar_array(j)) {
    for (size_t i = 0; i < j.size(); ++i) flatten_into(j[i], prefix + "[" + std::to_string(i) + "]", out);
  } else {
    out[prefix] = j.is_string() ? j.get<std::string>() : j.dump();
  }
}

// WHERE clause shared by list_runs and count_runs. bind_where fills its parameters from 1 on and
// returns the next free parameter index.
std::string where_clause(const RunQuery& q) {
  std::string sql = " WHERE 1 = 1";
  if (q.status) sql += " AND r.status = ?";
  if (!q.statuses.empty()) {
    sql += " AND r.status IN (";
    for (size_t i = 0; i < q.statuses.size(); ++i) sql += i ? ",?" : "?";
    sql += ")";
  }
  if (!q.search.empty())
    sql += " AND (r.name LIKE ? ESCAPE '\\' OR r.model LIKE ? ESCAPE '\\'"
           " OR r.dataset LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM run_tags t"
           " WHERE t.run_id = r.id AND t.tag LIKE ? ESCAPE '\\'))";
  return sql;
}

// The search pattern is parameter ? (bound once, used four times); the others count from 1.
int bind_where(Stmt& s, const RunQuery& q) {
  int i = 1;
  if (q.status) s.bind(i++, std::string(status_name(*q.status)));
  for (RunStatus st : q.statuses) s.bind(i++, std::string(status_name(st)));
  if (!q.search.empty())
    for (int k = 0; k < 4; ++k) s.bind(i++, like_pattern(q.search));
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

namespace {

// One page of runs in the query's order, each row read by `read`, then the page's tags in one
// query: the CLI's full records and the history table's summaries differ only in their columns.
template <class Row, class Read>
std::vector<Row> query_page(sqlite3* db, const std::string& path, const char* columns, const RunQuery& query,
                            const char* what, Read read) {
  GS_CHECK(query.offset >= 0, std::string(what) + ": negative offset " + std::to_string(query.offset));
  const char* dir = query.descending ? " DESC" : " ASC";
  const std::string sql = std::string("SELECT ") + columns + " FROM runs r" + where_clause(query) +
                          " ORDER BY " + order_column(query.order_by) + dir + ", r.id" + dir +
                          " LIMIT ? OFFSET ?";
  Stmt s(db, path, sql);
  const int next = bind_where(s, query);
  s.bind(next, query.limit < 0 ? int64_t{-1} : query.limit).bind(next + 1, query.offset);
  std::vector<Row> out;
  while (s.step()) out.push_back(read(s));
  load_tags(db, path, out);
  return out;
}

}  // namespace

std::vector<RunRecord> RunStore::list_runs(const RunQuery& query) const {
  return query_page<RunRecord>(db_, path_, kRunColumns, query, "list_runs",
                               [&](const Stmt& s) { return read_run(s, path_); });
}

std::vector<RunSummary> RunStore::list_summaries(const RunQuery& query) const {
  return query_page<RunSummary>(db_, path_, kSummaryColumns, query, "list_summaries",
                                [](const Stmt& s) { return read_summary(s); });
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

std::vector<MetricPoint> RunStore::metrics(int64_t run, const std::string& name, int64_t from_step,
                                           int64_t to_step, size_t max_points) const {
  GS_CHECK(max_points >= 4, "metrics: max_points must be at least 4, got " + std::to_string(max_points));
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // The first and last step come from two seeks in the index (run_id, name, step); counting
  // the rows would read all of its entries, so the single pass below keeps the raw rows too
  // while they still fit in max_points.
  const auto edge = [&](const char* dir) -> std::optional<int64_t> {
    Stmt e(db_, path_,
           std::string("SELECT step FROM metrics WHERE run_id = ? AND name = ? AND step BETWEEN ? AND ?"
                       " ORDER BY step ") + dir + " LIMIT 1");
    e.bind(1, run).bind(2, name).bind(3, from_step).bind(4, to_step);
    return e.step() ? std::optional<int64_t>(e.int64(0)) : std::nullopt;
  };
  const std::optional<int64_t> first_step = edge("ASC");
  if (!first_step) return {};
  const int64_t lo = *first_step, hi = edge("DESC").value_or(lo);
  // The pass reads (rowid, step, value) from the covering index only; epoch and wall_time are
  // looked up afterwards for the rows kept. Rows of one step come in value order.
  struct Row {
    int64_t rowid, step;
    double value;
  };
  Stmt s(db_, path_,
         "SELECT rowid, step, value FROM metrics WHERE run_id = ? AND name = ? AND step BETWEEN ? AND ?"
         " ORDER BY step, value");
  s.bind(1, run).bind(2, name).bind(3, from_step).bind(4, to_step);
  std::vector<Row> raw, kept;
  raw.reserve(max_points);
  bool fits = true;
  // Buckets of equal step width; each keeps up to four rows, emitted in step order.
  const size_t buckets = max_points / 4;
  const double width = (static_cast<double>(hi) - static_cast<double>(lo) + 1.0) / static_cast<double>(buckets);
  struct Bucket {
    Row first, min, max, last;
    int64_t n = 0, i_first = 0, i_min = -1, i_max = -1, i_last = 0;
  };
  Bucket b;
  size_t current = 0;
  int64_t index = 0;
  const auto close_bucket = [&] {
    if (b.n == 0) return;
    std::pair<int64_t, const Row*> picks[4] = {
        {b.i_first, &b.first}, {b.i_min, &b.min}, {b.i_max, &b.max}, {b.i_last, &b.last}};
    std::sort(std::begin(picks), std::end(picks), [](const auto& x, const auto& y) { return x.first < y.first; });
    int64_t previous = -1;
    for (const auto& [i, p] : picks)
      if (i >= 0 && i != previous) {
        kept.push_back(*p);
        previous = i;
      }
    b = Bucket{};
  };
  kept.reserve(max_points);
  while (s.step()) {
    const Row p{s.int64(0), s.int64(1), s.is_null(2) ? kNaN : s.real(2)};
    if (fits) {
      fits = raw.size() < max_points;
      if (fits) raw.push_back(p);
    }
    const size_t k = std::min(buckets - 1, static_cast<size_t>((static_cast<double>(p.step) - lo) / width));
    if (k != current) {
      close_bucket();
      current = k;
    }
    if (b.n == 0) {
      b.first = p;
      b.i_first = index;
    }
    if (!std::isnan(p.value)) {
      if (b.i_min < 0 || p.value < b.min.value) b.min = p, b.i_min = index;
      if (b.i_max < 0 || p.value > b.max.value) b.max = p, b.i_max = index;
    }
    b.last = p;
    b.i_last = index;
    ++b.n;
    ++index;
  }
  if (!fits) close_bucket();
  const std::vector<Row>& rows = fits ? raw : kept;
  std::vector<MetricPoint> out;
  out.reserve(rows.size());
  Stmt rest(db_, path_, "SELECT epoch, wall_time FROM metrics WHERE rowid = ?");
  for (const Row& r : rows) {
    rest.bind(1, r.rowid);
    if (rest.step()) out.push_back({r.step, rest.int64(0), r.value, rest.real(1)});  // else deleted meanwhile
    rest.reset();
  }
  return out;
}

std::vector<std::string> RunStore::metric_names(int64_t run) const {
  // One index seek per name (SELECT DISTINCT would read every row's index entry: 200k for a long run).
  Stmt s(db_, path_, "SELECT name FROM metrics WHERE run_id = ? AND name > ? ORDER BY name LIMIT 1");
  std::vector<std::string> out;
  std::string last;  // log_metric refuses empty names, so "" sorts before every stored one
  for (;;) {
    s.bind(1, run).bind(2, last);
    if (!s.step()) break;
    last = s.text(0);
    out.push_back(last);
    s.reset();
  }
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

std::map<std::string, std::string> flatten_json(const nlohmann::json& j) {
  std::map<std::string, std::string> out;
  flatten_into(j, "", out);
  return out;
}

ConfigDiff RunStore::config_diff(const std::vector<int64_t>& runs, bool all_rows) const {
  ConfigDiff d;
  std::vector<std::map<std::string, std::string>> flat;
  std::set<std::string> paths;
  Stmt s(db_, path_, "SELECT name, config_json FROM runs WHERE id = ?");
  for (int64_t id : runs) {
    s.bind(1, id);
    GS_CHECK(s.step(), "runs database '" + path_ + "' has no run with id " + std::to_string(id));
    d.run_ids.push_back(id);
    d.run_names.push_back(s.text(0));
    flat.push_back(flatten_json(parse_json(s.text(1), "config", id, path_)));
    for (const auto& [k, v] : flat.back()) paths.insert(k);
    s.reset();
  }
  for (const std::string& p : paths) {
    ConfigDiffRow row{.path = p};
    for (const auto& f : flat) {
      auto it = f.find(p);
      row.values.push_back(it == f.end() ? "" : it->second);
    }
    // A path missing from one run differs from any value, even "" (a missing key is not "").
    for (size_t i = 0; i < flat.size(); ++i)
      row.differs = row.differs || !flat[i].contains(p) || row.values[i] != row.values[0];
    if (all_rows || row.differs) d.rows.push_back(std::move(row));
  }
  return d;
}

std::string RunStore::export_csv(const std::vector<int64_t>& runs) const {
  std::string out = "run_id,run_name,step,epoch,name,value,wall_time\n";
  Stmt name(db_, path_, "SELECT name FROM runs WHERE id = ?");
  Stmt s(db_, path_,
         "SELECT step, epoch, name, value, wall_time FROM metrics WHERE run_id = ? ORDER BY name, step, rowid");
  for (int64_t run : runs) {
    name.bind(1, run);
    GS_CHECK(name.step(), "runs database '" + path_ + "' has no run with id " + std::to_string(run));
    const std::string prefix = std::to_string(run) + "," + csv_field(name.text(0)) + ",";
    name.reset();
    s.bind(1, run);
    while (s.step()) {
      const double value = s.is_null(3) ? std::numeric_limits<double>::quiet_NaN() : s.real(3);
      out += prefix + std::to_string(s.int64(0)) + "," + std::to_string(s.int64(1)) + "," + csv_field(s.text(2)) +
             "," + number(value) + "," + number(s.real(4)) + "\n";
    }
    s.reset();
  }
  return out;
}

int64_t RunStore::data_version() const {
  Stmt s(db_, path_, "PRAGMA data_version");
  return s.step() ? s.int64(0) : 0;
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
