#include "engine/nn/pooling.h"

#include "engine/nn/layer_catalog.h"
#include "engine/numpy.h"

namespace engine::nn {

Pool::Pool(Op op, PoolConfig config) : op_(op), config_(std::move(config)) {
  const std::string k = kind();
  GS_CHECK(config_.window.size() == 2 && config_.window[0] > 0 && config_.window[1] > 0,
           k + ": window must be 2 positive entries (height, width), got " + ints_str(config_.window));
  GS_CHECK(config_.strides.size() == 2 && config_.strides[0] > 0 && config_.strides[1] > 0,
           k + ": strides must be 2 positive entries, got " + ints_str(config_.strides));
  GS_CHECK(config_.padding == "SAME" || config_.padding == "VALID",
           k + ": padding must be \"SAME\" or \"VALID\", got \"" + config_.padding + "\"");
}

Shape Pool::output_shape(const Shape& in) const {
  check_rank(in, 4, kind() + " needs NHWC (rank 4)");
  const Shape spatial{in[1], in[2]};
  IntLists pads = padtype_to_pads(spatial, config_.window, config_.strides, config_.padding);
  Shape out = in;
  for (int i = 0; i < 2; ++i) {
    out[i + 1] = strided_out_dim(spatial[i] + pads[i][0] + pads[i][1], config_.window[i],
                                 config_.strides[i]);
    GS_CHECK(out[i + 1] > 0, "input " + shape_tuple(in) + " is smaller than the " +
                                 ints_str(config_.window) + " window of " + kind() +
                                 ": the output would be empty");
  }
  return out;
}

ApplyResult Pool::apply_scoped(const PyTree&, const Tensor& x, const ApplyOptions&,
                               const ScopePath&) const {
  output_shape(x.shape());
  if (op_ == Op::avg) return {engine::avg_pool(x, config_.window, config_.strides, config_.padding)};
  return {engine::max_pool(x, config_.window, config_.strides, config_.padding)};
}

Shape Flatten::output_shape(const Shape& in) const {
  GS_CHECK(!in.empty(), "input () is a scalar but flatten keeps a batch axis (rank >= 1)");
  int64_t rest = 1;
  for (size_t i = 1; i < in.size(); ++i) rest = mul_sat(rest, in[i]);
  return {in[0], rest};
}

ApplyResult Flatten::apply_scoped(const PyTree&, const Tensor& x, const ApplyOptions&,
                                  const ScopePath&) const {
  return {reshape(x, output_shape(x.shape()))};
}

namespace {
LayerDef pool_def(Pool::Op op) {
  const std::string type = op == Pool::Op::avg ? "avg_pool" : "max_pool";
  return {.type = type,
          .flax_name = type,
          .category = "pooling",
          .doc = std::string(op == Pool::Op::avg ? "Average" : "Maximum") + " over windows of the spatial axes (NHWC)",
          .fields = {int_pair_field("window", "Window height and width", std::nullopt, {2, 2}),
                     int_pair_field("strides", "Step between windows (height, width)", IntList{1, 1}),
                     choice_field("padding", "VALID uses no padding; SAME pads to keep ceil(size / stride)",
                                  {"SAME", "VALID"}, "VALID")},
          .build =
              [op](const nlohmann::json& f) {
                return std::make_shared<Pool>(op, PoolConfig{f["window"].get<IntList>(), f["strides"].get<IntList>(),
                                                             f["padding"].get<std::string>()});
              },
          .write = [op](const Module& m) -> std::optional<nlohmann::json> {
            const auto* p = dynamic_cast<const Pool*>(&m);
            if (!p || p->op() != op) return std::nullopt;
            return nlohmann::json{{"window", p->config().window},
                                  {"strides", p->config().strides},
                                  {"padding", p->config().padding}};
          }};
}
}  // namespace

LayerDef avg_pool_def() { return pool_def(Pool::Op::avg); }
LayerDef max_pool_def() { return pool_def(Pool::Op::max); }

LayerDef flatten_def() {
  return {.type = "flatten",
          .flax_name = "flatten",
          .category = "reshape",
          .doc = "Flattens every axis after the batch axis into one: (N, H, W, C) -> (N, H*W*C)",
          .fields = {},
          .build = [](const nlohmann::json&) { return flatten(); },
          .write = [](const Module& m) -> std::optional<nlohmann::json> {
            if (!dynamic_cast<const Flatten*>(&m)) return std::nullopt;
            return nlohmann::json::object();
          }};
}

}  // namespace engine::nn
