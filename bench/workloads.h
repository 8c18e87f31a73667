// The benchmark workloads of the reference models, shared by the bench programs (bench/*.cpp),
// `gradient-cli bench` (app/cli/bench.cpp) and the compiled-vs-reference training-step tests:
//   mlp       784-512-10 swish MLP (nn::builtin_spec("mlp")), softmax cross-entropy, SGD lr 0.1,
//             batch 32, 1875 steps an epoch
//   cnn       the Fashion-MNIST CNN of DESIGN.md (builtin_spec("cnn"), BatchNorm batch_stats
//             updated in training), SGD lr 0.01 momentum 0.99, batch 100, 600 steps an epoch
//   mlp-eval  the MLP's forward pass and argmax, batch 1000, 10 steps (10000 examples)
// Data is synthetic (uniform pixels, labels from random bits): speed does not depend on values.
// The step is a plain function of (state, x, y) -> (new state, loss); callers jit it.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/error.h"
#include "engine/nn/model_spec.h"
#include "engine/nn/module.h"
#include "engine/numpy.h"
#include "engine/optim/optim.h"
#include "engine/random/random.h"
#include "engine/train/losses.h"
#include "engine/transforms/autodiff.h"

namespace bench {

struct Workload {
  std::string name;
  int64_t batch = 0;
  int64_t epoch_steps = 0;  // steps of one epoch (60000 training or 10000 test examples)
  engine::PyTree state;     // params (and batch_stats) and optimizer state
  std::vector<std::pair<engine::Array, engine::Array>> batches;  // (x, labels), cycled
  // (state, x, y) -> tuple(new state, loss); for mlp-eval: tuple(state, predicted classes).
  std::function<engine::PyTree(const engine::PyTree&, const engine::Tensor&, const engine::Tensor&)> step;
  // Multiply-adds of one step times 2 (matmuls and convolutions only), for GFLOP/s.
  double flops_per_step = 0;
  double conv_flops_per_step = 0;  // of those, the convolutions' alone
};

inline std::vector<std::pair<engine::Array, engine::Array>> synthetic_batches(int64_t batch, int count) {
  using namespace engine;
  std::vector<std::pair<Array, Array>> out;
  for (int i = 0; i < count; ++i) {
    Array key = random::fold_in(random::PRNGKey(0), static_cast<uint32_t>(100 + i));
    Array x = random::uniform(random::fold_in(key, 0), {batch, 28, 28, 1});
    std::vector<uint32_t> bits = random::bits(random::fold_in(key, 1), {batch}).to_vector<uint32_t>();
    std::vector<int32_t> labels;
    for (uint32_t b : bits) labels.push_back(static_cast<int32_t>(b % 10));
    out.emplace_back(x, Array::from_vector(labels));
  }
  return out;
}

// batch > 0 replaces the workload's batch size (tests use small ones).
inline Workload make_workload(const std::string& name, int64_t batch = 0) {
  using namespace engine;
  Workload w;
  w.name = name;
  const bool cnn = name == "cnn";
  GS_CHECK(name == "mlp" || name == "cnn" || name == "mlp-eval",
           "unknown workload '" + name + "'; known: mlp, cnn, mlp-eval");
  auto model = std::make_shared<nn::Sequential>(nn::from_spec(nn::builtin_spec(cnn ? "cnn" : "mlp")));
  PyTree vars = model->init(random::PRNGKey(0), Tensor(Array::zeros(DType::f32, {1, 28, 28, 1})));
  PyTree params = vars["params"];
  w.batch = batch > 0 ? batch : cnn ? 100 : name == "mlp" ? 32 : 1000;
  w.epoch_steps = (name == "mlp-eval" ? 10000 : 60000) / w.batch;
  w.batches = synthetic_batches(w.batch, cnn ? 6 : name == "mlp" ? 16 : 2);
  const double b = static_cast<double>(w.batch);
  if (name == "mlp-eval") {
    w.state = params;
    w.step = [model](const PyTree& p, const Tensor& x, const Tensor&) -> PyTree {
      Tensor logits = (*model)(nn::collections({{"params", p}}), x);
      return PyTree::tuple({p, PyTree(argmax(logits, -1))});
    };
    w.flops_per_step = 2 * b * (784 * 512 + 512 * 10);
    return w;
  }
  if (!cnn) {
    optim::GradientTransformation tx = optim::sgd(0.1);
    w.state = PyTree::tuple({params, tx.init(params)});
    w.step = [model, tx](const PyTree& s, const Tensor& x, const Tensor& y) -> PyTree {
      auto loss = [model](const PyTree& p, const Tensor& xb, const Tensor& yb) -> Tensor {
        Tensor logits = (*model)(nn::collections({{"params", p}}), xb);
        return mean(train::softmax_cross_entropy_with_integer_labels(logits, yb));
      };
      PyTree vg = value_and_grad(loss)(s[0], x, y);
      auto [updates, opt] = tx.update(vg[1], s[1], s[0]);
      return PyTree::tuple({PyTree::tuple({optim::apply_updates(s[0], updates), opt}), vg[0]});
    };
    // Forward, input gradient of the second layer and both weight gradients (none for x).
    w.flops_per_step = 2 * b * (784 * 512 * 2 + 512 * 10 * 3);
    return w;
  }
  optim::GradientTransformation tx = optim::sgd(0.01, 0.99);
  w.state = PyTree::tuple({params, vars["batch_stats"], tx.init(params)});
  w.step = [model, tx](const PyTree& s, const Tensor& x, const Tensor& y) -> PyTree {
    auto loss = [model](const PyTree& p, const PyTree& stats, const Tensor& xb, const Tensor& yb) -> PyTree {
      nn::ApplyResult r = model->apply(nn::collections({{"params", p}, {"batch_stats", stats}}), xb,
                                       {.train = true, .mutable_collections = {"batch_stats"}});
      Tensor loss_value = mean(train::softmax_cross_entropy_with_integer_labels(r.out, yb));
      return PyTree::tuple({PyTree(loss_value), r.updated["batch_stats"]});
    };
    PyTree vg = value_and_grad(loss, {.argnums = {0}, .has_aux = true})(s[0], s[1], x, y);
    auto [updates, opt] = tx.update(vg[1], s[2], s[0]);
    return PyTree::tuple({PyTree::tuple({optim::apply_updates(s[0], updates), vg[0][1], opt}), vg[0][0]});
  };
  // conv1 28x28x(3*3*1)->32, conv2 14x14x(3*3*32)->64, dense 3136->256, 256->10; backward of
  // conv2 and the denses costs two products each (data and weights), conv1 one (weights).
  const double conv1 = 28.0 * 28 * 9 * 32, conv2 = 14.0 * 14 * 9 * 32 * 64, d1 = 3136.0 * 256,
               d2 = 256.0 * 10;
  w.flops_per_step = 2 * b * (2 * conv1 + 3 * conv2 + 3 * d1 + 3 * d2);
  w.conv_flops_per_step = 2 * b * (2 * conv1 + 3 * conv2);
  return w;
}

}  // namespace bench
