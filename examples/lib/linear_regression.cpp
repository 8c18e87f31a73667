// The linear-regression workflow of JAX's and Flax's tutorials, written against the C++ API.
//
// Part 1: nn::Dense(1) on y = 2x + 3 + 0.1 noise, its input size inferred by init from a dummy
// input, MSE loss and value_and_grad, trained three ways: plain gradient descent through
// tree_map, optim::adam, and a TrainState whose whole step is jitted.
// Part 2 (Flax basics): W (10x5), b (5) and 20 noisy samples drawn from PRNGKey(0) with split
// keys, the loss mean(½‖y − ŷ‖²), and 101 steps of gradient descent with lr 0.3; "Loss step i"
// is the loss after step i's update.
#include <cmath>
#include <cstdio>

#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/nn/nn.h"
#include "engine/numpy.h"
#include "engine/optim/optim.h"
#include "engine/random/random.h"
#include "engine/train/losses.h"
#include "engine/train/train_state.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/tree/tree.h"
#include "examples/examples.h"

namespace examples {

using namespace engine;

namespace {

// The kernel and bias of the Dense(1) as numbers, for printing and checking.
std::pair<double, double> w_and_b(const PyTree& params) {
  return {params["kernel"].leaf().array().to_vector<double>().at(0),
          params["bias"].leaf().array().to_vector<double>().at(0)};
}

void check_fit(const char* how, const PyTree& params) {
  auto [w, b] = w_and_b(params);
  std::printf("%s: W = %.4f, b = %.4f (true 2, 3)\n\n", how, w, b);
  if (std::abs(w - 2.0) > 0.05 || std::abs(b - 3.0) > 0.05)
    throw Error(std::string("linear_regression: ") + how + " did not converge to W = 2, b = 3 (got W = " +
                std::to_string(w) + ", b = " + std::to_string(b) + ")");
}

void dense_on_a_line() {
  Array keys = random::split(random::PRNGKey(0), 3);
  auto key = [&](int i) {
    const uint32_t* k = keys.data<uint32_t>() + 2 * i;
    return Array::from_vector<uint32_t>({k[0], k[1]});
  };
  // 100 samples of y = 2x + 3 with a little noise.
  const Tensor x = random::normal(key(0), {100, 1});
  const Tensor y = 2.0 * x + 3.0 + 0.1 * Tensor(random::normal(key(1), {100, 1}));

  nn::Dense model(1);
  // init infers the kernel's input size (1) from the dummy input; its values are unused.
  PyTree variables = model.init(key(2), zeros({1, 1}));
  const PyTree initial = variables["params"];
  std::printf("Dense(1) variables: %s\n", tree_shapes_str(variables).c_str());

  auto loss = [&model, x, y](const PyTree& params) {
    return train::mean_squared_error(model(PyTree::dict({{"params", params}}), x), y);
  };

  // 1. Plain gradient descent: params - lr * grads, leaf by leaf with tree_map.
  auto loss_and_grad = jit(value_and_grad(loss));
  PyTree params = initial;
  for (int i = 0; i <= 100; ++i) {
    PyTree lg = loss_and_grad(params);
    if (i % 20 == 0) std::printf("gradient descent, step %3d: loss %.6f\n", i, lg[0].leaf().item());
    if (i == 100) break;
    params = tree_map([](const Tensor& p, const Tensor& g) { return p - 0.1 * g; }, params, lg[1]);
  }
  check_fit("gradient descent (tree_map)", params);

  // 2. optim::adam: the optimizer state is a pytree beside the params, updated in the same jit.
  optim::GradientTransformation tx = optim::adam(0.1);
  auto adam_step = jit([tx, loss](const PyTree& p, const PyTree& opt_state) {
    PyTree lg = value_and_grad(loss)(p);
    auto [updates, new_state] = tx.update(lg[1], opt_state, p);
    return PyTree::tuple({optim::apply_updates(p, updates), new_state, lg[0]});
  });
  params = initial;
  PyTree opt_state = tx.init(params);
  for (int i = 0; i < 300; ++i) {
    PyTree out = adam_step(params, opt_state);
    params = out[0], opt_state = out[1];
    if (i % 50 == 0) std::printf("adam, step %3d: loss %.6f\n", i, out[2].leaf().item());
  }
  check_fit("adam", params);

  // 3. TrainState: step count, params, optimizer and its state in one value; the jitted step
  // takes and returns its pytree view.
  train::ApplyFn apply_fn = [&model](const PyTree& vars, const PyTree& inputs) {
    return PyTree(model(vars, inputs.leaf()));
  };
  train::TrainState state = train::TrainState::create(apply_fn, initial, optim::sgd(0.1));
  auto train_step = jit([base = state, x, y](const PyTree& tree) {
    train::TrainState s = base.from_tree(tree);
    auto state_loss = [&](const PyTree& p) {
      return train::mean_squared_error(s.with_params(p).apply(PyTree(x)).leaf(), y);
    };
    PyTree lg = value_and_grad(state_loss)(s.params);
    return PyTree::tuple({s.apply_gradients(lg[1]).to_tree(), lg[0]});
  });
  for (int i = 0; i < 100; ++i) {
    PyTree out = train_step(state.to_tree());
    state = state.from_tree(out[0]);
    if (i % 20 == 0) std::printf("TrainState + sgd, step %3d: loss %.6f\n", i, out[1].leaf().item());
  }
  std::printf("TrainState.step = %d\n", static_cast<int>(state.step.item()));
  check_fit("TrainState", state.params);
}

void matrix_version(int steps, const std::string& dataset) {
  data::Dataset d = data::load_dataset(dataset);
  const Tensor x = d.train.x, y = d.train.y;

  // mean over samples of ½‖y − (xW + b)‖²
  auto loss = [x, y](const PyTree& params) {
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
  double last = loss(params).item();
  std::printf("Initial loss: %.8g\n", last);
  // As in the tutorial's loop, "Loss step i" is the loss of the params that step i's update made
  // (value_and_grad's value is the loss before the update, one step behind).
  for (int i = 0; i < steps; ++i) {
    PyTree out = loss_and_grad(params);
    params = tree_map([&](const Tensor& p, const Tensor& g) { return p - learning_rate * g; }, params, out[1]);
    if (i % 5 == 0 || i == steps - 1) last = loss(params).item();
    if (i % 5 == 0) std::printf("Loss step %3d: %.8g\n", i, last);
  }
  // How far the fit is from the parameters the data was drawn from.
  double max_err = max(abs(params["kernel"].leaf() - Tensor(d.true_params[0]))).item();
  std::printf("Final loss %.8g; largest |W - W_true| = %.4f\n", last, max_err);
  if (!(last < 0.05)) throw Error("linear_regression: the 10x5 fit did not converge (final loss " +
                                  std::to_string(last) + ")");
}

}  // namespace

void run_linear_regression(const ExampleOptions& options) {
  // The matrix version fits W 10x5 to y = x W + b + noise: only synthetic-regression[:N] has that
  // form (it was silently ignored; #24).
  const std::string dataset = options.dataset.empty() ? "synthetic-regression:20" : options.dataset;
  if (dataset != "synthetic-regression" && dataset.rfind("synthetic-regression:", 0) != 0)
    throw Error("linear_regression: --dataset '" + dataset +
                "' does not fit: the 10x5 fit needs synthetic-regression or synthetic-regression:N");
  dense_on_a_line();
  matrix_version(options.steps > 0 ? static_cast<int>(options.steps) : 101, dataset);
}

}  // namespace examples
