#include "engine/optim/clipping.h"

#include "engine/numpy.h"

namespace engine::optim {

GradientTransformation clip(double max_delta) {
  return {[](const PyTree&) { return empty_state(); },
          [max_delta](const PyTree& updates, const PyTree& state, const PyTree&) {
            PyTree out = tree_map(
                [&](const Tensor& g) {
                  return minimum(maximum(g, scalar_like(-max_delta, g)), scalar_like(max_delta, g));
                },
                updates);
            return std::make_pair(out, state);
          }};
}

GradientTransformation clip_by_global_norm(double max_norm) {
  return {[](const PyTree&) { return empty_state(); },
          [max_norm](const PyTree& updates, const PyTree& state, const PyTree&) {
            Tensor g_norm = global_norm(updates);
            // A select rather than a min(1, max_norm / g) factor: below the threshold the updates
            // pass bit for bit, and an all-zero gradient never divides by zero in the taken branch.
            Tensor trigger = g_norm < max_norm;
            PyTree out = tree_map(
                [&](const Tensor& t) { return where(trigger, t, (t / astype(g_norm, t.dtype())) * max_norm); },
                updates);
            return std::make_pair(out, state);
          }};
}

}  // namespace engine::optim
