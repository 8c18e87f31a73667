#include "engine/train/train_steps.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"
#include "engine/data/batcher.h"
#include "engine/nn/model_spec.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/train/losses.h"
#include "engine/train/metrics.h"
#include "engine/transforms/autodiff.h"

namespace engine::train {

namespace {

const nn::ApplyOptions kEval{};

// Mean loss and accuracy of a batch: the one definition the train and eval steps share.
std::pair<Tensor, Tensor> loss_and_accuracy(const Tensor& out, const Tensor& y, Task task) {
  if (task.classification)
    return {mean(softmax_cross_entropy_with_integer_labels(out, y)), accuracy(out, y)};
  return {mean_squared_error(out, y), zeros({})};
}

}  // namespace

namespace {

data::Split random_subset(const data::Split& split, int64_t limit, uint32_t stream) {
  const int64_t n = split.size();
  if (limit <= 0 || limit >= n) return split;
  const std::vector<int32_t> perm = random::permutation(random::fold_in(random::PRNGKey(0), stream), n)
                                        .to_vector<int32_t>();
  std::vector<int64_t> rows(perm.begin(), perm.begin() + limit);
  std::sort(rows.begin(), rows.end());
  return {data::take_rows(split.x, rows.data(), limit), data::take_rows(split.y, rows.data(), limit)};
}

}  // namespace

data::Dataset load_run_dataset(const std::string& name, int64_t limit, data::Splits splits) {
  data::Dataset d = data::load_dataset(name, 0, data::DatasetPaths::defaults(), splits);
  if (d.train.size() > 0) d.train = random_subset(d.train, limit, 0);
  d.test = random_subset(d.test, limit, 1);
  return d;
}

Task task_for(const nn::Sequential& model, const data::Dataset& dataset, int64_t batch_size) {
  const data::Split& split = dataset.train.size() > 0 ? dataset.train : dataset.test;  // a test-only load
  const Shape x = split.x.shape();
  Shape example(x.begin() + 1, x.end());
  GS_CHECK(model.input_shape().has_value(), "model: the spec has no input_shape");
  GS_CHECK(*model.input_shape() == example,
           "model: input_shape " + nn::shape_tuple(*model.input_shape()) + " does not match dataset '" +
               dataset.name + "', whose examples are " + nn::shape_tuple(example));
  const Shape out = model.output_shape(nn::batched_input_shape(model, batch_size));
  Task task;
  task.classification = dataset.num_classes > 0;
  task.num_classes = dataset.num_classes;
  if (task.classification) {
    GS_CHECK(out.size() == 2 && out[1] == dataset.num_classes,
             "model: output " + nn::shape_tuple(out) + " does not fit dataset '" + dataset.name + "': it needs (" +
                 std::to_string(batch_size) + ", " + std::to_string(dataset.num_classes) + ") class logits");
  } else {
    const Shape y = split.y.shape();
    Shape want{batch_size};
    want.insert(want.end(), y.begin() + 1, y.end());
    GS_CHECK(out == want, "model: output " + nn::shape_tuple(out) + " does not fit dataset '" + dataset.name +
                              "': its targets need " + nn::shape_tuple(want));
  }
  return task;
}

TrainState initial_state(const RunConfig& config, const nn::Sequential& model, int64_t steps_per_epoch) {
  const Array key = random::fold_in(random::PRNGKey(config.seed), 0);
  PyTree variables = model.init(key, Tensor(Array::zeros(DType::f32, nn::batched_input_shape(model, 1))));
  PyTree extra;  // None unless the model keeps batch statistics
  if (variables.contains("batch_stats")) extra = PyTree::dict({{"batch_stats", variables["batch_stats"]}});
  ApplyFn apply = [model](const PyTree& vars, const PyTree& inputs) -> PyTree {
    return model.apply(vars, inputs.leaf(), kEval).out;
  };
  return TrainState::create(apply, variables["params"], config.build_optimizer(steps_per_epoch), extra);
}

JitFn make_train_step(const TrainState& like, const nn::Sequential& model, Task task) {
  const bool has_stats = !like.extra.is_none();
  return jit([base = like, model, task, has_stats](PyTree tree, Tensor x, Tensor y, Tensor dropout_key) {
    TrainState s = base.from_tree(tree);
    nn::ApplyOptions opts{.train = true, .dropout_key = dropout_key};
    if (has_stats) opts.mutable_collections = {"batch_stats"};
    auto loss_fn = [&](const PyTree& params) {
      nn::ApplyResult r = model.apply(s.with_params(params).variables(), x, opts);
      auto [loss, acc] = loss_and_accuracy(r.out, y, task);
      return PyTree::tuple({loss, PyTree::tuple({acc, r.updated})});
    };
    // ((loss, (accuracy, updated collections)), grads)
    PyTree vg = value_and_grad(loss_fn, GradOptions{.has_aux = true})(s.params);
    TrainState next = s.apply_gradients(vg[1]);
    if (has_stats) next = next.with_extra(vg[0][1][1]);
    return PyTree::tuple({next.to_tree(), vg[0][0], vg[0][1][0]});
  });
}

JitFn make_eval_step(const nn::Sequential& model, Task task) {
  return jit([model, task](PyTree variables, Tensor x, Tensor y) {
    auto [loss, acc] = loss_and_accuracy(model.apply(variables, x, kEval).out, y, task);
    return PyTree::tuple({loss, acc});
  });
}

EvalResult evaluate(const JitFn& eval_step, const PyTree& variables, const data::Split& split, Task task,
                    int64_t batch_size) {
  GS_CHECK(split.size() > 0, "evaluate: the split has no examples");
  data::Batcher batches(split, batch_size, random::PRNGKey(0), /*shuffle=*/false, /*drop_remainder=*/false);
  batches.start_epoch(0);
  MetricsAccumulator acc;
  for (int64_t i = 0; i < batches.num_batches(); ++i) {
    auto [x, y] = batches.batch(i);
    PyTree out = eval_step(variables, Tensor(x), Tensor(y));
    const double n = static_cast<double>(x.shape()[0]);
    acc.add("loss", out[0].leaf(), n);
    acc.add("accuracy", out[1].leaf(), n);
  }
  EvalResult r;
  r.loss = acc.mean("loss");
  r.accuracy = task.classification ? acc.mean("accuracy") : std::numeric_limits<double>::quiet_NaN();
  r.examples = split.size();
  return r;
}

void save_checkpoint(const std::string& path, const TrainState& state, int64_t epoch, int64_t run_id,
                     const runs::Metadata& extra) {
  runs::Metadata metadata = extra;
  metadata["format"] = "gradient-studio/train-state-1";
  metadata["step"] = std::to_string(static_cast<int64_t>(state.step.item()));
  metadata["epoch"] = std::to_string(epoch);
  metadata["run"] = std::to_string(run_id);
  runs::save_safetensors_tree(path, state.to_tree(), metadata);
}

TrainState load_checkpoint(const std::string& path, const TrainState& like, runs::Metadata* metadata) {
  PyTree tree = runs::load_safetensors_tree(path, like.to_tree(), metadata);
  return like.from_tree(tree);
}

}  // namespace engine::train
