// The jaxpr of one training step of a model spec: forward pass, loss, gradients by reverse mode,
// the optimizer's update, all as one program (hundreds of equations for a small MLP). The
// Autodiff Lab shows it so the whole derivative computation of real training can be read.
#pragma once
#include <nlohmann/json.hpp>

#include "engine/ir/jaxpr.h"
#include "engine/train/run_config.h"

namespace engine::train {

// Traces make_train_step for the model of `spec` (its input_shape required) on a batch of
// `batch_size` examples: a classification task with as many classes as the model has outputs
// (integer labels), the optimizer of `config` (the default RunConfig: its default optimizer).
// Errors name the spec's problem (from_spec) or a missing input_shape.
ClosedJaxpr train_step_jaxpr(const nlohmann::json& spec, int64_t batch_size = 8, const RunConfig& config = {});

}  // namespace engine::train
