// Activation functions as layers (they are plain functions in Flax, so they get no scope):
// relu, swish (= silu), selu, gelu (tanh approximation, jax.nn.gelu's default), tanh, sigmoid,
// softmax and log_softmax (over the last axis).
#pragma once
#include <string>
#include <vector>

#include "engine/nn/module.h"

namespace engine::nn {

struct LayerDef;

class Activation : public Module {
 public:
  // Throws for an unknown name, listing the known ones.
  explicit Activation(std::string name);
  const std::string& name() const { return name_; }
  static const std::vector<std::string>& names();

  std::string kind() const override { return name_; }
  Shape output_shape(const Shape& in) const override { return in; }
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;

 private:
  std::string name_;
};

inline ModulePtr activation(std::string name) { return std::make_shared<Activation>(std::move(name)); }

// One row of the layer catalog (layer_catalog.h) per name in names().
std::vector<LayerDef> activation_defs();

}  // namespace engine::nn
