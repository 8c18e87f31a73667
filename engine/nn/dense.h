// flax.linen.Dense: y = x @ kernel + bias over the last axis of x (any leading axes).
//   params: kernel (in, features) lecun_normal, bias (features,) zeros
#pragma once
#include "engine/nn/module.h"

namespace engine::nn {

struct LayerDef;

class Dense : public Module {
 public:
  explicit Dense(int64_t features, bool use_bias = true);
  int64_t features() const { return features_; }
  bool use_bias() const { return use_bias_; }

  std::string kind() const override { return "Dense"; }
  bool is_submodule() const override { return true; }
  Shape output_shape(const Shape& in) const override;
  int64_t param_count(const Shape& in) const override;
  std::vector<VariableShape> variable_shapes(const Shape& in) const override;
  PyTree init_scoped(const Array& key, const ScopePath& path, const Shape& in) const override;
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;

 private:
  int64_t features_;
  bool use_bias_;
};

inline ModulePtr dense(int64_t features, bool use_bias = true) {
  return std::make_shared<Dense>(features, use_bias);
}

// The "dense" row of the layer catalog (layer_catalog.h).
LayerDef dense_def();

}  // namespace engine::nn
