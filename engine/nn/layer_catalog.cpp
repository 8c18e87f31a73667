#include "engine/nn/layer_catalog.h"

#include <algorithm>
#include <cmath>

#include "engine/core/strings.h"
#include "engine/nn/activation.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv.h"
#include "engine/nn/dense.h"
#include "engine/nn/dropout.h"
#include "engine/nn/pooling.h"

namespace engine::nn {

namespace {

using json = nlohmann::json;

// One row per layer type; the order is layer_types()'s and the palette's within a category.
std::vector<LayerDef> make_catalog() {
  std::vector<LayerDef> rows{dense_def(),    conv_def(),     batch_norm_def(), dropout_def(),
                             avg_pool_def(), max_pool_def(), flatten_def()};
  for (LayerDef& a : activation_defs()) rows.push_back(std::move(a));
  return rows;
}

std::string fmt(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  return d == std::floor(d) ? std::to_string(static_cast<int64_t>(d)) : json(d).dump();
}

bool in_range(const FieldDef& f, double v) {
  return (f.min_open ? v > f.min : v >= f.min) && (f.max_open ? v < f.max : v <= f.max);
}

bool positive_only(const FieldDef& f) {
  return f.min == 1 && !f.min_open && std::isinf(f.max);
}

std::string range(const FieldDef& f) {
  return std::string(f.min_open ? "(" : "[") + fmt(f.min) + ", " + fmt(f.max) +
         (f.max_open ? ")" : "]");
}

bool integer_in_range(const FieldDef& f, const json& v) {
  return v.is_number_integer() && in_range(f, static_cast<double>(v.get<int64_t>()));
}

}  // namespace

std::string FieldDef::expected() const {
  switch (kind) {
    case FieldKind::integer:
      return positive_only(*this) ? "a positive integer" : "an integer in " + range(*this);
    case FieldKind::number:
      return "a number in " + range(*this);
    case FieldKind::boolean:
      return "true or false";
    case FieldKind::int_pair:
      return positive_only(*this) ? "a list of 2 positive integers"
                                  : "a list of 2 integers in " + range(*this);
    case FieldKind::choice: {
      std::vector<std::string> quoted;
      for (const std::string& c : choices) quoted.push_back("\"" + c + "\"");
      if (quoted.size() == 2) return quoted[0] + " or " + quoted[1];
      return "one of " + join(quoted);
    }
  }
  return "";
}

std::optional<std::string> FieldDef::problem(const json& v) const {
  bool ok = false;
  switch (kind) {
    case FieldKind::integer:
      ok = integer_in_range(*this, v);
      break;
    case FieldKind::number:
      ok = v.is_number() && in_range(*this, v.get<double>());
      break;
    case FieldKind::boolean:
      ok = v.is_boolean();
      break;
    case FieldKind::int_pair:
      ok = v.is_array() && v.size() == 2 && integer_in_range(*this, v[0]) &&
           integer_in_range(*this, v[1]);
      break;
    case FieldKind::choice:
      ok = v.is_string() &&
           std::find(choices.begin(), choices.end(), v.get<std::string>()) != choices.end();
      break;
  }
  if (ok) return std::nullopt;
  return "must be " + expected() + ", got " + v.dump();
}

const FieldDef* LayerDef::field(const std::string& name) const {
  for (const FieldDef& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> LayerDef::field_names() const {
  std::vector<std::string> out;
  for (const FieldDef& f : fields) out.push_back(f.name);
  return out;
}

const std::vector<LayerDef>& layer_catalog() {
  static const std::vector<LayerDef> kCatalog = make_catalog();
  return kCatalog;
}

const LayerDef* find_layer(const std::string& type) {
  for (const LayerDef& d : layer_catalog())
    if (d.type == type) return &d;
  return nullptr;
}

const std::vector<std::string>& layer_categories() {
  static const std::vector<std::string> kCategories{
      "core", "convolution", "normalization", "regularization", "pooling", "activation", "reshape"};
  return kCategories;
}

namespace {

// Every field problem of a layer whose type is known, in the reader's order.
std::vector<FieldError> field_errors(const LayerDef& def, const json& layer,
                                     const std::string& where, json& out) {
  std::vector<FieldError> errors;
  for (const auto& [key, value] : layer.items()) {
    if (key == "type" || def.field(key)) continue;
    const std::string takes =
        def.fields.empty() ? "no fields" : "fields: " + join(def.field_names());
    errors.push_back(
        {key, where + ": unknown field '" + key + "'; " + def.type + " takes " + takes});
  }
  for (const FieldDef& f : def.fields) {
    if (!layer.contains(f.name)) {
      if (f.required())
        errors.push_back({f.name, where + ": '" + f.name + "' is required (" + f.expected() + ")"});
      else
        out[f.name] = *f.default_value;
      continue;
    }
    if (std::optional<std::string> p = f.problem(layer[f.name]))
      errors.push_back({f.name, where + ": '" + f.name + "' " + *p});
    else
      out[f.name] = layer[f.name];
  }
  return errors;
}

}  // namespace

json read_fields(const LayerDef& def, const json& layer, const std::string& where) {
  json out = json::object();
  const std::vector<FieldError> errors = field_errors(def, layer, where, out);
  if (!errors.empty()) throw Error(errors.front().message);
  return out;
}

CheckedLayer check_layer(const json& j, size_t index) {
  CheckedLayer c;
  const std::string at = "layers[" + std::to_string(index) + "]";
  std::vector<std::string> types;
  for (const LayerDef& d : layer_catalog()) types.push_back(d.type);
  if (!j.is_object()) {
    c.errors.push_back({"", at + ": must be an object with a \"type\", got " + j.dump()});
  } else if (!j.contains("type")) {
    c.errors.push_back({"type", at + ": missing \"type\"; known types: " + join(types)});
  } else if (!j["type"].is_string()) {
    c.errors.push_back({"type", at + ": \"type\" must be a string, got " + j["type"].dump()});
  } else if (!(c.def = find_layer(j["type"].get<std::string>()))) {
    c.errors.push_back({"type", at + ": unknown type '" + j["type"].get<std::string>() +
                                    "'; known types: " + join(types)});
  } else {
    c.errors = field_errors(*c.def, j, at + " (" + c.def->type + ")", c.fields);
  }
  if (!c.errors.empty()) c.fields = json::object();
  return c;
}

ModulePtr layer_from_json(const json& j, size_t index) {
  const CheckedLayer c = check_layer(j, index);
  if (!c.errors.empty()) throw Error(c.errors.front().message);
  return c.def->build(c.fields);
}

json layer_to_json(const Module& m, size_t index) {
  for (const LayerDef& d : layer_catalog()) {
    if (d.flax_name != m.kind()) continue;
    if (std::optional<json> fields = d.write(m)) {
      json j = *fields;
      j["type"] = d.type;
      return j;
    }
  }
  throw Error("to_spec: layers[" + std::to_string(index) + "] (" + m.kind() +
              ") has no spec form (specs hold only the built-in layer types)");
}

json new_layer(const std::string& type) {
  const LayerDef* def = find_layer(type);
  GS_CHECK(def != nullptr, "new_layer: unknown layer type '" + type + "'");
  json j = {{"type", type}};
  for (const FieldDef& f : def->fields)
    if (f.required()) j[f.name] = f.suggested;
  return j;
}

namespace {
FieldDef field_of(std::string name, FieldKind kind, std::string doc) {
  FieldDef f;
  f.name = std::move(name);
  f.kind = kind;
  f.doc = std::move(doc);
  return f;
}
}  // namespace

FieldDef positive_int_field(std::string name, std::string doc, std::optional<int64_t> def,
                            int64_t suggested) {
  FieldDef f = field_of(std::move(name), FieldKind::integer, std::move(doc));
  f.min = 1;
  f.suggested = suggested;
  if (def) f.default_value = *def;
  return f;
}

FieldDef bool_field(std::string name, std::string doc, bool def) {
  FieldDef f = field_of(std::move(name), FieldKind::boolean, std::move(doc));
  f.default_value = def;
  f.suggested = def;
  return f;
}

FieldDef number_field(std::string name, std::string doc, std::optional<double> def, double min,
                      double max, bool min_open, bool max_open, double suggested) {
  FieldDef f = field_of(std::move(name), FieldKind::number, std::move(doc));
  f.min = min;
  f.max = max;
  f.min_open = min_open;
  f.max_open = max_open;
  f.suggested = suggested;
  if (def) f.default_value = *def;
  return f;
}

FieldDef int_pair_field(std::string name, std::string doc, std::optional<std::vector<int64_t>> def,
                        std::vector<int64_t> suggested) {
  FieldDef f = field_of(std::move(name), FieldKind::int_pair, std::move(doc));
  f.min = 1;
  f.suggested = suggested;
  if (def) f.default_value = *def;
  return f;
}

FieldDef choice_field(std::string name, std::string doc, std::vector<std::string> choices,
                      std::optional<std::string> def) {
  FieldDef f = field_of(std::move(name), FieldKind::choice, std::move(doc));
  f.choices = std::move(choices);
  f.suggested = f.choices.front();
  if (def) f.default_value = *def;
  return f;
}

}  // namespace engine::nn
