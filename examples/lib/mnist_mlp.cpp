// JAX's "training a simple neural network" tutorial with Flax and Optax pieces: the model is
// written for ONE example (a 28x28x1 image -> flatten 784 -> Dense 512 -> swish -> Dense 10) and
// batched with vmap(predict, in_axes=(None, 0)); softmax cross-entropy, batch 32, SGD whose
// learning rate decays exponentially, lr = 1.0 * 0.95^(epoch / 5) (optax.exponential_decay over
// the step count with transition_steps = 5 epochs). The whole training step is one jit.
// Prints per epoch, like the tutorial: its time, the training-set and test-set accuracy.
#include <cstdio>

#include "engine/data/batcher.h"
#include "engine/data/dataset.h"
#include "engine/nn/nn.h"
#include "engine/numpy.h"
#include "engine/optim/optim.h"
#include "engine/random/random.h"
#include "engine/train/losses.h"
#include "engine/train/metrics.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/vmap.h"
#include "engine/tree/tree.h"
#include "examples/examples.h"
#include "examples/lib/common.h"

namespace examples {

using namespace engine;

void run_mnist_mlp(const ExampleOptions& options) {
  const int epochs = options.epochs > 0 ? options.epochs : 10;
  const int64_t batch_size = 32;
  data::Dataset d = data::load_dataset(options.dataset.empty() ? "mnist-digits" : options.dataset, options.limit);
  check_image_classes("mnist_mlp", d);
  std::printf("Data set %s: %lld training and %lld test images of shape %s\n", d.name.c_str(),
              static_cast<long long>(d.train.size()), static_cast<long long>(d.test.size()),
              shape_tuple_str(Shape(d.train.x.shape().begin() + 1, d.train.x.shape().end())).c_str());

  // The per-example model: Dense layers over a 784-vector (Flax names them Dense_0, Dense_1).
  nn::Sequential mlp({nn::dense(512), nn::activation("swish"), nn::dense(d.num_classes)});
  PyTree params = mlp.init(random::PRNGKey(options.seed), zeros({784}))["params"];
  std::printf("params: %s\n", tree_shapes_str(params).c_str());

  auto predict = [mlp](const PyTree& p, const Tensor& image) {
    return mlp(PyTree::dict({{"params", p}}), reshape(image, {784}));
  };
  // jax.vmap(predict, in_axes=(None, 0)): params shared, images mapped over their first axis.
  TransformedFn batched_predict = vmap(predict, {std::nullopt, 0});
  auto loss_fn = [batched_predict](const PyTree& p, const Tensor& x, const Tensor& y) {
    Tensor logits = batched_predict(p, x).leaf();
    return mean(train::softmax_cross_entropy_with_integer_labels(logits, y));
  };

  data::Batcher batches(d.train, batch_size, random::PRNGKey(options.seed + 1));
  const int64_t steps_per_epoch =
      options.steps > 0 ? std::min(options.steps, batches.num_batches()) : batches.num_batches();
  optim::Schedule lr = optim::exponential_decay(1.0, 5 * steps_per_epoch, 0.95);
  optim::GradientTransformation tx = optim::sgd(lr);
  PyTree opt_state = tx.init(params);

  auto train_step = jit([tx, loss_fn](PyTree p, PyTree state, Tensor x, Tensor y) {
    PyTree lg = value_and_grad(loss_fn)(p, x, y);
    auto [updates, new_state] = tx.update(lg[1], state, p);
    return PyTree::tuple({optim::apply_updates(p, updates), new_state, lg[0]});
  });
  auto eval_step = jit([batched_predict](PyTree p, Tensor x, Tensor y) {
    Tensor logits = batched_predict(p, x).leaf();
    return PyTree::tuple({mean(train::softmax_cross_entropy_with_integer_labels(logits, y)),
                          train::accuracy(logits, y)});
  });
  auto eval_on = [&](const data::Split& split) {
    return evaluate([&](const Array& x, const Array& y) { return eval_step(params, x, y); }, split, 1000);
  };

  const double first_loss = eval_on(d.train).loss;
  double last_loss = first_loss, test_accuracy = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const double rate = lr(Tensor(Array::scalar(epoch * steps_per_epoch, DType::i32))).item();
    batches.start_epoch(epoch);
    train::RunningMean epoch_loss;
    const double start = now_seconds();
    for (int64_t i = 0; i < steps_per_epoch; ++i) {
      auto [x, y] = batches.batch(i);
      PyTree out = train_step(params, opt_state, x, y);
      params = out[0], opt_state = out[1];
      epoch_loss.add(out[2].leaf());
    }
    const double seconds = now_seconds() - start;
    EvalResult train_eval = eval_on(d.train), test_eval = eval_on(d.test);
    last_loss = train_eval.loss;
    test_accuracy = test_eval.accuracy;
    std::printf("Epoch %d in %.2f sec (lr %.4f, %lld steps, mean batch loss %.4f)\n", epoch, seconds, rate,
                static_cast<long long>(steps_per_epoch), epoch_loss.mean());
    std::printf("Training set accuracy %.4f\n", train_eval.accuracy);
    std::printf("Test set accuracy %.4f\n", test_eval.accuracy);
    std::fflush(stdout);
  }
  check_training("mnist_mlp", first_loss, last_loss, test_accuracy, options.min_accuracy);
}

}  // namespace examples
