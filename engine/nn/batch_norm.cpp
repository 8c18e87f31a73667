#include "engine/nn/batch_norm.h"

#include "engine/nn/layer_catalog.h"
#include "engine/nn/initializers.h"
#include "engine/numpy.h"

namespace engine::nn {

BatchNorm::BatchNorm(double momentum, double epsilon) : momentum_(momentum), epsilon_(epsilon) {
  GS_CHECK(momentum >= 0 && momentum <= 1,
           "BatchNorm: momentum must be in [0, 1], got " + std::to_string(momentum));
  GS_CHECK(epsilon > 0, "BatchNorm: epsilon must be positive, got " + std::to_string(epsilon));
}

Shape BatchNorm::output_shape(const Shape& in) const {
  GS_CHECK(in.size() >= 2, "input " + shape_tuple(in) + " has rank " + std::to_string(in.size()) +
                               " but BatchNorm needs a batch axis and a feature axis (rank >= 2)");
  return in;
}

int64_t BatchNorm::param_count(const Shape& in) const { return mul_sat(2, output_shape(in).back()); }

std::vector<VariableShape> BatchNorm::variable_shapes(const Shape& in) const {
  const Shape c{output_shape(in).back()};
  return {{"params", "scale", c}, {"params", "bias", c}, {"batch_stats", "mean", c}, {"batch_stats", "var", c}};
}

PyTree BatchNorm::init_scoped(const Array&, const ScopePath&, const Shape& in) const {
  const Shape c{output_shape(in).back()};
  return collections(
      {{"params", PyTree::dict({{"scale", ones_init(c)}, {"bias", zeros_init(c)}})},
       {"batch_stats", PyTree::dict({{"mean", zeros_init(c)}, {"var", ones_init(c)}})}});
}

ApplyResult BatchNorm::apply_scoped(const PyTree& variables, const Tensor& x,
                                    const ApplyOptions& opts, const ScopePath& path) const {
  const std::string name = path.empty() ? "BatchNorm" : path.back();
  output_shape(x.shape());
  const Tensor& scale = variable(variables, "params", "scale", name);
  const Tensor& bias = variable(variables, "params", "bias", name);
  const Tensor& ra_mean = variable(variables, "batch_stats", "mean", name);
  const Tensor& ra_var = variable(variables, "batch_stats", "var", name);
  GS_CHECK(scale.shape() == Shape{x.shape().back()},
           "input " + shape_tuple(x.shape()) + " has " + std::to_string(x.shape().back()) +
               " features but the variables were made for " + shape_tuple(scale.shape()));
  IntList reduce_axes;
  for (int64_t i = 0; i + 1 < x.rank(); ++i) reduce_axes.push_back(i);

  Tensor mu = ra_mean, v = ra_var;
  ApplyResult result;
  if (opts.train) {
    // Flax's _compute_stats with use_fast_variance: E[x²] - E[x]², clamped at 0 against rounding.
    mu = mean(x, reduce_axes);
    v = maximum(mean(square(x), reduce_axes) - square(mu), scalar_like(0.0, mu));
    // As in Flax, training writes the running statistics, so they must be mutable.
    GS_CHECK(opts.is_mutable("batch_stats"),
             name + ": training updates the running statistics; add \"batch_stats\" to "
                    "mutable_collections (or apply with train = false)");
    {
      PyTree stats = PyTree::dict({{"mean", momentum_ * ra_mean + (1.0 - momentum_) * mu},
                                   {"var", momentum_ * ra_var + (1.0 - momentum_) * v}});
      result.updated = PyTree::dict({{"batch_stats", stats}});
    }
  }
  Tensor mul = rsqrt(v + epsilon_) * scale;
  result.out = (x - mu) * mul + bias;
  return result;
}

LayerDef batch_norm_def() {
  return {.type = "batch_norm",
          .flax_name = "BatchNorm",
          .category = "normalization",
          .doc = "Batch normalization over the last axis, with running statistics (batch_stats)",
          .fields = {number_field("momentum", "Decay of the running mean and variance", 0.99, 0, 1, false, false),
                     number_field("epsilon", "Added to the variance before the square root", 1e-5, 0, 1, true, false)},
          .build = [](const nlohmann::json& f) { return batch_norm(f["momentum"].get<double>(), f["epsilon"].get<double>()); },
          .write = [](const Module& m) -> std::optional<nlohmann::json> {
            const auto* b = dynamic_cast<const BatchNorm*>(&m);
            if (!b) return std::nullopt;
            return nlohmann::json{{"momentum", b->momentum()}, {"epsilon", b->epsilon()}};
          }};
}

}  // namespace engine::nn
