#include "engine/nn/model_spec.h"

#include <algorithm>

#include "engine/core/strings.h"
#include "engine/nn/layer_catalog.h"

namespace engine::nn {

namespace {

using json = nlohmann::json;

}  // namespace

std::vector<std::string> layer_types() {
  std::vector<std::string> out;
  for (const LayerDef& d : layer_catalog()) out.push_back(d.type);
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
  for (size_t i = 0; i < spec["layers"].size(); ++i) layers.push_back(layer_from_json(spec["layers"][i], i));
  return Sequential(std::move(layers), name, input_shape);
}

json to_spec(const Sequential& model) {
  json j = json::object();
  j["name"] = model.name();
  if (model.input_shape()) j["input_shape"] = *model.input_shape();
  j["layers"] = json::array();
  for (size_t i = 0; i < model.layers().size(); ++i) j["layers"].push_back(layer_to_json(*model.layers()[i], i));
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
    // DESIGN workflow 1, the matrix version (Flax basics): Dense(5) over the 10 features of
    // synthetic-regression, whose targets are x W + b with W 10x5. The dataset keeps the tutorial's
    // shapes (examples/linear_regression checks W against it), so the built-in follows the dataset.
    return json::parse(R"({"name": "linear", "input_shape": [10], "layers": [
      {"type": "dense", "features": 5}]})");
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
