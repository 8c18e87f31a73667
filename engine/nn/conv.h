// flax.linen.Conv for 2-D images, channels last: x (N, H, W, C), kernel (kh, kw, C, features)
// (HWIO), output (N, H', W', features).
//   params: kernel lecun_normal (fan_in = kh*kw*C), bias (features,) zeros
#pragma once
#include <string>

#include "engine/ir/params.h"
#include "engine/nn/module.h"

namespace engine::nn {

struct LayerDef;

struct ConvConfig {
  int64_t features = 0;
  IntList kernel_size{3, 3};
  IntList strides{1, 1};
  std::string padding = "SAME";  // "SAME" or "VALID"
  IntList dilation{1, 1};        // kernel (rhs) dilation
  bool use_bias = true;
};

class Conv : public Module {
 public:
  explicit Conv(ConvConfig config);
  const ConvConfig& config() const { return config_; }

  std::string kind() const override { return "Conv"; }
  bool is_submodule() const override { return true; }
  Shape output_shape(const Shape& in) const override;
  int64_t param_count(const Shape& in) const override;
  std::vector<VariableShape> variable_shapes(const Shape& in) const override;
  PyTree init_scoped(const Array& key, const ScopePath& path, const Shape& in) const override;
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;

 private:
  Shape kernel_shape(int64_t in_features) const;
  ConvConfig config_;
};

inline ModulePtr conv(int64_t features, IntList kernel_size = {3, 3}, IntList strides = {1, 1},
                      std::string padding = "SAME") {
  return std::make_shared<Conv>(ConvConfig{.features = features,
                                           .kernel_size = std::move(kernel_size),
                                           .strides = std::move(strides),
                                           .padding = std::move(padding)});
}

// The "conv" row of the layer catalog (layer_catalog.h).
LayerDef conv_def();

}  // namespace engine::nn
