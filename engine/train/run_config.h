// RunConfig: everything a training run is built from, as JSON (what the CLI's --config reads, what
// the run history stores and what "re-run with the same config" replays).
//
//   {"name": "mlp-fashion", "tags": ["baseline"], "notes": "",
//    "model": "builtin:mlp",                      // or a model spec object (nn/model_spec.h)
//    "dataset": {"name": "fashion-mnist", "limit": 0},   // limit > 0: N examples per split
//    "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
//    "schedule": {"type": "exponential_decay", "transition_steps": 1000, "decay_rate": 0.95},
//    "batch_size": 32, "epochs": 2, "seed": 0, "backend": "cpu",
//    "prng": "classic",        // or "partitionable": JAX's PRNG mode for init, shuffles, dropout
//    "log_every": 10,          // a step event and metric rows every N steps
//    "eval_every": 1,          // test loss/accuracy every N epochs (and after the last)
//    "checkpoint_every": 1}    // a checkpoint every N epochs (0: only at the end or on stop)
//
// The optimizers, schedules and datasets with their fields, defaults and ranges are the rows of
// config_catalog.h. Every field but "model" and "dataset" has a default. Unknown fields are errors, and every error
// names the field: "optimizer.lr: expected a positive number, got -1". validate() also builds the
// model from its spec and counts its parameters from shapes alone, so a model too large to
// allocate is refused before anything is allocated.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/nn/sequential.h"
#include "engine/optim/base.h"
#include "engine/optim/schedule.h"

namespace engine::train {

struct OptimizerConfig {
  std::string name = "sgd";  // sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad
  double lr = 0.1;
  double momentum = 0.0;       // sgd, rmsprop
  bool nesterov = false;       // sgd
  double b1 = 0.9, b2 = 0.999, eps = 1e-8;  // adam, adamw (eps also rmsprop/adagrad when given)
  double weight_decay = 1e-4;  // adamw
  double decay = 0.9;          // rmsprop
};

struct ScheduleConfig {
  // constant, exponential_decay, cosine_decay, warmup_cosine_decay, linear
  std::string type = "constant";
  // What the lengths below count: "steps" (optimizer steps, as in optax) or "epochs" (DESIGN's
  // workflow 2, lr = 1.0 * 0.95^(epoch / 5): exponential_decay, transition_steps 5, unit epochs).
  std::string unit = "steps";
  int64_t transition_steps = 1000;  // exponential_decay, linear
  double decay_rate = 0.95;         // exponential_decay
  bool staircase = false;           // exponential_decay
  int64_t decay_steps = 1000;       // cosine_decay, warmup_cosine_decay
  int64_t warmup_steps = 0;         // warmup_cosine_decay
  double alpha = 0.0;               // cosine_decay: the final fraction of lr
  double end_value = 0.0;           // linear, warmup_cosine_decay
};

struct RunConfig {
  std::string name;  // "" = the model's name and the dataset
  std::vector<std::string> tags;
  std::string notes;
  nlohmann::json model;  // a model spec (a "builtin:NAME" string is resolved on parsing)
  std::string dataset;
  int64_t limit = 0;  // examples per split, a fixed random subset (train_steps.h); 0 = all
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  int64_t batch_size = 32;
  int64_t epochs = 1;
  int64_t seed = 0;
  std::string prng = "classic";  // the run's PRNG mode: classic or partitionable (random::PrngMode)
  std::string backend = "cpu";  // cpu, reference
  int64_t log_every = 10;
  int64_t eval_every = 1;
  int64_t eval_batch_size = 1000;
  int64_t checkpoint_every = 1;

  // Parses and validates (see the file comment); throws engine::Error naming the field.
  static RunConfig from_json(const nlohmann::json& j);
  // The same from text; malformed JSON is an engine::Error with its position, never another
  // exception type (the fuzzers rely on that).
  static RunConfig from_json_text(std::string_view text);
  // Every field, defaults included; from_json(to_json()) gives the same config.
  nlohmann::json to_json() const;

  // Checks ranges and cross-field rules, builds the model and counts its parameters from shapes.
  void validate() const;
  // The model the spec describes (validated).
  nn::Sequential build_model() const;
  // The optimizer with its schedule; steps_per_epoch converts a schedule counted in epochs.
  optim::GradientTransformation build_optimizer(int64_t steps_per_epoch = 1) const;
  // The learning rate build_optimizer gives the optimizer: a number or a schedule over steps.
  optim::ScalarOrSchedule build_learning_rate(int64_t steps_per_epoch = 1) const;
  // name, or "<model name>-<dataset>" when empty.
  std::string display_name() const;
};

// "builtin:mlp" → the built-in spec, "FILE.json" → that file's spec; errors name the file.
nlohmann::json resolve_model_spec(const std::string& model);

// Parses a JSON document; a syntax error is an Error "WHAT:LINE:COLUMN: not valid JSON: why",
// LINE:COLUMN (1-based, columns in bytes) being where the parser stopped, or where a number too
// large for a double ("1e500") starts.
nlohmann::json parse_json_document(std::string_view text, const std::string& what);
// The learning rate an update multiplies by when `count` updates came before it (optax's count:
// the first step uses count 0), in float32 as the optimizer computes it.
double learning_rate_at(const optim::ScalarOrSchedule& lr, int64_t count);
// The rows of config_catalog.h, in order.
std::vector<std::string> optimizer_names();
std::vector<std::string> schedule_names();

}  // namespace engine::train
