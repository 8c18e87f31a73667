#include "engine/nn/spec_check.h"

#include <algorithm>
#include <map>

#include "engine/nn/layer_catalog.h"
#include "engine/nn/sequential.h"

namespace engine::nn {

namespace {

using json = nlohmann::json;

bool positive_ints(const json& s) {
  if (!s.is_array()) return false;
  return std::all_of(s.begin(), s.end(),
                     [](const json& e) { return e.is_number_integer() && e.get<int64_t>() > 0; });
}

// The spec's own fields; adds their errors and returns the input shape to check against.
std::optional<Shape> check_top(const json& spec, const std::optional<Shape>& given, SpecReport& r) {
  auto fail = [&](const std::string& field, const std::string& message) {
    r.errors.push_back({-1, field, "model spec: " + message});
  };
  static const std::vector<std::string> kTop{"name", "input_shape", "layers"};
  for (const auto& [key, value] : spec.items())
    if (std::find(kTop.begin(), kTop.end(), key) == kTop.end())
      fail(key, "unknown field '" + key + "'; known: name, input_shape, layers");
  if (spec.contains("name")) {
    if (spec["name"].is_string())
      r.name = spec["name"].get<std::string>();
    else
      fail("name", "'name' must be a string, got " + spec["name"].dump());
  }
  std::optional<Shape> own;
  if (spec.contains("input_shape")) {
    if (positive_ints(spec["input_shape"]))
      own = spec["input_shape"].get<Shape>();
    else if (!given)
      fail("input_shape",
           "'input_shape' must be a list of positive integers, got " + spec["input_shape"].dump());
  }
  if (given) {
    if (std::all_of(given->begin(), given->end(), [](int64_t d) { return d > 0; })) return given;
    fail("input_shape", "the input shape " + shape_tuple(*given) + " must have positive extents");
    return std::nullopt;
  }
  if (!own && !spec.contains("input_shape"))
    fail("input_shape",
         "no input_shape: give the shape of one example without the batch axis, e.g. [28, 28, 1]");
  return own;
}

}  // namespace

std::optional<Shape> SpecReport::output_shape() const {
  if (layers.empty()) {
    if (!input_shape) return std::nullopt;
    Shape s{1};
    s.insert(s.end(), input_shape->begin(), input_shape->end());
    return s;
  }
  return layers.back().output_shape;
}

std::string shape_text(const std::optional<Shape>& s) {
  return s ? shape_tuple(*s) : "unknown";
}

SpecReport check_spec(const json& spec, std::optional<Shape> input_shape) {
  SpecReport r;
  if (!spec.is_object()) {
    r.errors.push_back({-1, "", "model spec: must be a JSON object, got " + spec.dump()});
  } else {
    r.input_shape = check_top(spec, input_shape, r);
    if (!spec.contains("layers"))
      r.errors.push_back({-1, "layers", "model spec: 'layers' is required (a list of layers)"});
    else if (!spec["layers"].is_array())
      r.errors.push_back(
          {-1, "layers", "model spec: 'layers' must be a list, got " + spec["layers"].dump()});
  }
  const json layers = spec.is_object() && spec.contains("layers") && spec["layers"].is_array()
                          ? spec["layers"]
                          : json::array();

  // The shape flowing through the layers; nullopt once unknown (no input, or after an error).
  std::optional<Shape> s;
  if (r.input_shape) {
    s = Shape{1};
    s->insert(s->end(), r.input_shape->begin(), r.input_shape->end());
  }
  std::string unknown_why = r.input_shape ? "" : "no input shape";
  bool prefix_valid = true;           // no layer error so far
  std::map<std::string, int> counts;  // describe()'s naming: "<flax name>_<n>" counted per kind
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerReport l;
    l.index = static_cast<int>(i);
    if (layers[i].is_object() && layers[i].contains("type") && layers[i]["type"].is_string())
      l.type = layers[i]["type"].get<std::string>();
    const CheckedLayer c = check_layer(layers[i], i);
    if (c.def) l.name = c.def->flax_name + "_" + std::to_string(counts[c.def->flax_name]++);
    if (!c.errors.empty()) {
      for (const FieldError& e : c.errors) r.errors.push_back({l.index, e.field, e.message});
      l.status = LayerStatus::error;
      l.message = c.errors.front().message;
    } else if (s) {
      try {
        const ModulePtr m = c.def->build(c.fields);
        l.param_count = m->param_count(*s);
        l.output_shape = m->output_shape(*s);
      } catch (const std::exception& e) {
        l.status = LayerStatus::error;
        l.param_count = 0;
        l.message = "layers[" + std::to_string(i) + "] (" + l.type + "): " + e.what();
        r.errors.push_back({l.index, "", l.message});
      }
    } else {
      l.status = LayerStatus::after_error;
      l.message = "output shape unknown: " + unknown_why;
    }
    if (l.status == LayerStatus::error) {
      s.reset();
      if (unknown_why.empty())
        unknown_why = "follows the error at layers[" + std::to_string(i) + "]";
      prefix_valid = false;
    } else {
      s = l.output_shape;
    }
    if (prefix_valid) r.total_params = add_sat(r.total_params, l.param_count);
    r.layers.push_back(std::move(l));
  }
  if (r.errors.empty() && r.total_params > kMaxParams)
    r.errors.push_back(
        {-1, "",
         "model has " + std::to_string(r.total_params) +
             " parameters, more than the limit of 2^31 = " + std::to_string(kMaxParams)});
  r.ok = r.errors.empty();
  if (!r.ok) r.problem = r.errors.front().message;
  return r;
}

}  // namespace engine::nn
