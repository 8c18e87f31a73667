// Losses as in optax/_src/loss.py. Like optax they are per example (per element for the
// regression ones): the caller reduces, usually with mean(). All are engine ops, so they trace,
// differentiate and batch.
#pragma once
#include "engine/core/tensor.h"

namespace engine::train {

// (predictions - targets)², elementwise.
Tensor squared_error(const Tensor& predictions, const Tensor& targets);
// 0.5 (predictions - targets)² (optax.l2_loss: the ½ makes its gradient the plain residual).
Tensor l2_loss(const Tensor& predictions, const Tensor& targets);
// mean((predictions - targets)²) over every element: the one reduced convenience, for the
// common "MSE" of the tutorials.
Tensor mean_squared_error(const Tensor& predictions, const Tensor& targets);

// -sum(labels * log_softmax(logits), -1): logits [..., C] and a distribution over C (one-hot or
// soft) of the same shape; result [...]. log_softmax subtracts the max, so large logits stay finite.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels);
// The same with integer class labels [...] (int32/uint32) in [0, C); a label out of range gives
// a loss of 0 (its one-hot row is all zeros).
Tensor softmax_cross_entropy_with_integer_labels(const Tensor& logits, const Tensor& labels);

// -labels log σ(x) - (1 - labels) log(1 - σ(x)), elementwise, through log_sigmoid(x) and
// log_sigmoid(-x), which are stable for large |x|. labels are probabilities of the same shape.
Tensor sigmoid_binary_cross_entropy(const Tensor& logits, const Tensor& labels);

}  // namespace engine::train
