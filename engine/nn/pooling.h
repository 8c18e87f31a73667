// The function layers over shapes: avg_pool / max_pool (flax.linen.avg_pool, max_pool over the
// spatial axes of NHWC inputs) and Flatten (x.reshape((x.shape[0], -1))). No variables.
#pragma once
#include <string>

#include "engine/ir/params.h"
#include "engine/nn/module.h"

namespace engine::nn {

struct LayerDef;

struct PoolConfig {
  IntList window{2, 2};
  IntList strides{1, 1};  // Flax's default (ones); the reference CNN uses (2, 2)
  std::string padding = "VALID";
};

class Pool : public Module {
 public:
  enum class Op { avg, max };
  Pool(Op op, PoolConfig config);
  Op op() const { return op_; }
  const PoolConfig& config() const { return config_; }

  std::string kind() const override { return op_ == Op::avg ? "avg_pool" : "max_pool"; }
  Shape output_shape(const Shape& in) const override;
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;

 private:
  Op op_;
  PoolConfig config_;
};

class Flatten : public Module {
 public:
  std::string kind() const override { return "flatten"; }
  Shape output_shape(const Shape& in) const override;
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;
};

inline ModulePtr avg_pool(IntList window, IntList strides, std::string padding = "VALID") {
  return std::make_shared<Pool>(Pool::Op::avg, PoolConfig{std::move(window), std::move(strides),
                                                          std::move(padding)});
}
inline ModulePtr max_pool(IntList window, IntList strides, std::string padding = "VALID") {
  return std::make_shared<Pool>(Pool::Op::max, PoolConfig{std::move(window), std::move(strides),
                                                          std::move(padding)});
}
inline ModulePtr flatten() { return std::make_shared<Flatten>(); }

// The "avg_pool", "max_pool" and "flatten" rows of the layer catalog (layer_catalog.h).
LayerDef avg_pool_def();
LayerDef max_pool_def();
LayerDef flatten_def();

}  // namespace engine::nn
