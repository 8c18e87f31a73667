#include "engine/train/classifier_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/core/error.h"
#include "engine/data/batcher.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/train/losses.h"
#include "engine/transforms/jit.h"

namespace engine::train {

std::vector<int64_t> confusion_matrix(const std::vector<int32_t>& true_label, const std::vector<int32_t>& predicted,
                                      int64_t num_classes) {
  GS_CHECK(num_classes > 0, "confusion_matrix: num_classes must be positive, got " + std::to_string(num_classes));
  GS_CHECK(true_label.size() == predicted.size(),
           "confusion_matrix: " + std::to_string(true_label.size()) + " true labels but " +
               std::to_string(predicted.size()) + " predictions");
  std::vector<int64_t> m(static_cast<size_t>(num_classes * num_classes), 0);
  for (size_t i = 0; i < true_label.size(); ++i) {
    const int32_t t = true_label[i], p = predicted[i];
    GS_CHECK(t >= 0 && t < num_classes && p >= 0 && p < num_classes,
             "confusion_matrix: example " + std::to_string(i) + " has label " + std::to_string(t) + " / prediction " +
                 std::to_string(p) + " outside 0.." + std::to_string(num_classes - 1));
    ++m[static_cast<size_t>(t * num_classes + p)];
  }
  return m;
}

double ClassifierEval::mean_loss() const {
  if (loss.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (float l : loss) s += l;
  return s / static_cast<double>(loss.size());
}

double ClassifierEval::accuracy() const {
  if (true_label.empty()) return std::numeric_limits<double>::quiet_NaN();
  int64_t right = 0;
  for (size_t i = 0; i < true_label.size(); ++i) right += true_label[i] == predicted[i];
  return static_cast<double>(right) / static_cast<double>(true_label.size());
}

std::vector<int64_t> ClassifierEval::class_totals() const {
  std::vector<int64_t> t(static_cast<size_t>(num_classes), 0);
  for (int64_t r = 0; r < num_classes; ++r)
    for (int64_t c = 0; c < num_classes; ++c) t[static_cast<size_t>(r)] += confusion[static_cast<size_t>(r * num_classes + c)];
  return t;
}

std::vector<double> ClassifierEval::per_class_accuracy() const {
  const std::vector<int64_t> totals = class_totals();
  std::vector<double> a(static_cast<size_t>(num_classes), std::numeric_limits<double>::quiet_NaN());
  for (int64_t k = 0; k < num_classes; ++k)
    if (totals[static_cast<size_t>(k)] > 0)
      a[static_cast<size_t>(k)] = static_cast<double>(confusion[static_cast<size_t>(k * num_classes + k)]) /
                                  static_cast<double>(totals[static_cast<size_t>(k)]);
  return a;
}

std::vector<int64_t> ClassifierEval::misclassified_by_loss() const {
  std::vector<int64_t> wrong;
  for (size_t i = 0; i < true_label.size(); ++i)
    if (true_label[i] != predicted[i]) wrong.push_back(static_cast<int64_t>(i));
  // NaN losses (a diverged model) sort first: they are the worst.
  auto key = [this](int64_t i) {
    const float l = loss[static_cast<size_t>(i)];
    return std::isnan(l) ? std::numeric_limits<float>::infinity() : l;
  };
  std::stable_sort(wrong.begin(), wrong.end(), [&](int64_t a, int64_t b) { return key(a) > key(b); });
  return wrong;
}

ClassifierEval evaluate_classifier(const nn::Sequential& model, const PyTree& variables, const data::Split& split,
                                   int64_t num_classes, int64_t batch_size, const EvalProgress& progress) {
  GS_CHECK(num_classes > 0, "evaluate_classifier: the dataset has no classes (a regression dataset?)");
  GS_CHECK(split.size() > 0, "evaluate_classifier: the split has no examples");
  GS_CHECK(batch_size > 0, "evaluate_classifier: batch size must be positive, got " + std::to_string(batch_size));
  GS_CHECK(split.y.shape().size() == 1,
           "evaluate_classifier: labels must be one integer per example, have shape (" + shape_str(split.y.shape()) + ")");
  // (variables, x, y) -> (probabilities [B, C], per-example loss [B])
  JitFn step = jit([model](PyTree vars, Tensor x, Tensor y) {
    Tensor logits = model.apply(vars, x, nn::ApplyOptions{}).out;
    return PyTree::tuple({softmax(logits, -1), softmax_cross_entropy_with_integer_labels(logits, y)});
  });
  data::Batcher batches(split, batch_size, random::PRNGKey(0), /*shuffle=*/false, /*drop_remainder=*/false);
  batches.start_epoch(0);
  ClassifierEval e;
  e.num_classes = num_classes;
  const int64_t n = split.size();
  e.true_label = split.y.to_vector<int32_t>();
  e.predicted.reserve(static_cast<size_t>(n));
  e.probabilities.reserve(static_cast<size_t>(n * num_classes));
  e.loss.reserve(static_cast<size_t>(n));
  for (int64_t b = 0; b < batches.num_batches(); ++b) {
    if (progress.cancel && progress.cancel->load()) throw Error("evaluation cancelled");
    auto [x, y] = batches.batch(b);
    PyTree out = step(variables, Tensor(x), Tensor(y));
    const Array& probs = out[0].leaf().array();
    GS_CHECK(probs.shape().size() == 2 && probs.shape()[1] == num_classes,
             "evaluate_classifier: the model gives outputs of shape (" + shape_str(probs.shape()) + "), not (batch, " +
                 std::to_string(num_classes) + ") class logits");
    const std::vector<float> p = probs.to_vector<float>();
    const std::vector<float> l = out[1].leaf().array().to_vector<float>();
    const int64_t rows = probs.shape()[0];
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = p.data() + r * num_classes;
      e.predicted.push_back(static_cast<int32_t>(std::max_element(row, row + num_classes) - row));
    }
    e.probabilities.insert(e.probabilities.end(), p.begin(), p.end());
    e.loss.insert(e.loss.end(), l.begin(), l.end());
    if (progress.on_batch) progress.on_batch(static_cast<int64_t>(e.loss.size()), n);
  }
  e.confusion = confusion_matrix(e.true_label, e.predicted, num_classes);
  return e;
}

}  // namespace engine::train
