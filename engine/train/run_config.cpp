#include "engine/train/run_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <optional>
#include <sstream>

#include "engine/backend/backend.h"
#include "engine/core/error.h"
#include "engine/core/strings.h"
#include "engine/nn/model_spec.h"
#include "engine/optim/optim.h"
#include "engine/random/random.h"
#include "engine/train/config_catalog.h"

namespace engine::train {

using nlohmann::json;

namespace {


// Reads the fields of one JSON object, each error naming "<prefix><field>".
class Fields {
 public:
  Fields(const json& object, std::string prefix, std::vector<std::string> known)
      : object_(object), prefix_(std::move(prefix)), known_(std::move(known)) {
    const std::string where = prefix_.empty() ? "run config" : prefix_.substr(0, prefix_.size() - 1);
    if (!object_.is_object()) throw Error(where + ": expected a JSON object, got " + shown_json(object_));
    for (const auto& [key, value] : object_.items())
      if (std::find(known_.begin(), known_.end(), key) == known_.end())
        throw Error(prefix_ + key + ": unknown field" + (known_.empty() ? "" : " (known: " + join(known_) + ")"));
  }

  bool has(const std::string& key) const { return object_.contains(key); }
  std::string name(const std::string& key) const { return prefix_ + key; }

  double number(const std::string& key, double fallback, double lo, double hi, bool lo_open,
                const char* expected) const {
    if (!has(key)) return fallback;
    const json& v = object_[key];
    if (!v.is_number()) fail(key, expected, v);
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < lo || d > hi || (lo_open && d == lo)) fail(key, expected, v);
    return d;
  }
  double positive(const std::string& key, double fallback) const {
    return number(key, fallback, 0, std::numeric_limits<double>::max(), true, "a positive number");
  }
  double non_negative(const std::string& key, double fallback) const {
    return number(key, fallback, 0, std::numeric_limits<double>::max(), false, "a number >= 0");
  }
  double fraction(const std::string& key, double fallback) const {  // [0, 1)
    const double d = number(key, fallback, 0, 1, false, "a number in [0, 1)");
    if (d == 1) fail(key, "a number in [0, 1)", object_[key]);
    return d;
  }
  int64_t integer(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const {
    if (!has(key)) return fallback;
    const json& v = object_[key];
    const std::string expected = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(hi)) fail(key, expected, v);
      return static_cast<int64_t>(u);
    }
    if (!v.is_number_integer()) fail(key, expected, v);
    const int64_t i = v.get<int64_t>();
    if (i < lo || i > hi) fail(key, expected, v);
    return i;
  }
  std::string string(const std::string& key, const std::string& fallback, bool non_empty = false) const {
    if (!has(key)) return fallback;
    const json& v = object_[key];
    if (!v.is_string() || (non_empty && v.get_ref<const std::string&>().empty()))
      fail(key, non_empty ? "a non-empty string" : "a string", v);
    return v.get<std::string>();
  }
  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!object_[key].is_boolean()) fail(key, "true or false", object_[key]);
    return object_[key].get<bool>();
  }
  std::vector<std::string> strings(const std::string& key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const json& v = object_[key];
    if (!v.is_array()) fail(key, "a list of non-empty strings", v);
    for (const json& s : v) {
      if (!s.is_string() || s.get_ref<const std::string&>().empty()) fail(key, "a list of non-empty strings", v);
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  const json& at(const std::string& key) const { return object_[key]; }

  [[noreturn]] void fail(const std::string& key, const std::string& expected, const json& got) const {
    throw Error(prefix_ + key + ": expected " + expected + ", got " + shown_json(got));
  }

 private:
  const json& object_;
  std::string prefix_;
  std::vector<std::string> known_;
};

// The fields each optimizer or schedule takes: its row of the catalog (config_catalog.h).
std::vector<std::string> optimizer_fields(const std::string& name) {
  std::vector<std::string> f{"name"};
  if (const OptimizerSpec* spec = find_optimizer(name))
    for (const FieldSpec& field : spec->fields) f.push_back(field.name);
  return f;
}

std::vector<std::string> schedule_fields(const std::string& type) {
  std::vector<std::string> f{"type"};
  if (const ScheduleSpec* spec = find_schedule(type))
    for (const FieldSpec& field : spec->fields) f.push_back(field.name);
  return f;
}

// The config's member behind each catalog field name. A new optimizer or schedule that reuses
// these fields is one catalog row; a new field is one member and one line in each function.
void set_field(OptimizerConfig& o, const std::string& name, const json& v) {
  if (name == "lr") o.lr = v.get<double>();
  else if (name == "momentum") o.momentum = v.get<double>();
  else if (name == "nesterov") o.nesterov = v.get<bool>();
  else if (name == "b1") o.b1 = v.get<double>();
  else if (name == "b2") o.b2 = v.get<double>();
  else if (name == "eps") o.eps = v.get<double>();
  else if (name == "weight_decay") o.weight_decay = v.get<double>();
  else if (name == "decay") o.decay = v.get<double>();
  else throw Error("optimizer." + name + ": the catalog names a field OptimizerConfig does not have");
}
json get_field(const OptimizerConfig& o, const std::string& name) {
  if (name == "lr") return o.lr;
  if (name == "momentum") return o.momentum;
  if (name == "nesterov") return o.nesterov;
  if (name == "b1") return o.b1;
  if (name == "b2") return o.b2;
  if (name == "eps") return o.eps;
  if (name == "weight_decay") return o.weight_decay;
  if (name == "decay") return o.decay;
  throw Error("optimizer." + name + ": the catalog names a field OptimizerConfig does not have");
}
void set_field(ScheduleConfig& s, const std::string& name, const json& v) {
  if (name == "unit") s.unit = v.get<std::string>();
  else if (name == "transition_steps") s.transition_steps = v.get<int64_t>();
  else if (name == "decay_rate") s.decay_rate = v.get<double>();
  else if (name == "staircase") s.staircase = v.get<bool>();
  else if (name == "decay_steps") s.decay_steps = v.get<int64_t>();
  else if (name == "warmup_steps") s.warmup_steps = v.get<int64_t>();
  else if (name == "alpha") s.alpha = v.get<double>();
  else if (name == "end_value") s.end_value = v.get<double>();
  else throw Error("schedule." + name + ": the catalog names a field ScheduleConfig does not have");
}
json get_field(const ScheduleConfig& s, const std::string& name) {
  if (name == "unit") return s.unit;
  if (name == "transition_steps") return s.transition_steps;
  if (name == "decay_rate") return s.decay_rate;
  if (name == "staircase") return s.staircase;
  if (name == "decay_steps") return s.decay_steps;
  if (name == "warmup_steps") return s.warmup_steps;
  if (name == "alpha") return s.alpha;
  if (name == "end_value") return s.end_value;
  throw Error("schedule." + name + ": the catalog names a field ScheduleConfig does not have");
}

OptimizerConfig parse_optimizer(const json& j) {
  // A bare name ("adam") takes every default.
  const json object = j.is_string() ? json{{"name", j}} : j;
  if (!object.is_object()) throw Error("optimizer: expected an object or a name, got " + shown_json(j));
  OptimizerConfig o;
  if (object.contains("name")) {
    if (!object["name"].is_string()) throw Error("optimizer.name: expected a string, got " + shown_json(object["name"]));
    o.name = object["name"].get<std::string>();
  }
  const OptimizerSpec* spec = find_optimizer(o.name);
  if (!spec) throw Error("optimizer.name: unknown optimizer '" + o.name + "' (known: " + join(optimizer_names()) + ")");
  Fields f(object, "optimizer.", optimizer_fields(o.name));  // refuses unknown fields
  for (const FieldSpec& field : spec->fields)
    set_field(o, field.name, f.has(field.name) ? field.parse(f.at(field.name), "optimizer.") : field.default_value);
  if (o.nesterov && o.momentum == 0)
    throw Error("optimizer.nesterov: needs optimizer.momentum > 0 (Nesterov momentum with no momentum)");
  return o;
}

ScheduleConfig parse_schedule(const json& j) {
  const json object = j.is_string() ? json{{"type", j}} : j;
  if (!object.is_object()) throw Error("schedule: expected an object or a type name, got " + shown_json(j));
  ScheduleConfig s;
  if (object.contains("type")) {
    if (!object["type"].is_string()) throw Error("schedule.type: expected a string, got " + shown_json(object["type"]));
    s.type = object["type"].get<std::string>();
  }
  const ScheduleSpec* spec = find_schedule(s.type);
  if (!spec) throw Error("schedule.type: unknown schedule '" + s.type + "' (known: " + join(schedule_names()) + ")");
  Fields f(object, "schedule.", schedule_fields(s.type));
  for (const FieldSpec& field : spec->fields)
    set_field(s, field.name, f.has(field.name) ? field.parse(f.at(field.name), "schedule.") : field.default_value);
  if (s.type == "warmup_cosine_decay" && s.warmup_steps > s.decay_steps)
    throw Error("schedule.warmup_steps: " + std::to_string(s.warmup_steps) +
                " is more than schedule.decay_steps (" + std::to_string(s.decay_steps) + ")");
  return s;
}

std::vector<std::string> data_names_hint() { return data::dataset_names(); }

}  // namespace

