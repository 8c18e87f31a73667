// The model builder's checker: a model spec checked layer by layer without throwing, so that every
// layer gets a status, an output shape and a parameter count even when some layer is wrong.
//
//   SpecReport r = check_spec(builtin_spec("mlp"), Shape{28, 28, 1});
//   r.layers[3].name == "Dense_1", *r.layers[3].output_shape == Shape{1, 10}, r.total_params ==
//   407050
//
// Only shape inference runs (Module::output_shape / param_count): nothing is allocated, so it is
// cheap enough to run on every edit. Messages are worded as from_spec() throws them.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/shape.h"

namespace engine::nn {

struct SpecError {
  int layer = -1;       // index into "layers"; -1: the spec as a whole (name, input_shape, layers)
  std::string field;    // the field at fault ("features", "type", "input_shape"); "" for shapes
  std::string message;  // "layers[2] (dense): 'features' must be a positive integer, got -3"
};

enum class LayerStatus {
  ok,           // fields valid and the input fits
  error,        // a field of its own is wrong, or its input does not fit (shape error)
  after_error,  // fine on its own, but it follows an error so its input shape is unknown
};

struct LayerReport {
  int index = 0;
  std::string type;  // the spec's "type" ("" when missing or not a string)
  std::string name;  // as describe() names it: "Dense_0", "relu_1"; "" for an unknown type
  std::optional<Shape> output_shape;  // batch axis (of 1) first; nullopt when unknown
  int64_t param_count = 0;            // 0 when unknown
  LayerStatus status = LayerStatus::ok;
  std::string message;  // the first error (status error) or why the shape is unknown
};

struct SpecReport {
  std::string name;                  // the spec's "name" ("" when absent or invalid)
  std::optional<Shape> input_shape;  // the one checked against, without the batch axis
  std::vector<LayerReport> layers;
  std::vector<SpecError> errors;  // the spec's own, then each layer's in order
  int64_t total_params = 0;       // of the layers before the first error
  bool ok = false;                // no errors at all
  std::string problem;            // the first error's message; "" when ok

  // The last layer's output shape (the input's with no layers); nullopt when unknown.
  std::optional<Shape> output_shape() const;
};

// input_shape, when given, is what the layers are checked against (a data set's example shape,
// without the batch axis); otherwise the spec's "input_shape". With neither, that is an error and
// every shape is unknown, but every layer's fields are still checked.
SpecReport check_spec(const nlohmann::json& spec, std::optional<Shape> input_shape = std::nullopt);

// "(1, 28, 28, 32)", "unknown" for nullopt.
std::string shape_text(const std::optional<Shape>& s);

}  // namespace engine::nn
