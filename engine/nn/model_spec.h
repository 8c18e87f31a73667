// Model specs: a sequential model as JSON, what the model builder saves and the CLI trains.
//
//   {"name": "mlp", "input_shape": [28, 28, 1],
//    "layers": [{"type": "flatten"}, {"type": "dense", "features": 512}, {"type": "swish"},
//               {"type": "dense", "features": 10}]}
//
// input_shape leaves out the batch axis. Layer types and their fields (defaults in brackets; the
// layer catalog, layer_catalog.h, is the full description that this reader and writer follow):
//   dense       features, use_bias [true]
//   conv        features, kernel_size [[3, 3]], strides [[1, 1]], padding ["SAME"|"VALID"; "SAME"],
//               dilation [[1, 1]], use_bias [true]
//   batch_norm  momentum [0.99], epsilon [1e-5]
//   dropout     rate
//   avg_pool, max_pool  window, strides [[1, 1]], padding ["VALID"]
//   flatten, relu, swish, silu, selu, gelu, tanh, sigmoid, softmax, log_softmax  (no fields)
// Unknown types and unknown fields are errors; every error names the layer index, its type and
// the field: "layers[2] (dense): 'features' must be a positive integer, got -3". check_spec()
// (spec_check.h) reports every layer's problems and shapes without throwing.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/nn/sequential.h"

namespace engine::nn {

Sequential from_spec(const nlohmann::json& spec);
// Every field written out, defaults included, so specs are explicit; from_spec(to_spec(m))
// rebuilds the same model.
nlohmann::json to_spec(const Sequential& model);

// The reference models: "mlp" (784-512-10 with swish), "cnn" (the Fashion-MNIST CNN), "linear"
// (Dense 5 over 10 features: the shapes of synthetic-regression).
nlohmann::json builtin_spec(const std::string& name);
std::vector<std::string> builtin_spec_names();
std::vector<std::string> layer_types();

// (1, input_shape...) for describe(); throws when the spec had no input_shape.
Shape batched_input_shape(const Sequential& model, int64_t batch = 1);

}  // namespace engine::nn