std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const OptimizerSpec& o : optimizer_catalog()) names.push_back(o.name);
  return names;
}
std::vector<std::string> schedule_names() {
  std::vector<std::string> names;
  for (const ScheduleSpec& s : schedule_catalog()) names.push_back(s.type);
  return names;
}

json resolve_model_spec(const std::string& model) {
  if (model.rfind("builtin:", 0) == 0) return nn::builtin_spec(model.substr(8));
  namespace fs = std::filesystem;
  std::error_code ec;
  GS_CHECK(!model.empty(), "model: expected builtin:NAME or a model spec file, got an empty string");
  GS_CHECK(fs::is_regular_file(model, ec),
           "model: '" + model + "' is neither builtin:NAME (" + join(nn::builtin_spec_names()) +
               ") nor a readable model spec file");
  GS_CHECK(fs::file_size(model, ec) < 16'000'000, "model: spec file '" + model + "' is over 16 MB");
  std::ifstream in(model, std::ios::binary);
  GS_CHECK(in, "model: cannot open '" + model + "'");
  std::stringstream text;
  text << in.rdbuf();
  return parse_json_document(text.str(), "model: '" + model + "'");
}

namespace {

// "file:line:column: " for a byte offset into text (0-based, clamped to the end).
std::string position_in(std::string_view text, size_t at, const std::string& what) {
  at = std::min(at, text.size());
  const std::string_view before = text.substr(0, at);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  return what + ":" + std::to_string(line) + ":" + std::to_string(at - line_start + 1) + ": ";
}

// nlohmann's message without its "[json.exception.X] parse error at line 1, column 2: " prefix.
std::string json_reason(const std::string& message) {
  std::string why = message;
  if (const size_t close = why.find("] "); why.rfind("[json.exception.", 0) == 0 && close != std::string::npos)
    why = why.substr(close + 2);
  if (why.rfind("parse error", 0) == 0)
    if (const size_t colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
  return why;
}

}  // namespace

json parse_json_document(std::string_view text, const std::string& what) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based count of bytes read when the parser stopped (one past the end at an
    // unexpected end of input).
    throw Error(position_in(text, e.byte == 0 ? 0 : e.byte - 1, what) + "not valid JSON: " + json_reason(e.what()));
  } catch (const json::out_of_range& e) {
    // A number beyond double ("1e500") is out_of_range.406 and carries no offset; its message
    // quotes the number, so point at the first place it appears.
    const std::string why = json_reason(e.what());
    const size_t q = why.find('\'');
    const std::string number = q == std::string::npos ? "" : why.substr(q + 1, why.find('\'', q + 1) - q - 1);
    const size_t at = number.empty() ? std::string_view::npos : text.find(number);
    throw Error((at == std::string_view::npos ? what + ": " : position_in(text, at, what)) + "not valid JSON: " + why);
  }
}

