#include "engine/nn/conv.h"

#include "engine/nn/initializers.h"
#include "engine/nn/layer_catalog.h"
#include "engine/nn/rng.h"
#include "engine/numpy.h"

namespace engine::nn {

namespace {
void check_pair(const IntList& v, const char* field) {
  GS_CHECK(v.size() == 2, std::string("Conv: ") + field + " must have 2 entries (height, width), got " +
                              ints_str(v));
  for (int64_t e : v)
    GS_CHECK(e > 0, std::string("Conv: ") + field + " entries must be positive, got " + ints_str(v));
}
}  // namespace

Conv::Conv(ConvConfig config) : config_(std::move(config)) {
  GS_CHECK(config_.features > 0,
           "Conv: features must be positive, got " + std::to_string(config_.features));
  check_pair(config_.kernel_size, "kernel_size");
  check_pair(config_.strides, "strides");
  check_pair(config_.dilation, "dilation");
  GS_CHECK(config_.padding == "SAME" || config_.padding == "VALID",
           "Conv: padding must be \"SAME\" or \"VALID\", got \"" + config_.padding + "\"");
}

Shape Conv::kernel_shape(int64_t in_features) const {
  return {config_.kernel_size[0], config_.kernel_size[1], in_features, config_.features};
}

Shape Conv::output_shape(const Shape& in) const {
  check_rank(in, 4, "Conv needs NHWC (rank 4)");
  Shape out{in[0], 0, 0, config_.features};
  const Shape spatial{in[1], in[2]};
  const Shape window{dilate_dim(config_.kernel_size[0], config_.dilation[0]),
                     dilate_dim(config_.kernel_size[1], config_.dilation[1])};
  IntLists pads = padtype_to_pads(spatial, window, config_.strides, config_.padding);
  for (int i = 0; i < 2; ++i) {
    const int64_t padded = spatial[i] + pads[i][0] + pads[i][1];
    out[i + 1] = strided_out_dim(padded, window[i], config_.strides[i]);
    GS_CHECK(out[i + 1] > 0, "input " + shape_tuple(in) + " is smaller than the " +
                                 ints_str(window) + " window of Conv (" + config_.padding +
                                 " padding): the output would be empty");
  }
  return out;
}

int64_t Conv::param_count(const Shape& in) const {
  output_shape(in);
  int64_t n = 1;
  for (int64_t d : kernel_shape(in[3])) n = mul_sat(n, d);
  return add_sat(n, config_.use_bias ? config_.features : 0);
}

std::vector<VariableShape> Conv::variable_shapes(const Shape& in) const {
  output_shape(in);
  std::vector<VariableShape> v{{"params", "kernel", kernel_shape(in[3])}};
  if (config_.use_bias) v.push_back({"params", "bias", {config_.features}});
  return v;
}

PyTree Conv::init_scoped(const Array& key, const ScopePath& path, const Shape& in) const {
  output_shape(in);
  std::vector<std::pair<std::string, PyTree>> params{
      {"kernel", lecun_normal(scope_key(key, path, 1), kernel_shape(in[3]))}};
  if (config_.use_bias) params.emplace_back("bias", zeros_init({config_.features}));
  return collections({{"params", PyTree::dict(std::move(params))}});
}

ApplyResult Conv::apply_scoped(const PyTree& variables, const Tensor& x, const ApplyOptions&,
                               const ScopePath& path) const {
  const std::string name = path.empty() ? "Conv" : path.back();
  output_shape(x.shape());
  const Tensor& kernel = variable(variables, "params", "kernel", name);
  GS_CHECK(kernel.shape() == kernel_shape(x.shape()[3]),
           "input " + shape_tuple(x.shape()) + " does not fit kernel " + shape_tuple(kernel.shape()));
  const Tensor xin = x.dtype() == kernel.dtype() ? x : astype(x, kernel.dtype());
  Tensor y = conv_general_dilated(xin, kernel, config_.strides, config_.padding, {}, config_.dilation);
  if (config_.use_bias) y = y + variable(variables, "params", "bias", name);
  return {y};
}

LayerDef conv_def() {
  return {.type = "conv",
          .flax_name = "Conv",
          .category = "convolution",
          .doc = "2-D convolution over NHWC images (channels last)",
          .fields = {positive_int_field("features", "Number of output channels (filters)", std::nullopt, 32),
                     int_pair_field("kernel_size", "Kernel height and width", IntList{3, 3}),
                     int_pair_field("strides", "Step between windows (height, width)", IntList{1, 1}),
                     choice_field("padding", "SAME keeps the size (at stride 1); VALID uses no padding",
                                  {"SAME", "VALID"}, "SAME"),
                     int_pair_field("dilation", "Kernel dilation (height, width)", IntList{1, 1}),
                     bool_field("use_bias", "Whether to add a learned bias", true)},
          .build =
              [](const nlohmann::json& f) {
                return std::make_shared<Conv>(ConvConfig{.features = f["features"].get<int64_t>(),
                                                         .kernel_size = f["kernel_size"].get<IntList>(),
                                                         .strides = f["strides"].get<IntList>(),
                                                         .padding = f["padding"].get<std::string>(),
                                                         .dilation = f["dilation"].get<IntList>(),
                                                         .use_bias = f["use_bias"].get<bool>()});
              },
          .write = [](const Module& m) -> std::optional<nlohmann::json> {
            const auto* c = dynamic_cast<const Conv*>(&m);
            if (!c) return std::nullopt;
            const ConvConfig& k = c->config();
            return nlohmann::json{{"features", k.features}, {"kernel_size", k.kernel_size},
                                  {"strides", k.strides},   {"padding", k.padding},
                                  {"dilation", k.dilation}, {"use_bias", k.use_bias}};
          }};
}

}  // namespace engine::nn
