// Flax's Fashion-MNIST CNN tutorial: Conv 32 3x3 -> BatchNorm -> relu -> avg_pool 2x2 -> Conv 64
// 3x3 -> BatchNorm -> relu -> avg_pool 2x2 -> flatten -> Dense 256 -> relu -> Dense 10 (the
// built-in "cnn" model spec), softmax cross-entropy, SGD lr 0.01 momentum 0.99, batch 100.
// BatchNorm's batch_stats collection is mutable in the training step (which returns its new
// value as grad's aux) and frozen in eval. State, batch in; state, loss, accuracy out: one jit.
// Prints per epoch, like the tutorial: train loss and accuracy (over the epoch's batches), test
// loss and accuracy, and the epoch's time.
#include <cstdio>

#include "engine/data/batcher.h"
#include "engine/data/dataset.h"
#include "engine/nn/nn.h"
#include "engine/numpy.h"
#include "engine/optim/optim.h"
#include "engine/random/random.h"
#include "engine/train/losses.h"
#include "engine/train/metrics.h"
#include "engine/train/train_state.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/tree/tree.h"
#include "examples/examples.h"
#include "examples/lib/common.h"

namespace examples {

using namespace engine;

namespace {

void print_model(const nn::Sequential& model) {
  std::vector<nn::LayerInfo> layers = nn::describe(model, nn::batched_input_shape(model));
  std::printf("%-14s %-12s %-18s %10s\n", "layer", "kind", "output", "params");
  for (const nn::LayerInfo& l : layers)
    std::printf("%-14s %-12s %-18s %10lld\n", l.name.c_str(), l.kind.c_str(), shape_tuple_str(l.output_shape).c_str(),
                static_cast<long long>(l.param_count));
  std::printf("total parameters: %lld\n", static_cast<long long>(nn::total_params(layers)));
}

}  // namespace

void run_fashion_cnn(const ExampleOptions& options) {
  const int epochs = options.epochs > 0 ? options.epochs : 10;
  const int64_t batch_size = 100;
  data::Dataset d = data::load_dataset(options.dataset.empty() ? "fashion-mnist" : options.dataset, options.limit);
  check_image_classes("fashion_cnn", d);
  std::printf("Data set %s: %lld training and %lld test images\n", d.name.c_str(),
              static_cast<long long>(d.train.size()), static_cast<long long>(d.test.size()));

  const nn::Sequential model = nn::from_spec(nn::builtin_spec("cnn"));
  print_model(model);
  PyTree variables = model.init(random::PRNGKey(options.seed), zeros({1, 28, 28, 1}));

  // apply_fn is the eval-mode model: running averages, nothing mutable.
  train::ApplyFn apply_fn = [model](const PyTree& vars, const PyTree& inputs) {
    return PyTree(model(vars, inputs.leaf()));
  };
  train::TrainState state =
      train::TrainState::create(apply_fn, variables["params"], optim::sgd(0.01, 0.99),
                                PyTree::dict({{"batch_stats", variables["batch_stats"]}}));

  auto train_step = jit([base = state, model](PyTree tree, Tensor x, Tensor y) {
    train::TrainState s = base.from_tree(tree);
    auto loss_fn = [&](const PyTree& params) {
      nn::ApplyResult r = model.apply(s.with_params(params).variables(), x,
                                      {.train = true, .mutable_collections = {"batch_stats"}});
      Tensor loss = mean(train::softmax_cross_entropy_with_integer_labels(r.out, y));
      return PyTree::tuple({loss, PyTree::tuple({r.updated["batch_stats"], train::accuracy(r.out, y)})});
    };
    PyTree vg = value_and_grad(loss_fn, {.has_aux = true})(s.params);  // ((loss, aux), grads)
    const PyTree& aux = vg[0][1];
    train::TrainState next = s.apply_gradients(vg[1]).with_extra(PyTree::dict({{"batch_stats", aux[0]}}));
    return PyTree::tuple({next.to_tree(), vg[0][0], aux[1]});
  });
  auto eval_step = jit([model](PyTree vars, Tensor x, Tensor y) {
    Tensor logits = model(vars, x);
    return PyTree::tuple({mean(train::softmax_cross_entropy_with_integer_labels(logits, y)),
                          train::accuracy(logits, y)});
  });

  data::Batcher batches(d.train, batch_size, random::PRNGKey(options.seed + 1));
  const int64_t steps_per_epoch =
      options.steps > 0 ? std::min(options.steps, batches.num_batches()) : batches.num_batches();
  const int64_t report_every = std::max<int64_t>(steps_per_epoch / 4, 1);
  double first_loss = 0, last_loss = 0, test_accuracy = 0;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    batches.start_epoch(epoch - 1);
    train::MetricsAccumulator metrics;
    const double start = now_seconds();
    for (int64_t i = 0; i < steps_per_epoch; ++i) {
      auto [x, y] = batches.batch(i);
      PyTree out = train_step(state.to_tree(), x, y);
      state = state.from_tree(out[0]);
      const double loss = out[1].leaf().item();
      if (epoch == 1 && i == 0) first_loss = loss;
      metrics.add("loss", loss);
      metrics.add("accuracy", out[2].leaf().item());
      if ((i + 1) % report_every == 0 && i + 1 < steps_per_epoch) {
        std::printf("  step %lld/%lld: train loss %.4f, accuracy %.2f%% (%.1f s)\n", static_cast<long long>(i + 1),
                    static_cast<long long>(steps_per_epoch), metrics.mean("loss"), 100 * metrics.mean("accuracy"),
                    now_seconds() - start);
        std::fflush(stdout);
      }
    }
    const double seconds = now_seconds() - start;
    PyTree frozen = state.variables();
    EvalResult test = evaluate([&](const Array& x, const Array& y) { return eval_step(frozen, x, y); }, d.test, 1000);
    last_loss = metrics.mean("loss");
    test_accuracy = test.accuracy;
    std::printf("epoch: %d, train loss: %.4f, train accuracy: %.2f, test loss: %.4f, test accuracy: %.2f, "
                "time: %.1f s\n",
                epoch, last_loss, 100 * metrics.mean("accuracy"), test.loss, 100 * test.accuracy, seconds);
    std::fflush(stdout);
  }
  check_training("fashion_cnn", first_loss, last_loss, test_accuracy, options.min_accuracy);
}

}  // namespace examples
