// A sequential model, named the way Flax auto-names submodules of a compact module: the layers
// that are submodules (Dense, Conv, BatchNorm, Dropout, Sequential) get "<Kind>_<n>", counted per
// kind ("Dense_0", "Conv_0", "BatchNorm_0", "Dense_1"), and their variables sit under that name in
// every collection: {"params": {"Dense_0": {"bias", "kernel"}, ...}}. Function layers
// (activations, pooling, flatten) have no variables; describe() calls them "relu_0", "flatten_0".
//
// describe() is the shape inference of the model builder: per layer its name, kind, output shape
// and parameter count, with errors that name the layer and the shapes.
#pragma once
#include <optional>

#include "engine/nn/module.h"

namespace engine::nn {

class Sequential : public Module {
 public:
  // name and input_shape (without the batch axis) are what a model spec records.
  explicit Sequential(std::vector<ModulePtr> layers, std::string name = "",
                      std::optional<Shape> input_shape = std::nullopt);
  const std::vector<ModulePtr>& layers() const { return layers_; }
  const std::vector<std::string>& layer_names() const { return names_; }
  const std::string& name() const { return name_; }
  const std::optional<Shape>& input_shape() const { return input_shape_; }

  std::string kind() const override { return "Sequential"; }
  bool is_submodule() const override { return true; }
  Shape output_shape(const Shape& in) const override;
  int64_t param_count(const Shape& in) const override;
  // Refuses a model of more than kMaxParams parameters before allocating anything.
  PyTree init_scoped(const Array& key, const ScopePath& path, const Shape& in) const override;
  ApplyResult apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions& opts,
                           const ScopePath& path) const override;

 private:
  std::vector<ModulePtr> layers_;
  std::vector<std::string> names_;
  std::string name_;
  std::optional<Shape> input_shape_;
};

struct LayerInfo {
  std::string name;  // "Conv_1", "relu_0"
  std::string kind;  // "Conv", "relu"
  Shape output_shape;
  int64_t param_count = 0;  // saturates at INT64_MAX
};

// Largest model init will allocate: 2^31 parameter elements.
inline constexpr int64_t kMaxParams = int64_t{1} << 31;

// Per layer of a Sequential (one row for any other module). input_shape includes the batch axis.
// Throws "Conv_1: input (100, 14, 14) has rank 3 but Conv needs NHWC (rank 4)".
std::vector<LayerInfo> describe(const Module& model, const Shape& input_shape);
int64_t total_params(const std::vector<LayerInfo>& layers);
// Throws, with the count, when the model has more than kMaxParams parameters.
void check_model_size(const std::vector<LayerInfo>& layers);

}  // namespace engine::nn
