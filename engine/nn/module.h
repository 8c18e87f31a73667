// Flax-linen-like modules: init(key, dummy_input) builds the variables, apply(variables, x, opts)
// runs the model.
//
// Variables are a PyTree dict of collections, as in Flax:
//   {"params": {"Dense_0": {"bias": b, "kernel": w}}, "batch_stats": {"BatchNorm_0": {...}}}
// A collection with nothing in it is left out (an MLP's variables are {"params": {...}} only).
//
//   nn::Sequential mlp({nn::flatten(), nn::dense(512), nn::activation("swish"), nn::dense(10)});
//   PyTree vars = mlp.init(random::PRNGKey(0), Array::zeros(DType::f32, {1, 28, 28, 1}));
//   nn::ApplyResult r = mlp.apply(vars, batch, {.train = true, .mutable_collections = {"batch_stats"}});
//
// apply only calls engine ops and never reads tensor values, so it runs under grad, jit and vmap
// (variables, x and the dropout key may all be tracers).
//
// Keys: each layer draws its parameter keys as Flax's Module.make_rng('params') does: the count
// of make_rng calls in that layer's scope (1 for the first parameter, 2 for the second, ...) and
// the scope path (("Dense_0",) inside a Sequential, () for a layer used at the top) are hashed
// with SHA-1 (the first 4 digest bytes, big-endian) and folded into the init key (rng.h). This
// reproduces the keys Flax's RNG guide prints, bit for bit (tests/unit/nn_test.cpp).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/tree/tree.h"

namespace engine::nn {

// The scope path of a layer: {} at the top, {"Dense_0"} inside a Sequential.
using ScopePath = std::vector<std::string>;

// One variable a layer makes, without making it: what nn.tabulate and the model summary list.
struct VariableShape {
  std::string collection;  // "params", "batch_stats"
  std::string name;        // "kernel", "bias", "mean", ...
  Shape shape;
  DType dtype = DType::f32;
};

struct ApplyOptions {
  bool train = false;
  // Collections apply may update and returns in ApplyResult::updated (e.g. {"batch_stats"}).
  std::vector<std::string> mutable_collections = {};
  // The 'dropout' stream's key (u32[2]); Dropout is the identity without one. May be traced.
  std::optional<Tensor> dropout_key = std::nullopt;

  bool is_mutable(const std::string& collection) const;
};

struct ApplyResult {
  Tensor out;
  // New values of the mutable collections that this model has, structured like `variables`
  // (e.g. {"batch_stats": {"BatchNorm_0": {"mean": m, "var": v}}}); an empty dict when none.
  PyTree updated = PyTree::dict({});
};

class Module {
 public:
  virtual ~Module() = default;

  // The Flax class name ("Dense", "Conv", "BatchNorm", "relu", ...), which auto-naming numbers.
  virtual std::string kind() const = 0;
  // Whether Flax makes it a submodule (it gets a scope and a name such as "Dropout_0"); the
  // function layers (activations, pooling, flatten) do not.
  virtual bool is_submodule() const { return false; }

  // Output shape for an input shape (batch axis included); throws engine::Error naming the
  // shapes when the input does not fit. Reads nothing but shapes.
  virtual Shape output_shape(const Shape& in) const = 0;
  // Number of parameter elements ("params" only) for that input; saturates at INT64_MAX.
  virtual int64_t param_count(const Shape& /*in*/) const { return 0; }
  // The variables init_scoped makes for that input, in every collection, without allocating
  // them (a summary of a large model costs nothing). Throws as output_shape does.
  virtual std::vector<VariableShape> variable_shapes(const Shape& in) const {
    output_shape(in);
    return {};
  }

  // This layer's variables, by collection, for an input of shape `in`; `key` is the init key of
  // the whole model and `path` this layer's scope.
  virtual PyTree init_scoped(const Array& key, const ScopePath& path, const Shape& in) const;
  // Runs the layer. `variables` holds this layer's collections (as init_scoped made them).
  virtual ApplyResult apply_scoped(const PyTree& variables, const Tensor& x,
                                   const ApplyOptions& opts, const ScopePath& path) const = 0;

  // Flax's Module.init: input sizes come from the dummy input's shape (its values are unused).
  PyTree init(const Array& key, const Tensor& dummy_input) const;
  // Flax's Module.apply with mutable=opts.mutable_collections.
  ApplyResult apply(const PyTree& variables, const Tensor& x, const ApplyOptions& opts = {}) const;
  // apply(...).out, for plain prediction.
  Tensor operator()(const PyTree& variables, const Tensor& x, const ApplyOptions& opts = {}) const {
    return apply(variables, x, opts).out;
  }
};

using ModulePtr = std::shared_ptr<const Module>;

// ---- helpers for layer implementations

// A dict of collections, leaving out empty ones: collections({{"params", p}, {"batch_stats", s}}).
PyTree collections(std::vector<std::pair<std::string, PyTree>> items);
// variables[collection][name], with an error naming the layer and what is missing.
const Tensor& variable(const PyTree& variables, const std::string& collection,
                       const std::string& name, const std::string& layer);
// Throws unless x has rank `rank`: "input (100, 14, 14) has rank 3 but Conv needs NHWC (rank 4)".
void check_rank(const Shape& in, int rank, const std::string& needs);
// "(100, 14, 14)" as Python prints a shape tuple.
std::string shape_tuple(const Shape& s);
// a * b, saturating at INT64_MAX (parameter counts of absurd models must not wrap).
int64_t mul_sat(int64_t a, int64_t b);
int64_t add_sat(int64_t a, int64_t b);

}  // namespace engine::nn
