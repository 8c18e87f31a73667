#include "engine/train/snapshot.h"

#include <cstring>

#include "engine/core/error.h"
#include "engine/tree/treedef.h"

namespace engine::train {

PyTree tree_deep_copy(const PyTree& tree) {
  return tree_map(
      [](const Tensor& t) {
        const Array& a = t.array();  // throws naming a traced leaf
        Array copy = Array::empty(a.dtype(), a.shape());
        if (a.nbytes() > 0) std::memcpy(copy.mutable_raw(), a.raw(), a.nbytes());
        return copy;
      },
      tree);
}

TrainSnapshot take_snapshot(const TrainState& state, int64_t epoch) {
  TrainSnapshot s;
  s.step = static_cast<int64_t>(state.step.item());
  s.epoch = epoch;
  s.variables = tree_deep_copy(state.variables());
  s.opt_state = tree_deep_copy(state.opt_state);
  return s;
}

}  // namespace engine::train
