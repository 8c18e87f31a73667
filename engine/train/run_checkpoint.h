// A recorded run brought back for evaluation: its config, model, last checkpoint's state and the
// dataset to evaluate on (`gradient-cli eval` and the studio's Evaluation panel share this).
//
//   LoadedRun r = load_run_for_eval(db, 7);
//   ClassifierEval e = evaluate_classifier(r.model, r.state.variables(), r.dataset.test, ...);
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "engine/data/dataset.h"
#include "engine/nn/sequential.h"
#include "engine/train/run_config.h"
#include "engine/train/train_state.h"
#include "engine/train/train_steps.h"

namespace engine::train {

struct LoadedRun {
  int64_t id = 0;
  RunConfig config;
  nn::Sequential model = nn::Sequential({});
  Task task;
  TrainState state;                // the last checkpoint's
  std::string checkpoint_path;
  int64_t checkpoint_step = 0;
  std::string dataset_name;        // the run's unless overridden
  data::Dataset dataset;           // its test split only, with the run's limit (a fixed subset) unless overridden
};

// Opens the database read-only, reads run `id` and loads its last checkpoint and the dataset
// (`dataset` empty: the run's; `limit` unset: the run's limit on its own dataset, else all).
// Errors name the run, the checkpoint file or the dataset at fault. Sets the process's PRNG mode
// to the run's while it draws the subset (when it differs), then restores it: a training run of
// the other mode on another thread could draw an epoch's order in the wrong mode meanwhile.
LoadedRun load_run_for_eval(const std::string& db_path, int64_t id, const std::string& dataset = "",
                            std::optional<int64_t> limit = std::nullopt);

}  // namespace engine::train
