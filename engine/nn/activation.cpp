#include "engine/nn/activation.h"

#include <algorithm>

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

}  // namespace engine::nn
