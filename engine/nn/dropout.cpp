#include "engine/nn/dropout.h"

#include "engine/nn/rng.h"
#include "engine/numpy.h"

namespace engine::nn {

Dropout::Dropout(double rate) : rate_(rate) {
  GS_CHECK(rate >= 0 && rate <= 1, "Dropout: rate must be in [0, 1], got " + std::to_string(rate));
}

ApplyResult Dropout::apply_scoped(const PyTree&, const Tensor& x, const ApplyOptions& opts,
                                  const ScopePath& path) const {
  // Flax returns the input untouched when deterministic or rate == 0, without drawing a key.
  if (!opts.train || rate_ == 0.0 || !opts.dropout_key) return {x};
  if (rate_ == 1.0) return {zeros_like(x)};
  const double keep = 1.0 - rate_;
  Tensor mask = bernoulli(scope_key(*opts.dropout_key, path, 1), keep, x.shape());
  return {where(mask, x / keep, zeros_like(x))};
}

}  // namespace engine::nn
