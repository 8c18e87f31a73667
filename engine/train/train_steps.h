// The pieces of a training run that the Trainer, `gradient-cli eval` and tests share: the task a
// dataset poses, the initial state, the jitted train and eval steps, a whole evaluation pass, and
// checkpoints of a TrainState in safetensors.
#pragma once
#include <map>
#include <string>

#include "engine/data/dataset.h"
#include "engine/nn/sequential.h"
#include "engine/runs/safetensors.h"
#include "engine/train/run_config.h"
#include "engine/train/train_state.h"
#include "engine/transforms/jit.h"

namespace engine::train {

// The run's dataset. With limit > 0 each split keeps `limit` examples drawn at random with a
// fixed key (the same subset for every seed, so runs on one slice compare), sorted back into file
// order. The first N would do for shuffled files such as Fashion-MNIST's, but the MNIST digits
// come grouped by class, and their first 500 are all zeros. The test split's subset does not
// depend on whether the train split is loaded too.
data::Dataset load_run_dataset(const std::string& name, int64_t limit,
                               data::Splits splits = data::Splits::train_and_test);

// Classification (integer labels, softmax cross-entropy, accuracy) or regression (f32 targets,
// mean squared error).
struct Task {
  bool classification = true;
  int64_t num_classes = 0;
};
// Checks that the model's input and output fit the dataset; errors name both shapes.
Task task_for(const nn::Sequential& model, const data::Dataset& dataset, int64_t batch_size);

// Variables from init (key = fold_in(PRNGKey(seed), 0)) and the optimizer's state: step 0.
// The apply_fn is evaluation mode; extra holds {"batch_stats": ...} when the model has any.
TrainState initial_state(const RunConfig& config, const nn::Sequential& model, int64_t steps_per_epoch = 1);

// (state tree, x, y, dropout key) -> tuple(new state tree, loss, accuracy): one optimizer step on
// a batch, BatchNorm statistics updated, accuracy 0 for regression.
JitFn make_train_step(const TrainState& like, const nn::Sequential& model, Task task);
// (variables, x, y) -> tuple(sum of losses, sum of correct predictions) over the batch.
JitFn make_eval_step(const nn::Sequential& model, Task task);

struct EvalResult {
  double loss = 0;
  double accuracy = 0;  // NaN for regression
  int64_t examples = 0;
};
// The whole split in batches of batch_size (the last one shorter).
EvalResult evaluate(const JitFn& eval_step, const PyTree& variables, const data::Split& split, Task task,
                    int64_t batch_size);

// A checkpoint: the TrainState tree (step, params, opt_state, extra = batch_stats) under its slash
// paths, with metadata {"format", "step", "epoch", "run"} and `extra` (e.g. the epoch's running
// metric sums, so a run resumed mid-epoch reports the whole epoch's means).
void save_checkpoint(const std::string& path, const TrainState& state, int64_t epoch, int64_t run_id,
                     const runs::Metadata& extra = {});
// Loads into a state shaped like `like` (its apply_fn and tx are kept). Errors name the file and
// the tensor that does not fit.
TrainState load_checkpoint(const std::string& path, const TrainState& like, runs::Metadata* metadata = nullptr);

}  // namespace engine::train
