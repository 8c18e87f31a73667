#include "examples/lib/common.h"

#include <cmath>
#include <cstdio>

#include "engine/core/error.h"
#include "engine/random/random.h"

namespace examples {

using namespace engine;

void check_image_classes(const std::string& example, const data::Dataset& d) {
  const Shape& x = d.train.x.shape();
  const bool images = x.size() == 4 && x[1] == 28 && x[2] == 28 && x[3] == 1;
  if (d.num_classes > 0 && images) return;
  throw Error(example + ": --dataset '" + d.name + "' does not fit: the example classifies 28x28x1 images, and its " +
              "examples are (" + shape_str(Shape(x.begin() + 1, x.end())) + ")" +
              (d.num_classes > 0 ? "" : " with regression targets") +
              " (use fashion-mnist, mnist-digits or mnist-idx:DIR)");
}

EvalResult evaluate(const std::function<PyTree(const Array&, const Array&)>& eval, const data::Split& split,
                    int64_t batch_size) {
  data::Batcher batches(split, std::min(batch_size, split.size()), random::PRNGKey(0), /*shuffle=*/false,
                        /*drop_remainder=*/false);
  double loss = 0, correct = 0;
  for (int64_t i = 0; i < batches.num_batches(); ++i) {
    auto [x, y] = batches.batch(i);
    PyTree out = eval(x, y);
    const double n = static_cast<double>(x.shape()[0]);
    loss += out[0].leaf().item() * n;
    correct += out[1].leaf().item() * n;
  }
  const double n = static_cast<double>(split.size());
  return {loss / n, correct / n};
}

void check_training(const std::string& example, double loss_before, double loss_after, double test_accuracy,
                    double min_accuracy) {
  std::printf("Training loss: %.4f before training, %.4f after\n", loss_before, loss_after);
  if (!std::isfinite(loss_after) || !(loss_after < loss_before))
    throw Error(example + ": the training loss did not fall (" + std::to_string(loss_before) + " before, " +
                std::to_string(loss_after) + " after)");
  if (test_accuracy < min_accuracy)
    throw Error(example + ": test accuracy " + std::to_string(test_accuracy) + " is below --min-accuracy " +
                std::to_string(min_accuracy));
}

}  // namespace examples
