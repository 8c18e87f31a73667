#include "engine/nn/dropout.h"

#include "engine/nn/layer_catalog.h"
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

LayerDef dropout_def() {
  return {.type = "dropout",
          .flax_name = "Dropout",
          .category = "regularization",
          .doc = "Zeroes a random fraction of the inputs in training (identity in evaluation)",
          .fields = {number_field("rate", "Fraction of inputs dropped", std::nullopt, 0, 1, false, true, 0.5)},
          .build = [](const nlohmann::json& f) { return dropout(f["rate"].get<double>()); },
          .write = [](const Module& m) -> std::optional<nlohmann::json> {
            const auto* d = dynamic_cast<const Dropout*>(&m);
            if (!d) return std::nullopt;
            return nlohmann::json{{"rate", d->rate()}};
          }};
}

}  // namespace engine::nn
