#include "engine/optim/sgd.h"

#include "engine/numpy.h"
#include "engine/optim/transform.h"

namespace engine::optim {

GradientTransformation trace(double decay, bool nesterov) {
  return {[](const PyTree& params) { return PyTree::dict({{"trace", tree_map(zeros_like, params)}}); },
          [decay, nesterov](const PyTree& updates, const PyTree& state, const PyTree&) {
            auto f = [decay](const Tensor& g, const Tensor& t) { return g + decay * t; };
            PyTree new_trace = tree_map(f, updates, state["trace"]);
            PyTree out = nesterov ? tree_map(f, updates, new_trace) : new_trace;
            return std::make_pair(out, PyTree::dict({{"trace", new_trace}}));
          }};
}

GradientTransformation sgd(const ScalarOrSchedule& learning_rate, double momentum, bool nesterov) {
  GradientTransformation first = (momentum != 0.0 || nesterov) ? trace(momentum, nesterov) : identity();
  return chain(first, scale_by_learning_rate(learning_rate));
}

}  // namespace engine::optim
