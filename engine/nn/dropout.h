// flax.linen.Dropout: in training, with a dropout key, keeps each element with probability
// 1 - rate and scales the kept ones by 1 / (1 - rate); the identity otherwise (eval, rate 0, or
// no key). The mask is jax.random.bernoulli(make_rng('dropout'), 1 - rate, x.shape), the key
// derived from ApplyOptions::dropout_key for this layer's scope exactly as Flax derives it.
#pragma once
#include "engine/nn/module.h"

namespace engine::nn {

struct LayerDef;

class Dropout : public Module {
 public:
  explicit Dropout(double rate);
  double rate() const { return rate_; }

  std::string kind() const override { return "Dropout"; }
  bool is_submodule() const override { return true; }
  Shape output_shape(const Shape& in) const override { return in; }
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;

 private:
  double rate_;
};

inline ModulePtr dropout(double rate) { return std::make_shared<Dropout>(rate); }

// The "dropout" row of the layer catalog (layer_catalog.h).
LayerDef dropout_def();

}  // namespace engine::nn