RunConfig RunConfig::from_json(const json& j) {
  try {
    Fields f(j, "", {"name", "tags", "notes", "model", "dataset", "optimizer", "schedule", "batch_size", "epochs",
                     "seed", "prng", "backend", "log_every", "eval_every", "eval_batch_size", "checkpoint_every"});
    RunConfig c;
    c.name = f.string("name", "");
    c.tags = f.strings("tags");
    c.notes = f.string("notes", "");
    if (!f.has("model")) throw Error("model: required (builtin:mlp, builtin:cnn, a spec file or a spec object)");
    const json& model = f.at("model");
    if (model.is_string()) c.model = resolve_model_spec(model.get<std::string>());
    else if (model.is_object()) c.model = model;
    else f.fail("model", "builtin:NAME, a spec file name or a model spec object", model);
    if (!f.has("dataset")) throw Error("dataset: required (" + join(data_names_hint()) + ")");
    const json& ds = f.at("dataset");
    if (ds.is_string()) {
      c.dataset = ds.get<std::string>();
    } else {
      Fields d(ds, "dataset.", {"name", "limit"});
      if (!d.has("name")) throw Error("dataset.name: required");
      c.dataset = d.string("name", "", true);
      c.limit = d.integer("limit", 0, 0, kMaxConfigCount);
    }
    if (f.has("optimizer")) c.optimizer = parse_optimizer(f.at("optimizer"));
    if (f.has("schedule")) c.schedule = parse_schedule(f.at("schedule"));
    c.batch_size = f.integer("batch_size", c.batch_size, 1, 1'000'000);
    c.epochs = f.integer("epochs", c.epochs, 1, 1'000'000);
    c.seed = f.integer("seed", c.seed, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    c.prng = std::string(random::prng_mode_name(random::parse_prng_mode(f.string("prng", c.prng, true), "prng")));
    c.backend = f.string("backend", c.backend, true);
    c.log_every = f.integer("log_every", c.log_every, 1, kMaxConfigCount);
    c.eval_every = f.integer("eval_every", c.eval_every, 0, kMaxConfigCount);
    c.eval_batch_size = f.integer("eval_batch_size", c.eval_batch_size, 1, 1'000'000);
    c.checkpoint_every = f.integer("checkpoint_every", c.checkpoint_every, 0, kMaxConfigCount);
    c.validate();
    return c;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {  // a json type error deep inside a spec, say
    throw Error(std::string("run config: ") + e.what());
  }
}

RunConfig RunConfig::from_json_text(std::string_view text) {
  return from_json(parse_json_document(text, "run config"));
}

json RunConfig::to_json() const {
  json o{{"name", optimizer.name}};
  for (const std::string& field : optimizer_fields(optimizer.name))
    if (field != "name") o[field] = get_field(optimizer, field);
  json s{{"type", schedule.type}};
  for (const std::string& field : schedule_fields(schedule.type))
    if (field != "type") s[field] = get_field(schedule, field);
  return json{{"name", name},
              {"tags", tags},
              {"notes", notes},
              {"model", model},
              {"dataset", {{"name", dataset}, {"limit", limit}}},
              {"optimizer", o},
              {"schedule", s},
              {"batch_size", batch_size},
              {"epochs", epochs},
              {"seed", seed},
              {"prng", prng},
              {"backend", backend},
              {"log_every", log_every},
              {"eval_every", eval_every},
              {"eval_batch_size", eval_batch_size},
              {"checkpoint_every", checkpoint_every}};
}

void RunConfig::validate() const {
  GS_CHECK(is_known_dataset(dataset),
           "dataset.name: unknown dataset '" + dataset + "' (known: " + join(data_names_hint()) + ")");
  GS_CHECK(find_backend(backend) != nullptr, "backend: unknown backend '" + backend + "' (known: cpu, reference)");
  GS_CHECK(batch_size >= 1 && epochs >= 1 && log_every >= 1 && eval_batch_size >= 1 && limit >= 0,
           "run config: batch_size, epochs, log_every and eval_batch_size must be positive, limit >= 0");
  if (limit > 0)
    GS_CHECK(limit >= batch_size, "dataset.limit: " + std::to_string(limit) + " examples make no batch of " +
                                      std::to_string(batch_size) + " (batch_size); raise the limit or lower the batch");
  nn::Sequential m = build_model();  // names the layer at fault
  GS_CHECK(m.input_shape().has_value(), "model: the spec has no input_shape (e.g. [28, 28, 1])");
  // Shapes only: nothing is allocated, so a 10^10-parameter model is refused here with its count.
  std::vector<nn::LayerInfo> layers;
  try {
    layers = nn::describe(m, nn::batched_input_shape(m, batch_size));
    nn::check_model_size(layers);
  } catch (const Error& e) {
    throw Error(std::string("model: ") + e.what());
  }
  // Shapes of the datasets whose shape is fixed (an mnist-idx folder may hold other sizes; loading
  // checks those). No file is read here: the run form validates on every change.
  if (dataset.rfind("mnist-idx:", 0) != 0) {
    const DatasetInfo info = describe_dataset(dataset, data::DatasetPaths::defaults(), /*look_at_files=*/false);
    const struct {
      Shape input;
      int64_t outputs;
      bool classes;
    } shape{Shape(info.input_shape.begin(), info.input_shape.end()), info.outputs, info.num_classes > 0};
    const auto* ds = &shape;
    GS_CHECK(*m.input_shape() == ds->input,
             "model: input_shape " + nn::shape_tuple(*m.input_shape()) + " does not match dataset '" + dataset +
                 "', whose examples are " + nn::shape_tuple(ds->input));
    const Shape out = layers.empty() ? nn::batched_input_shape(m, batch_size) : layers.back().output_shape;
    GS_CHECK(out.size() == 2 && out[1] == ds->outputs,
             "model: output " + nn::shape_tuple(out) + " does not fit dataset '" + dataset + "': it needs (batch, " +
                 std::to_string(ds->outputs) + ") " + (ds->classes ? "class logits" : "regression targets"));
  }
}

nn::Sequential RunConfig::build_model() const {
  try {
    return nn::from_spec(model);
  } catch (const Error& e) {
    throw Error(std::string("model: ") + e.what());
  }
}

optim::ScalarOrSchedule RunConfig::build_learning_rate(int64_t steps_per_epoch) const {
  GS_CHECK(steps_per_epoch >= 1, "build_optimizer: steps_per_epoch must be positive");
  ScheduleConfig s = schedule;
  if (s.unit == "epochs") {  // optax counts steps: scale the schedule's lengths
    s.transition_steps = nn::mul_sat(s.transition_steps, steps_per_epoch);
    s.decay_steps = nn::mul_sat(s.decay_steps, steps_per_epoch);
    s.warmup_steps = nn::mul_sat(s.warmup_steps, steps_per_epoch);
  }
  const ScheduleSpec* spec = find_schedule(s.type);
  GS_CHECK(spec, "schedule.type: unknown schedule '" + s.type + "'");
  return spec->build(optimizer.lr, s);
}

double learning_rate_at(const optim::ScalarOrSchedule& lr, int64_t count) {
  // What the update multiplies by: a float32 scalar either way (optim::scale and
  // scale_by_schedule, which evaluates the schedule at the int32 count of updates done before).
  if (!lr.is_schedule()) return static_cast<double>(static_cast<float>(lr.value()));
  const int64_t c = std::clamp<int64_t>(count, 0, std::numeric_limits<int32_t>::max());
  return lr.schedule()(Tensor(Array::scalar(static_cast<double>(c), DType::i32))).item();
}

optim::GradientTransformation RunConfig::build_optimizer(int64_t steps_per_epoch) const {
  const optim::ScalarOrSchedule lr = build_learning_rate(steps_per_epoch);
  const OptimizerSpec* spec = find_optimizer(optimizer.name);
  GS_CHECK(spec, "optimizer.name: unknown optimizer '" + optimizer.name + "'");
  return spec->build(optimizer, lr);
}

std::string RunConfig::display_name() const {
  if (!name.empty()) return name;
  std::string model_name = model.is_object() && model.contains("name") && model["name"].is_string()
                               ? model["name"].get<std::string>()
                               : "model";
  return (model_name.empty() ? "model" : model_name) + "-" + dataset;
}

}  // namespace engine::train
