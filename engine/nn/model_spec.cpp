#include "engine/nn/model_spec.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/nn/activation.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv.h"
#include "engine/nn/dense.h"
#include "engine/nn/dropout.h"
#include "engine/nn/pooling.h"

namespace engine::nn {

namespace {

using json = nlohmann::json;

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The fields each type takes (activations and flatten take none).
const std::map<std::string, std::vector<std::string>>& fields_by_type() {
  static const std::map<std::string, std::vector<std::string>> kFields = [] {
    std::map<std::string, std::vector<std::string>> m{
        {"dense", {"features", "use_bias"}},
        {"conv", {"features", "kernel_size", "strides", "padding", "dilation", "use_bias"}},
        {"batch_norm", {"momentum", "epsilon"}},
        {"dropout", {"rate"}},
        {"avg_pool", {"window", "strides", "padding"}},
        {"max_pool", {"window", "strides", "padding"}},
        {"flatten", {}}};
    for (const std::string& a : Activation::names()) m[a] = {};
    return m;
  }();
  return kFields;
}

// Reads one layer's fields; every error names "layers[i] (type)" and the field.
class FieldReader {
 public:
  FieldReader(const json& j, std::string where) : j_(j), where_(std::move(where)) {}

  int64_t positive_int(const std::string& f) {
    const json& v = need(f, "a positive integer");
    if (!v.is_number_integer() || v.get<int64_t>() <= 0) fail(f, "must be a positive integer", v);
    return v.get<int64_t>();
  }
  bool boolean(const std::string& f, bool def) {
    if (!j_.contains(f)) return def;
    if (!j_[f].is_boolean()) fail(f, "must be true or false", j_[f]);
    return j_[f].get<bool>();
  }
  // A number in [lo, hi] (or [lo, hi) when hi_open); required when def is absent.
  double number(const std::string& f, std::optional<double> def, double lo, double hi, bool lo_open,
                bool hi_open) {
    if (!j_.contains(f) && def) return *def;
    const std::string range = std::string(lo_open ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + (hi_open ? ")" : "]");
    const json& v = need(f, "a number in " + range);
    const bool ok = v.is_number() && (lo_open ? v.get<double>() > lo : v.get<double>() >= lo) &&
                    (hi_open ? v.get<double>() < hi : v.get<double>() <= hi);
    if (!ok) fail(f, "must be a number in " + range, v);
    return v.get<double>();
  }
  IntList pair(const std::string& f, std::optional<IntList> def) {
    if (!j_.contains(f) && def) return *def;
    const json& v = need(f, "a list of 2 positive integers");
    bool ok = v.is_array() && v.size() == 2;
    for (size_t i = 0; ok && i < 2; ++i) ok = v[i].is_number_integer() && v[i].get<int64_t>() > 0;
    if (!ok) fail(f, "must be a list of 2 positive integers", v);
    return {v[0].get<int64_t>(), v[1].get<int64_t>()};
  }
  std::string padding(const std::string& f, const std::string& def) {
    if (!j_.contains(f)) return def;
    const json& v = j_[f];
    if (!v.is_string() || (v != "SAME" && v != "VALID")) fail(f, "must be \"SAME\" or \"VALID\"", v);
    return v.get<std::string>();
  }

 private:
  static std::string fmt(double d) {
    return d == std::floor(d) ? std::to_string(static_cast<int64_t>(d)) : json(d).dump();
  }
  const json& need(const std::string& f, const std::string& what) {
    if (!j_.contains(f)) throw Error(where_ + ": '" + f + "' is required (" + what + ")");
    return j_[f];
  }
  [[noreturn]] void fail(const std::string& f, const std::string& what, const json& v) {
    throw Error(where_ + ": '" + f + "' " + what + ", got " + v.dump());
  }
  const json& j_;
  std::string where_;
};

ModulePtr layer_from_spec(const json& j, size_t index) {
  const std::string at = "layers[" + std::to_string(index) + "]";
  const std::string types = join(layer_types());
  if (!j.is_object()) throw Error(at + ": must be an object with a \"type\", got " + j.dump());
  if (!j.contains("type")) throw Error(at + ": missing \"type\"; known types: " + types);
  if (!j["type"].is_string()) throw Error(at + ": \"type\" must be a string, got " + j["type"].dump());
  const std::string type = j["type"].get<std::string>();
  auto it = fields_by_type().find(type);
  if (it == fields_by_type().end())
    throw Error(at + ": unknown type '" + type + "'; known types: " + types);
  const std::string where = at + " (" + type + ")";
  for (const auto& [key, value] : j.items()) {
    if (key == "type") continue;
    if (std::find(it->second.begin(), it->second.end(), key) == it->second.end()) {
      const std::string takes = it->second.empty() ? "no fields" : "fields: " + join(it->second);
      throw Error(where + ": unknown field '" + key + "'; " + type + " takes " + takes);
    }
  }
  FieldReader r(j, where);
  if (type == "dense") {
    const int64_t features = r.positive_int("features");
    return dense(features, r.boolean("use_bias", true));
  }
  if (type == "conv") {
    ConvConfig c;
    c.features = r.positive_int("features");
    c.kernel_size = r.pair("kernel_size", IntList{3, 3});
    c.strides = r.pair("strides", IntList{1, 1});
    c.padding = r.padding("padding", "SAME");
    c.dilation = r.pair("dilation", IntList{1, 1});
    c.use_bias = r.boolean("use_bias", true);
    return std::make_shared<Conv>(c);
  }
  if (type == "batch_norm") {
    const double momentum = r.number("momentum", 0.99, 0, 1, false, false);
    const double epsilon = r.number("epsilon", 1e-5, 0, 1, true, false);
    return batch_norm(momentum, epsilon);
  }
  if (type == "dropout") return dropout(r.number("rate", std::nullopt, 0, 1, false, true));
  if (type == "avg_pool" || type == "max_pool") {
    PoolConfig c;
    c.window = r.pair("window", std::nullopt);
    c.strides = r.pair("strides", IntList{1, 1});
    c.padding = r.padding("padding", "VALID");
    return std::make_shared<Pool>(type == "avg_pool" ? Pool::Op::avg : Pool::Op::max, c);
  }
  if (type == "flatten") return flatten();
  return activation(type);
}

json layer_to_spec(const Module& m, size_t index) {
  if (const auto* d = dynamic_cast<const Dense*>(&m))
    return {{"type", "dense"}, {"features", d->features()}, {"use_bias", d->use_bias()}};
  if (const auto* c = dynamic_cast<const Conv*>(&m)) {
    const ConvConfig& k = c->config();
    return {{"type", "conv"},       {"features", k.features}, {"kernel_size", k.kernel_size},
            {"strides", k.strides}, {"padding", k.padding},   {"dilation", k.dilation},
            {"use_bias", k.use_bias}};
  }
  if (const auto* b = dynamic_cast<const BatchNorm*>(&m))
    return {{"type", "batch_norm"}, {"momentum", b->momentum()}, {"epsilon", b->epsilon()}};
  if (const auto* d = dynamic_cast<const Dropout*>(&m)) return {{"type", "dropout"}, {"rate", d->rate()}};
  if (const auto* p = dynamic_cast<const Pool*>(&m)) {
    return {{"type", p->kind()},
            {"window", p->config().window},
            {"strides", p->config().strides},
            {"padding", p->config().padding}};
  }
  if (dynamic_cast<const Flatten*>(&m)) return {{"type", "flatten"}};
  if (const auto* a = dynamic_cast<const Activation*>(&m)) return {{"type", a->name()}};
  throw Error("to_spec: layers[" + std::to_string(index) + "] (" + m.kind() +
              ") has no spec form (specs hold only the built-in layer types)");
}

}  // namespace

std::vector<std::string> layer_types() {
  std::vector<std::string> out{"dense", "conv", "batch_norm", "dropout", "avg_pool", "max_pool", "flatten"};
  for (const std::string& a : Activation::names()) out.push_back(a);
  return out;
}

Sequential from_spec(const json& spec) {
  if (!spec.is_object()) throw Error("model spec: must be a JSON object, got " + spec.dump());
  static const std::vector<std::string> kTop{"name", "input_shape", "layers"};
  for (const auto& [key, value] : spec.items())
    if (std::find(kTop.begin(), kTop.end(), key) == kTop.end())
      throw Error("model spec: unknown field '" + key + "'; known: " + join(kTop));
  std::string name;
  if (spec.contains("name")) {
    if (!spec["name"].is_string()) throw Error("model spec: 'name' must be a string, got " + spec["name"].dump());
    name = spec["name"].get<std::string>();
  }
  std::optional<Shape> input_shape;
  if (spec.contains("input_shape")) {
    const json& s = spec["input_shape"];
    bool ok = s.is_array();
    for (size_t i = 0; ok && i < s.size(); ++i) ok = s[i].is_number_integer() && s[i].get<int64_t>() > 0;
    if (!ok) throw Error("model spec: 'input_shape' must be a list of positive integers, got " + s.dump());
    input_shape = s.get<Shape>();
  }
  if (!spec.contains("layers")) throw Error("model spec: 'layers' is required (a list of layers)");
  if (!spec["layers"].is_array()) throw Error("model spec: 'layers' must be a list, got " + spec["layers"].dump());
  std::vector<ModulePtr> layers;
  for (size_t i = 0; i < spec["layers"].size(); ++i) layers.push_back(layer_from_spec(spec["layers"][i], i));
  return Sequential(std::move(layers), name, input_shape);
}

json to_spec(const Sequential& model) {
  json j = json::object();
  j["name"] = model.name();
  if (model.input_shape()) j["input_shape"] = *model.input_shape();
  j["layers"] = json::array();
  for (size_t i = 0; i < model.layers().size(); ++i) j["layers"].push_back(layer_to_spec(*model.layers()[i], i));
  return j;
}

std::vector<std::string> builtin_spec_names() { return {"cnn", "linear", "mlp"}; }

json builtin_spec(const std::string& name) {
  if (name == "mlp") {
    // DESIGN workflow 2: flatten 784 -> Dense 512 -> swish -> Dense 10.
    return json::parse(R"({"name": "mlp", "input_shape": [28, 28, 1], "layers": [
      {"type": "flatten"}, {"type": "dense", "features": 512}, {"type": "swish"},
      {"type": "dense", "features": 10}]})");
  }
  if (name == "cnn") {
    // DESIGN workflow 3 (Flax's Fashion-MNIST CNN).
    return json::parse(R"({"name": "cnn", "input_shape": [28, 28, 1], "layers": [
      {"type": "conv", "features": 32, "kernel_size": [3, 3]}, {"type": "batch_norm"}, {"type": "relu"},
      {"type": "avg_pool", "window": [2, 2], "strides": [2, 2]},
      {"type": "conv", "features": 64, "kernel_size": [3, 3]}, {"type": "batch_norm"}, {"type": "relu"},
      {"type": "avg_pool", "window": [2, 2], "strides": [2, 2]},
      {"type": "flatten"}, {"type": "dense", "features": 256}, {"type": "relu"},
      {"type": "dense", "features": 10}]})");
  }
  if (name == "linear") {
    // DESIGN workflow 1: one Dense unit over the 10 features of synthetic-regression.
    return json::parse(R"({"name": "linear", "input_shape": [10], "layers": [
      {"type": "dense", "features": 1}]})");
  }
  throw Error("unknown built-in model spec '" + name + "'; known: " + join(builtin_spec_names()));
}

Shape batched_input_shape(const Sequential& model, int64_t batch) {
  GS_CHECK(model.input_shape().has_value(),
           "model '" + model.name() + "' has no input_shape; give the input shape explicitly");
  Shape s{batch};
  s.insert(s.end(), model.input_shape()->begin(), model.input_shape()->end());
  return s;
}

}  // namespace engine::nn
