// The linear-regression workflow of JAX's and Flax's tutorials, written against the C++ API:
// W (10x5), b (5) and 20 noisy samples drawn from PRNGKey(0) with split keys, the loss
// mean(½‖y − ŷ‖²), value_and_grad, and 101 steps of plain gradient descent through tree_map.
#include <cstdio>

#include "engine/data/dataset.h"
#include "engine/numpy.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/tree/tree.h"

using namespace engine;

int main(int argc, char** argv) {
  int steps = argc > 1 ? std::atoi(argv[1]) : 101;
  data::Dataset d = data::load_dataset("synthetic-regression:20");
  const Tensor x = d.train.x, y = d.train.y;

  // mean over samples of ½‖y − (xW + b)‖²
  auto loss = [&](const PyTree& params) {
    Tensor pred = matmul(x, params["kernel"]) + params["bias"].leaf();
    return mean(0.5 * sum(square(y - pred), -1));
  };
  PyTree true_params = PyTree::dict({{"kernel", d.true_params[0]}, {"bias", d.true_params[1]}});
  std::printf("Loss for \"true\" W,b: %.8g\n", loss(true_params).item());

  // Start from zeros, as a freshly initialized Dense(5) bias does (kernel too, for a clear start).
  PyTree params = PyTree::dict({{"kernel", zeros({10, 5})}, {"bias", zeros({5})}});
  std::printf("Parameter shapes: %s\n", tree_shapes_str(params).c_str());
  auto loss_and_grad = jit(value_and_grad(loss));
  const double learning_rate = 0.3;
  double last = 0;
  for (int i = 0; i < steps; ++i) {
    PyTree out = loss_and_grad(params);
    last = out[0].leaf().item();
    params = tree_map([&](const Tensor& p, const Tensor& g) { return p - learning_rate * g; }, params, out[1]);
    if (i % 5 == 0) std::printf("Loss step %3d: %.8g\n", i, last);
  }
  // How far the fit is from the parameters the data was drawn from.
  double max_err = max(abs(params["kernel"].leaf() - Tensor(d.true_params[0]))).item();
  std::printf("Final loss %.8g; largest |W - W_true| = %.4f\n", last, max_err);
  return last < 0.05 ? 0 : 1;
}
