// The layer catalog: every layer type a model spec knows, with its fields, their kinds, defaults,
// ranges, choices and one-line docs. It is the single description that the spec reader and writer
// (model_spec.cpp), the non-throwing checker (spec_check.h) and the Model Builder's palette and
// property editor all read, so a layer's fields are spelled out exactly once.
//
// Each layer's row is made in the layer's own file (dense_def() in dense.cpp, ...) and listed once
// in layer_catalog.cpp: adding a layer type is its file plus one row there.
//
//   const LayerDef* d = find_layer("dense");
//   nlohmann::json v = read_fields(*d, {{"type", "dense"}, {"features", 10}}, "layers[0] (dense)");
//   ModulePtr m = d->build(v);                 // Dense(10, use_bias=true)
//   nlohmann::json back = write_layer(*m);     // {"type": "dense", "features": 10, "use_bias":
//   true}
#pragma once
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/nn/module.h"

namespace engine::nn {

enum class FieldKind { integer, number, boolean, int_pair, choice };

struct FieldDef {
  std::string name;  // "features"
  FieldKind kind = FieldKind::integer;
  // The value a spec gets when it leaves the field out; absent: the field is required.
  std::optional<nlohmann::json> default_value;
  // Allowed range of an integer, a number, or each entry of an int_pair; min_open/max_open make
  // that end exclusive. No max: +infinity.
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;
  bool max_open = false;
  std::vector<std::string> choices;  // kind == choice
  std::string doc;                   // one line
  // What a newly added layer starts with when the field is required (the builder's palette).
  nlohmann::json suggested;

  bool required() const { return !default_value.has_value(); }
  // "a positive integer", "a number in [0, 1)", "true or false", "\"SAME\" or \"VALID\"", ...
  std::string expected() const;
  // The value's problem ("must be a positive integer, got -3"), or nullopt when it is allowed.
  std::optional<std::string> problem(const nlohmann::json& value) const;
  // A new layer's value: the default, else `suggested`.
  nlohmann::json initial() const { return default_value ? *default_value : suggested; }
};

struct LayerDef {
  std::string type;       // the spec's "type": "dense", "avg_pool", "relu"
  std::string flax_name;  // Module::kind(), which describe() numbers: "Dense", "avg_pool", "relu"
  std::string category;   // one of layer_categories()
  std::string doc;        // one line
  std::vector<FieldDef> fields;
  // The module for validated fields (read_fields' result: every field present, defaults filled).
  std::function<ModulePtr(const nlohmann::json& fields)> build;
  // A module's fields (every one, defaults included, without "type"); nullopt when the module is
  // not this layer type.
  std::function<std::optional<nlohmann::json>(const Module& m)> write;

  const FieldDef* field(const std::string& name) const;
  std::vector<std::string> field_names() const;
};

// Every layer type, in the order layer_types() lists them.
const std::vector<LayerDef>& layer_catalog();
// nullptr for an unknown type.
const LayerDef* find_layer(const std::string& type);
// "core", "convolution", "normalization", "regularization", "pooling", "activation", "reshape".
const std::vector<std::string>& layer_categories();

// One problem of one layer: the field it is about ("type" for a missing or unknown type, "" when
// the layer is not an object) and the message, worded as the spec reader throws it.
struct FieldError {
  std::string field;
  std::string message;  // "layers[2] (dense): 'features' must be a positive integer, got -3"
};

// A layer of a spec, checked without throwing: its definition (nullptr when the type is missing
// or unknown), its fields with defaults filled in (when there are no errors), and every problem
// found: unknown fields first, then each field in the catalog's order.
struct CheckedLayer {
  const LayerDef* def = nullptr;
  nlohmann::json fields = nlohmann::json::object();
  std::vector<FieldError> errors;
};
CheckedLayer check_layer(const nlohmann::json& layer, size_t index);

// A layer's validated fields with defaults filled in. Throws engine::Error as the spec reader
// words it: "<where>: 'features' must be a positive integer, got -3", "<where>: unknown field
// 'feature'; dense takes fields: features, use_bias". `layer` is the spec's layer object.
nlohmann::json read_fields(const LayerDef& def, const nlohmann::json& layer,
                           const std::string& where);
// The spec reader for layers[index]: checks "type", then read_fields, then build.
ModulePtr layer_from_json(const nlohmann::json& layer, size_t index);
// The module's spec object ({"type": ..., every field}); throws for a module outside the catalog.
nlohmann::json layer_to_json(const Module& m, size_t index = 0);
// A new layer of that type: required fields get their suggested value, optional ones are left
// out (the spec reader fills the defaults).
nlohmann::json new_layer(const std::string& type);

// Field rows for the common cases, for the layers' own *_def() functions.
FieldDef positive_int_field(std::string name, std::string doc, std::optional<int64_t> def,
                            int64_t suggested = 1);
FieldDef bool_field(std::string name, std::string doc, bool def);
FieldDef number_field(std::string name, std::string doc, std::optional<double> def, double min,
                      double max, bool min_open, bool max_open, double suggested = 0);
// A (height, width) pair of positive integers.
FieldDef int_pair_field(std::string name, std::string doc, std::optional<std::vector<int64_t>> def,
                        std::vector<int64_t> suggested = {2, 2});
FieldDef choice_field(std::string name, std::string doc, std::vector<std::string> choices,
                      std::optional<std::string> def);

}  // namespace engine::nn
