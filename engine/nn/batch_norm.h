// flax.linen.BatchNorm over the last (feature) axis, statistics over all other axes.
//   params:      scale (C,) ones, bias (C,) zeros
//   batch_stats: mean (C,) zeros, var (C,) ones
// train: normalizes with the batch's mean and (biased, E[x²] - E[x]², clamped at 0) variance and
// returns ("batch_stats" must be mutable, as in Flax) ra = momentum * ra + (1 - momentum) * batch_stat.
// eval (use_running_average): normalizes with the running statistics, which stay as they are.
//   y = (x - mean) * rsqrt(var + epsilon) * scale + bias
#pragma once
#include "engine/nn/module.h"

namespace engine::nn {

struct LayerDef;

class BatchNorm : public Module {
 public:
  explicit BatchNorm(double momentum = 0.99, double epsilon = 1e-5);
  double momentum() const { return momentum_; }
  double epsilon() const { return epsilon_; }

  std::string kind() const override { return "BatchNorm"; }
  bool is_submodule() const override { return true; }
  Shape output_shape(const Shape& in) const override;
  int64_t param_count(const Shape& in) const override;
  std::vector<VariableShape> variable_shapes(const Shape& in) const override;
  PyTree init_scoped(const Array& key, const ScopePath& path, const Shape& in) const override;
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;

 private:
  double momentum_, epsilon_;
};

inline ModulePtr batch_norm(double momentum = 0.99, double epsilon = 1e-5) {
  return std::make_shared<BatchNorm>(momentum, epsilon);
}

// The "batch_norm" row of the layer catalog (layer_catalog.h).
LayerDef batch_norm_def();

}  // namespace engine::nn
