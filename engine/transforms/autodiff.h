// Reverse mode and Jacobians: linearize, vjp, grad, value_and_grad, jacfwd, jacrev, hessian.
//
// Reverse mode is not a second set of derivative rules. As in JAX (and Autodidax, part 4):
//   1. linearize: trace f to a jaxpr, trace its jvp (inputs: primals, then tangents), and
//      partially evaluate that with the primals known and the tangents unknown. The known part is
//      the forward pass, which also saves residuals; the unknown part is a linear jaxpr from
//      (residuals, tangents) to output tangents (transforms/partial_eval.h).
//   2. vjp: run the linear jaxpr backwards with each primitive's transpose rule
//      (transforms/transpose.h).
// Everything evaluates through bind() in the current context, so these nest with each other and
// with the other transformations: grad(grad(f)), jacfwd(jacrev(f)), grad of a jitted function.
//
//   auto loss = [](const PyTree& params, const Tensor& x, const Tensor& y) { ... return l; };
//   PyTree vg = value_and_grad(loss)(params, x, y);       // (value, grads with params' structure)
//   PyTree g01 = grad(f, {.argnums = {0, 1}})(a, b);      // tuple (df/da, df/db)
//   Tensor d2 = grad(grad(cube))(x);                      // 6x
#pragma once
#include <functional>
#include <limits>
#include <memory>

#include "engine/ir/jaxpr.h"
#include "engine/transforms/function.h"

namespace engine {

// ---- the flat core

// f linearized at one point: its outputs there, and the linear map from input tangents to output
// tangents as a jaxpr whose consts are the residuals the forward pass saved.
struct LinearizedFn {
  Tensors primals_out;
  ClosedJaxpr linear;          // invars: one tangent per input; outvars: the non-zero tangents
  std::vector<bool> zero_out;  // per output: its tangent is a symbolic zero (not in linear.outvars)
  std::vector<Aval> in_avals, out_avals;

  // Output tangents for input tangents (undefined tangents are zeros; zeros are instantiated).
  Tensors jvp(const Tensors& tangents) const;
  // Input cotangents for output cotangents, by transposing `linear` (undefined cotangents are
  // zeros; the result has zeros instantiated, in each input's dtype).
  Tensors vjp(const Tensors& cotangents) const;
};

// Outputs from position num_tangent_outputs on are carried along without tangents (grad's aux).
LinearizedFn linearize_flat(const FlatFn& f, const Tensors& primals,
                            size_t num_tangent_outputs = std::numeric_limits<size_t>::max());

// ---- the API over pytrees (as jax.linearize, jax.vjp, jax.grad, ...)

struct GradOptions {
  std::vector<int> argnums{0};  // which arguments to differentiate with respect to
  bool has_aux = false;         // f returns (value, aux); aux is returned beside the gradient
};

// Maps tangents (one tree per primal argument, structured like it) to the output tangent tree.
// linearized() is the flat LinearizedFn underneath: its linear jaxpr and residuals, to look at.
class LinearFn {
 public:
  using Fn = std::function<PyTree(const std::vector<PyTree>&)>;
  LinearFn(Fn fn, std::shared_ptr<const LinearizedFn> lin) : fn_(std::move(fn)), lin_(std::move(lin)) {}
  PyTree operator()(const std::vector<PyTree>& tangents) const { return fn_(tangents); }
  const LinearizedFn& linearized() const { return *lin_; }

 private:
  Fn fn_;
  std::shared_ptr<const LinearizedFn> lin_;
};
// Maps an output cotangent (structured like the output) to one cotangent tree per argument;
// linearized() as above (its linear jaxpr is what the cotangent is pulled back through).
class VjpFn {
 public:
  using Fn = std::function<std::vector<PyTree>(const PyTree&)>;
  VjpFn(Fn fn, std::shared_ptr<const LinearizedFn> lin) : fn_(std::move(fn)), lin_(std::move(lin)) {}
  std::vector<PyTree> operator()(const PyTree& cotangent) const { return fn_(cotangent); }
  const LinearizedFn& linearized() const { return *lin_; }

 private:
  Fn fn_;
  std::shared_ptr<const LinearizedFn> lin_;
};

std::pair<PyTree, LinearFn> linearize_trees(const TreeFn& f, const std::vector<PyTree>& primals);
std::pair<PyTree, VjpFn> vjp_trees(const TreeFn& f, const std::vector<PyTree>& primals);
TransformedFn value_and_grad_tree(TreeFn f, GradOptions options);
TransformedFn grad_tree(TreeFn f, GradOptions options);
TransformedFn jacfwd_tree(TreeFn f, int argnum);
TransformedFn jacrev_tree(TreeFn f, int argnum);

// jax.linearize: (f(*primals), the linear map of its jvp at primals).
template <class F>
std::pair<PyTree, LinearFn> linearize(F f, const std::vector<PyTree>& primals) {
  return linearize_trees(as_tree_fn(std::move(f)), primals);
}

// jax.vjp: (f(*primals), a function from an output cotangent to the arguments' cotangents).
template <class F>
std::pair<PyTree, VjpFn> vjp(F f, const std::vector<PyTree>& primals) {
  return vjp_trees(as_tree_fn(std::move(f)), primals);
}

// jax.value_and_grad: calls return tuple(value, grads), value being (value, aux) with has_aux.
// grads has the structure of the differentiated argument, or is a tuple of them for several.
template <class F>
TransformedFn value_and_grad(F f, GradOptions options = {}) {
  return value_and_grad_tree(as_tree_fn(std::move(f)), std::move(options));
}

// jax.grad: f must return a scalar float tensor (or (scalar, aux) with has_aux, in which case
// calls return tuple(grads, aux)).
template <class F>
TransformedFn grad(F f, GradOptions options = {}) {
  return grad_tree(as_tree_fn(std::move(f)), std::move(options));
}

// Jacobians of a function from one tensor argument to one tensor: shape out.shape + in.shape.
// As in JAX, jacfwd is one jvp vmapped over the standard basis of the input (a batch of one-hot
// tangents, pushed through the linearized function at once); jacrev is one vjp vmapped over the
// basis of the output. Either costs one batched pass, not one pass per basis element.
template <class F>
TransformedFn jacfwd(F f, int argnum = 0) {
  return jacfwd_tree(as_tree_fn(std::move(f)), argnum);
}
template <class F>
TransformedFn jacrev(F f, int argnum = 0) {
  return jacrev_tree(as_tree_fn(std::move(f)), argnum);
}
// jax.hessian: jacfwd(jacrev(f)), shape out.shape + in.shape + in.shape.
template <class F>
TransformedFn hessian(F f, int argnum = 0) {
  return jacfwd_tree(jacrev_tree(as_tree_fn(std::move(f)), argnum).tree_fn(), argnum);
}

}  // namespace engine
