// Where a classifier errs: each test example's true and predicted class, its predicted
// probabilities and loss, and from them the confusion matrix, per-class accuracy and the
// misclassified examples sorted by loss (what the studio's Evaluation panel and
// `gradient-cli eval --confusion` show).
//
//   ClassifierEval e = evaluate_classifier(model, state.variables(), ds.test, 10, 256);
//   e.confusion[t * 10 + p]      // examples of class t predicted as p
//   for (int64_t i : e.misclassified_by_loss()) ... e.loss[i] ...
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/nn/sequential.h"
#include "engine/tree/pytree.h"

namespace engine::train {

struct ClassifierEval {
  int64_t num_classes = 0;
  std::vector<int32_t> true_label;      // per example
  std::vector<int32_t> predicted;       // argmax of the probabilities (the first of ties)
  std::vector<float> probabilities;     // N x num_classes, row-major, softmax of the logits
  std::vector<float> loss;              // per example softmax cross-entropy
  std::vector<int64_t> confusion;       // num_classes x num_classes, [true][predicted]

  int64_t examples() const { return static_cast<int64_t>(true_label.size()); }
  double mean_loss() const;
  double accuracy() const;                     // NaN without examples
  std::vector<int64_t> class_totals() const;   // examples per true class (confusion row sums)
  std::vector<double> per_class_accuracy() const;  // NaN for a class without examples
  // Indices of the examples whose prediction is wrong, highest loss first (ties: lower index).
  std::vector<int64_t> misclassified_by_loss() const;
};

// The confusion matrix [true][predicted] of two label lists; a label outside [0, num_classes)
// is an error naming the example.
std::vector<int64_t> confusion_matrix(const std::vector<int32_t>& true_label, const std::vector<int32_t>& predicted,
                                      int64_t num_classes);

struct EvalProgress {
  // Called after each batch with (examples done, total); on the evaluating thread.
  std::function<void(int64_t, int64_t)> on_batch{};
  // Set from another thread to stop after the current batch (evaluate_classifier then throws
  // engine::Error "evaluation cancelled").
  const std::atomic<bool>* cancel = nullptr;
};

// Applies the model (evaluation mode, jitted) to the split in batches of batch_size (the last
// one shorter). The model must give [batch, num_classes] logits and the labels be integers.
ClassifierEval evaluate_classifier(const nn::Sequential& model, const PyTree& variables, const data::Split& split,
                                   int64_t num_classes, int64_t batch_size, const EvalProgress& progress = {});

}  // namespace engine::train
