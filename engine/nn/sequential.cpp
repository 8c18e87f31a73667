#include "engine/nn/sequential.h"

#include <map>

#include "engine/core/memory_limit.h"

namespace engine::nn {

namespace {

// Runs fn, prefixing an engine::Error's message with the layer's name.
template <class F>
auto named(const std::string& name, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(name + ": " + e.what());
  }
}

ScopePath child(const ScopePath& path, const std::string& name) {
  ScopePath p = path;
  p.push_back(name);
  return p;
}

// collection -> (layer name -> subtree), turned into {"collection": {"Layer_0": ...}}.
using Grouped = std::map<std::string, std::vector<std::pair<std::string, PyTree>>>;

void add_grouped(Grouped& g, const std::string& layer, const PyTree& per_collection) {
  if (!per_collection.is_dict()) return;
  const auto& keys = per_collection.keys();
  for (size_t i = 0; i < keys.size(); ++i) g[keys[i]].emplace_back(layer, per_collection.children()[i]);
}

PyTree from_grouped(Grouped g) {
  std::vector<std::pair<std::string, PyTree>> items;
  for (auto& [c, entries] : g) items.emplace_back(c, PyTree::dict(std::move(entries)));
  return collections(std::move(items));
}

}  // namespace

Sequential::Sequential(std::vector<ModulePtr> layers, std::string name, std::optional<Shape> input_shape)
    : layers_(std::move(layers)), name_(std::move(name)), input_shape_(std::move(input_shape)) {
  std::map<std::string, int> counts;
  for (size_t i = 0; i < layers_.size(); ++i) {
    GS_CHECK(layers_[i] != nullptr, "Sequential: layer " + std::to_string(i) + " is null");
    const std::string k = layers_[i]->kind();
    names_.push_back(k + "_" + std::to_string(counts[k]++));
  }
}

Shape Sequential::output_shape(const Shape& in) const {
  Shape s = in;
  for (size_t i = 0; i < layers_.size(); ++i)
    s = named(names_[i], [&] { return layers_[i]->output_shape(s); });
  return s;
}

int64_t Sequential::param_count(const Shape& in) const { return total_params(describe(*this, in)); }

PyTree Sequential::init_scoped(const Array& key, const ScopePath& path, const Shape& in) const {
  check_model_size(describe(*this, in));
  Grouped g;
  Shape s = in;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Module& layer = *layers_[i];
    named(names_[i], [&] {
      if (layer.is_submodule()) {
        add_grouped(g, names_[i], layer.init_scoped(key, child(path, names_[i]), s));
      } else {
        layer.init_scoped(key, path, s);
      }
      s = layer.output_shape(s);
      return 0;
    });
  }
  return from_grouped(std::move(g));
}

ApplyResult Sequential::apply_scoped(const PyTree& variables, const Tensor& x,
                                     const ApplyOptions& opts, const ScopePath& path) const {
  Grouped updated;
  Tensor h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Module& layer = *layers_[i];
    const std::string& name = names_[i];
    ApplyResult r = named(name, [&] {
      if (!layer.is_submodule()) return layer.apply_scoped(PyTree::dict({}), h, opts, path);
      // This layer's slice of every collection: {"params": variables["params"][name], ...}.
      std::vector<std::pair<std::string, PyTree>> own;
      if (variables.is_dict())
        for (size_t c = 0; c < variables.size(); ++c)
          if (variables.children()[c].contains(name))
            own.emplace_back(variables.keys()[c], variables.children()[c][name]);
      return layer.apply_scoped(PyTree::dict(std::move(own)), h, opts, child(path, name));
    });
    h = r.out;
    add_grouped(updated, name, r.updated);
  }
  return {h, from_grouped(std::move(updated))};
}

std::vector<LayerInfo> describe(const Module& model, const Shape& input_shape) {
  std::vector<LayerInfo> out;
  if (const auto* seq = dynamic_cast<const Sequential*>(&model)) {
    Shape s = input_shape;
    for (size_t i = 0; i < seq->layers().size(); ++i) {
      const Module& layer = *seq->layers()[i];
      const std::string& name = seq->layer_names()[i];
      LayerInfo info{name, layer.kind(), {}, 0};
      named(name, [&] {
        info.param_count = layer.param_count(s);
        info.output_shape = layer.output_shape(s);
        return 0;
      });
      s = info.output_shape;
      out.push_back(std::move(info));
    }
    return out;
  }
  const std::string name = model.kind();
  named(name, [&] {
    out.push_back({name, model.kind(), model.output_shape(input_shape), model.param_count(input_shape)});
    return 0;
  });
  return out;
}

int64_t total_params(const std::vector<LayerInfo>& layers) {
  int64_t n = 0;
  for (const LayerInfo& l : layers) n = add_sat(n, l.param_count);
  return n;
}

void check_model_size(const std::vector<LayerInfo>& layers) {
  const int64_t n = total_params(layers);
  // Parameters are f32, and Adam keeps two more copies: a model whose parameters alone pass the
  // engine's array limit (physical memory by default) cannot train, so it is refused here, before
  // init allocates the first layer, rather than by an allocation failing halfway through.
  const int64_t bytes_limit = max_array_bytes();
  if (n <= kMaxParams && n <= bytes_limit / 4) return;
  std::string biggest;
  int64_t most = -1;
  for (const LayerInfo& l : layers)
    if (l.param_count > most) most = l.param_count, biggest = l.name;
  const std::string largest = " (largest layer: " + biggest + " with " + std::to_string(most) + ")";
  if (n > kMaxParams)
    throw Error("model has " + std::to_string(n) + " parameters, more than the limit of 2^31 = " +
                std::to_string(kMaxParams) + largest);
  throw Error("model has " + std::to_string(n) + " parameters (" + std::to_string(n * 4) +
              " bytes as f32), more than the engine's array limit of " + std::to_string(bytes_limit) +
              " bytes" + largest);
}

}  // namespace engine::nn
