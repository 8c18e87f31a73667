// Small pieces the classification examples share: wall-clock timing, per-split evaluation in
// fixed-order batches, and the end-of-run checks.
#pragma once
#include <chrono>
#include <functional>
#include <string>

#include "engine/data/batcher.h"
#include "engine/tree/tree.h"

namespace examples {

inline double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

struct EvalResult {
  double loss = 0, accuracy = 0;
};

// Runs eval(x, y) -> (mean loss, accuracy) over `split` in batches of `batch_size` (the last one
// shorter) and averages, weighting each batch by its size.
EvalResult evaluate(const std::function<engine::PyTree(const engine::Array&, const engine::Array&)>& eval,
                    const engine::data::Split& split, int64_t batch_size);

// The classification examples take another data set with --dataset: it must hold 28x28x1 images
// in classes, or the error names the data set and what the example needs (a regression set made
// a model with 0 output features, "Dense: features must be positive, got 0").
void check_image_classes(const std::string& example, const engine::data::Dataset& d);

// Throws engine::Error from `example` unless the training loss fell (after < before) and the
// test accuracy reached min_accuracy.
void check_training(const std::string& example, double loss_before, double loss_after, double test_accuracy,
                    double min_accuracy);

}  // namespace examples
