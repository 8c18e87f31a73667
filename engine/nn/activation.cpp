#include "engine/nn/activation.h"

#include <algorithm>
#include <map>

#include "engine/nn/layer_catalog.h"
#include "engine/numpy.h"

namespace engine::nn {

const std::vector<std::string>& Activation::names() {
  static const std::vector<std::string> kNames{"relu", "swish", "silu", "selu", "gelu",
                                               "tanh", "sigmoid", "softmax", "log_softmax"};
  return kNames;
}

Activation::Activation(std::string name) : name_(std::move(name)) {
  if (std::find(names().begin(), names().end(), name_) == names().end()) {
    std::string known;
    for (const std::string& n : names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown activation '" + name_ + "'; known: " + known);
  }
}

ApplyResult Activation::apply_scoped(const PyTree&, const Tensor& x, const ApplyOptions&,
                                     const ScopePath&) const {
  if (name_ == "relu") return {relu(x)};
  if (name_ == "swish" || name_ == "silu") return {swish(x)};
  if (name_ == "selu") return {selu(x)};
  if (name_ == "gelu") return {gelu(x)};
  if (name_ == "tanh") return {engine::tanh(x)};
  if (name_ == "sigmoid") return {sigmoid(x)};
  if (name_ == "softmax") return {softmax(x, -1)};
  return {log_softmax(x, -1)};
}

std::vector<LayerDef> activation_defs() {
  static const std::map<std::string, std::string> kDocs{
      {"relu", "max(x, 0)"},
      {"swish", "x * sigmoid(x) (the same function as silu)"},
      {"silu", "x * sigmoid(x) (the same function as swish)"},
      {"selu", "Scaled exponential linear unit (self-normalizing)"},
      {"gelu", "Gaussian error linear unit, tanh approximation (jax.nn.gelu's default)"},
      {"tanh", "Hyperbolic tangent"},
      {"sigmoid", "1 / (1 + exp(-x))"},
      {"softmax", "Softmax over the last axis (outputs sum to 1)"},
      {"log_softmax", "Log of the softmax over the last axis"}};
  std::vector<LayerDef> out;
  for (const std::string& name : Activation::names()) {
    auto doc = kDocs.find(name);
    out.push_back({.type = name,
                   .flax_name = name,
                   .category = "activation",
                   .doc = doc != kDocs.end() ? doc->second : name,
                   .fields = {},
                   .build = [name](const nlohmann::json&) { return activation(name); },
                   .write = [name](const Module& m) -> std::optional<nlohmann::json> {
                     const auto* a = dynamic_cast<const Activation*>(&m);
                     if (!a || a->name() != name) return std::nullopt;
                     return nlohmann::json::object();
                   }});
  }
  return out;
}

}  // namespace engine::nn
