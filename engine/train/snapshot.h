// TrainSnapshot: a copy of a training run's variables and optimizer state at one moment (the end
// of an epoch), for the Pytree Inspector to look at while the run goes on.
//
// A copy, not a view: the train step is donated its state tree and writes new parameters over the
// old ones when it holds their only reference (Executable::run). A snapshot that shared those
// buffers would either block that reuse (one allocation per step while the GUI holds it) or, if
// the sharing were ever hidden from the reference count, change under the reader. The copy costs
// one memcpy of the state per epoch (a few MB for the reference models), nothing per step.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/train/train_state.h"
#include "engine/tree/pytree.h"

namespace engine::train {

struct TrainSnapshot {
  int64_t step = 0;   // optimizer steps done when it was taken
  int64_t epoch = 0;  // the epoch that just ended, from 1
  PyTree variables;   // {"params": ..., "batch_stats": ...} (batch_stats only when the model has them)
  PyTree opt_state;   // the optimizer's state, as tx.init made it; None when there is none

  // One tree to look at: {"params", "batch_stats" (if any), "opt_state" (unless None)}. The same
  // layout from every source, so two snapshots compare leaf by leaf.
  PyTree tree() const;
};

// Every leaf in fresh memory of its own; leaves must be concrete arrays.
PyTree tree_deep_copy(const PyTree& tree);

// A deep copy of state's variables and optimizer state.
TrainSnapshot take_snapshot(const TrainState& state, int64_t epoch);

// A model's variables as init makes them for a run with this seed (the key initial_state uses,
// so they equal the run's step 0); no optimizer state. Errors are the spec's (from_spec).
TrainSnapshot snapshot_at_init(const nlohmann::json& model_spec, uint64_t seed);

// A run's checkpoint (save_checkpoint's layout, read without the run's structure): step and
// epoch from its metadata, batch_stats from its "extra". Errors name the file.
TrainSnapshot snapshot_from_checkpoint(const std::string& path);

}  // namespace engine::train
