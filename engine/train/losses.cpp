#include "engine/train/losses.h"

#include "engine/numpy.h"

namespace engine::train {

namespace {
void check_same_shape(const Tensor& a, const Tensor& b, const char* who, const char* what) {
  GS_CHECK(a.shape() == b.shape(), std::string(who) + ": " + what + " must have one shape, got " + a.aval().str() +
                                       " and " + b.aval().str());
}
}  // namespace

Tensor squared_error(const Tensor& predictions, const Tensor& targets) {
  check_same_shape(predictions, targets, "squared_error", "predictions and targets");
  return square(predictions - targets);
}

Tensor l2_loss(const Tensor& predictions, const Tensor& targets) {
  return 0.5 * squared_error(predictions, targets);
}

Tensor mean_squared_error(const Tensor& predictions, const Tensor& targets) {
  return mean(squared_error(predictions, targets));
}

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels) {
  check_same_shape(logits, labels, "softmax_cross_entropy", "logits and labels");
  GS_CHECK(logits.rank() >= 1, "softmax_cross_entropy: logits need a class axis, got " + logits.aval().str());
  return neg(sum(labels * log_softmax(logits, -1), -1));
}

Tensor softmax_cross_entropy_with_integer_labels(const Tensor& logits, const Tensor& labels) {
  const char* who = "softmax_cross_entropy_with_integer_labels";
  GS_CHECK(labels.dtype() == DType::i32 || labels.dtype() == DType::u32,
           std::string(who) + ": labels must be integers, got " + labels.aval().str());
  GS_CHECK(logits.rank() == labels.rank() + 1,
           std::string(who) + ": logits must be labels' shape plus a class axis, got logits " + logits.aval().str() +
               " and labels " + labels.aval().str());
  Shape batch(logits.shape().begin(), logits.shape().end() - 1);
  GS_CHECK(batch == labels.shape(), std::string(who) + ": logits " + logits.aval().str() +
                                        " do not match labels " + labels.aval().str());
  Tensor target = one_hot(labels, logits.shape().back(), logits.dtype());
  return neg(sum(target * log_softmax(logits, -1), -1));
}

Tensor sigmoid_binary_cross_entropy(const Tensor& logits, const Tensor& labels) {
  check_same_shape(logits, labels, "sigmoid_binary_cross_entropy", "logits and labels");
  Tensor y = astype(labels, logits.dtype());
  return neg(y * log_sigmoid(logits)) - (1.0 - y) * log_sigmoid(neg(logits));
}

}  // namespace engine::train
