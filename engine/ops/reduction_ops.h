// Reductions over Tensors (ops/reduction.cpp). `axes` may be negative; sum(x) reduces everything.
#pragma once
#include "engine/core/tensor.h"
#include "engine/ir/params.h"

namespace engine {

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, IntList axes, bool keepdims = false);
Tensor sum(const Tensor& x, int64_t axis, bool keepdims = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, IntList axes, bool keepdims = false);
Tensor mean(const Tensor& x, int64_t axis, bool keepdims = false);
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, IntList axes, bool keepdims = false);
Tensor max(const Tensor& x, int64_t axis, bool keepdims = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, IntList axes, bool keepdims = false);
Tensor min(const Tensor& x, int64_t axis, bool keepdims = false);
Tensor prod(const Tensor& x, IntList axes, bool keepdims = false);
Tensor var(const Tensor& x, IntList axes, bool keepdims = false);
Tensor argmax(const Tensor& x, int64_t axis, bool keepdims = false);  // int32 indices
Tensor argmin(const Tensor& x, int64_t axis, bool keepdims = false);
Tensor logsumexp(const Tensor& x, int64_t axis, bool keepdims = false);
Tensor logsumexp(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);

// Resolves possibly negative axes against a rank into sorted unique non-negative axes.
IntList normalize_axes(const IntList& axes, int rank, const char* what);

}  // namespace engine
