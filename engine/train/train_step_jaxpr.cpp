#include "engine/train/train_step_jaxpr.h"

#include "engine/nn/model_spec.h"
#include "engine/random/random.h"
#include "engine/train/train_steps.h"
#include "engine/transforms/make_jaxpr.h"

namespace engine::train {

ClosedJaxpr train_step_jaxpr(const nlohmann::json& spec, int64_t batch_size, const RunConfig& config) {
  GS_CHECK(batch_size > 0, "train_step_jaxpr: batch_size must be positive, got " + std::to_string(batch_size));
  nn::Sequential model = nn::from_spec(spec);
  GS_CHECK(model.input_shape().has_value(), "the model spec has no input_shape: the training step "
                                            "needs the shape of one example");
  Shape x_shape{batch_size};
  x_shape.insert(x_shape.end(), model.input_shape()->begin(), model.input_shape()->end());
  Shape out = model.output_shape(x_shape);
  GS_CHECK(out.size() == 2, "the model's output is [" + shape_str(out) +
                                "]; a training step is traced for a classifier with output [batch, classes]");
  Task task{.classification = true, .num_classes = out[1]};
  TrainState state = initial_state(config, model);
  JitFn step = make_train_step(state, model, task);
  // Only avals matter for tracing: zeros of the right shapes.
  Tensor x = Array::zeros(DType::f32, x_shape), y = Array::zeros(DType::i32, {batch_size});
  Tensor key = random::PRNGKey(0);
  return make_jaxpr(step)(state.to_tree(), x, y, key);
}

}  // namespace engine::train
