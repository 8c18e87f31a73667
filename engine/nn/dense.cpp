#include "engine/nn/dense.h"

#include "engine/nn/initializers.h"
#include "engine/nn/layer_catalog.h"
#include "engine/nn/rng.h"
#include "engine/numpy.h"

namespace engine::nn {

Dense::Dense(int64_t features, bool use_bias) : features_(features), use_bias_(use_bias) {
  GS_CHECK(features > 0, "Dense: features must be positive, got " + std::to_string(features));
}

Shape Dense::output_shape(const Shape& in) const {
  GS_CHECK(!in.empty(), "input () is a scalar but Dense needs at least one axis (features last)");
  Shape out = in;
  out.back() = features_;
  return out;
}

int64_t Dense::param_count(const Shape& in) const {
  output_shape(in);
  return add_sat(mul_sat(in.back(), features_), use_bias_ ? features_ : 0);
}

std::vector<VariableShape> Dense::variable_shapes(const Shape& in) const {
  output_shape(in);
  std::vector<VariableShape> v{{"params", "kernel", {in.back(), features_}}};
  if (use_bias_) v.push_back({"params", "bias", {features_}});
  return v;
}

PyTree Dense::init_scoped(const Array& key, const ScopePath& path, const Shape& in) const {
  output_shape(in);
  // make_rng('params') counts: kernel 1, bias 2 (zeros ignore their key).
  std::vector<std::pair<std::string, PyTree>> params{
      {"kernel", lecun_normal(scope_key(key, path, 1), {in.back(), features_})}};
  if (use_bias_) params.emplace_back("bias", zeros_init({features_}));
  return collections({{"params", PyTree::dict(std::move(params))}});
}

ApplyResult Dense::apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions&,
                                const ScopePath& path) const {
  const std::string name = path.empty() ? "Dense" : path.back();
  output_shape(x.shape());
  const Tensor& kernel = variable(variables, "params", "kernel", name);
  GS_CHECK(kernel.rank() == 2 && kernel.shape()[0] == x.shape().back(),
           "input " + shape_tuple(x.shape()) + " does not fit kernel " + shape_tuple(kernel.shape()));
  const int64_t last = x.rank() - 1;
  // Flax promotes input and kernel to one dtype; integer images become the kernel's float type.
  const Tensor xin = x.dtype() == kernel.dtype() ? x : astype(x, kernel.dtype());
  Tensor y = dot_general(xin, kernel, {.lhs_contract = {last}, .rhs_contract = {0}});
  if (use_bias_) y = y + variable(variables, "params", "bias", name);
  return {y};
}

LayerDef dense_def() {
  return {.type = "dense",
          .flax_name = "Dense",
          .category = "core",
          .doc = "Fully connected layer: y = x @ kernel + bias over the last axis",
          .fields = {positive_int_field("features", "Number of output features", std::nullopt, 64),
                     bool_field("use_bias", "Whether to add a learned bias", true)},
          .build = [](const nlohmann::json& f) { return dense(f["features"].get<int64_t>(), f["use_bias"].get<bool>()); },
          .write = [](const Module& m) -> std::optional<nlohmann::json> {
            const auto* d = dynamic_cast<const Dense*>(&m);
            if (!d) return std::nullopt;
            return nlohmann::json{{"features", d->features()}, {"use_bias", d->use_bias()}};
          }};
}

}  // namespace engine::nn
