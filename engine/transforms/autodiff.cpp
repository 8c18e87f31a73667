// grad, value_and_grad and the Jacobians, on top of linearize_flat (linearize.cpp).
#include "engine/transforms/autodiff.h"

#include <algorithm>

#include "engine/ops/elementwise.h"
#include "engine/ops/shape_ops.h"
#include "engine/transforms/vmap.h"

namespace engine {

namespace {

std::string describe_value(const PyTree& t) { return t.is_leaf() ? t.leaf().aval().str() : t.describe(); }

void check_argnum(int argnum, size_t nargs, const char* who) {
  GS_CHECK(argnum >= 0 && static_cast<size_t>(argnum) < nargs,
           std::string(who) + ": argnums " + std::to_string(argnum) +
               " is out of range for a function called with " + std::to_string(nargs) + " arguments");
}

// The arguments with those at `argnums` replaced by trees rebuilt from flat leaves.
std::vector<PyTree> substitute(std::vector<PyTree> args, const std::vector<int>& argnums,
                               const std::vector<TreeDef>& defs, const Tensors& leaves) {
  std::vector<PyTree> parts = unflatten_args(defs, leaves);
  for (size_t k = 0; k < argnums.size(); ++k) args[argnums[k]] = parts[k];
  return args;
}

// One call of value_and_grad: the value, aux (None without has_aux) and the gradients.
struct GradResult {
  PyTree value, aux;
  std::vector<PyTree> grads;  // one tree per argnum
};

GradResult grad_call(const TreeFn& f, const GradOptions& opts, const std::vector<PyTree>& args) {
  GS_CHECK(!opts.argnums.empty(), "grad: argnums must name at least one argument");
  std::vector<TreeDef> defs;
  Tensors xs;
  for (size_t k = 0; k < opts.argnums.size(); ++k) {
    int a = opts.argnums[k];
    check_argnum(a, args.size(), "grad");
    GS_CHECK(std::count(opts.argnums.begin(), opts.argnums.end(), a) == 1,
             "grad: argnums " + std::to_string(a) + " is repeated");
    auto [leaves, def] = tree_flatten(args[a]);
    for (const Tensor& x : leaves)
      GS_CHECK(is_floating(x.dtype()), "grad requires floating-point inputs, got " + x.aval().str() +
                                           " in argument " + std::to_string(a));
    xs.insert(xs.end(), leaves.begin(), leaves.end());
    defs.push_back(std::move(def));
  }

  // The flat function of the differentiated leaves (the other arguments are closed over): the
  // scalar value first, then the leaves of aux, which ride along without tangents.
  TreeDef aux_def;
  FlatFn flat = [&](const Tensors& leaves) {
    PyTree out = f(substitute(args, opts.argnums, defs, leaves));
    PyTree value = out;
    Tensors outs;
    if (opts.has_aux) {
      GS_CHECK((out.is_tuple() || out.is_list()) && out.size() == 2,
               "grad with has_aux requires the function to return a pair (value, aux), got " + out.describe());
      value = out[0];
    }
    GS_CHECK(value.is_leaf() && value.leaf().rank() == 0,
             "grad requires a scalar output, got " + describe_value(value));
    GS_CHECK(is_floating(value.leaf().dtype()),
             "grad requires a floating-point output, got " + describe_value(value));
    outs.push_back(value.leaf());
    if (opts.has_aux) {
      auto [aux_leaves, def] = tree_flatten(out[1]);
      aux_def = std::move(def);
      outs.insert(outs.end(), aux_leaves.begin(), aux_leaves.end());
    }
    return outs;
  };
  LinearizedFn lin = linearize_flat(flat, xs, /*num_tangent_outputs=*/1);

  Tensors cts(lin.out_avals.size());
  cts[0] = Array::scalar(1.0, lin.out_avals[0].dtype);
  GradResult r;
  r.grads = unflatten_args(defs, lin.vjp(cts));
  r.value = lin.primals_out[0];
  if (opts.has_aux) r.aux = aux_def.unflatten(Tensors(lin.primals_out.begin() + 1, lin.primals_out.end()));
  return r;
}

PyTree pack_grads(std::vector<PyTree> grads, const GradOptions& opts) {
  return opts.argnums.size() == 1 ? grads[0] : PyTree::tuple(std::move(grads));
}

// ---- Jacobians

// The tensor argument `argnum` and f as a flat function of it (the others closed over).
struct TensorFn {
  Tensor x;
  FlatFn fn;
};

TensorFn tensor_fn(const TreeFn& f, const std::vector<PyTree>& args, int argnum, const char* who) {
  check_argnum(argnum, args.size(), who);
  const PyTree& arg = args[argnum];
  GS_CHECK(arg.is_leaf(), std::string(who) + ": argument " + std::to_string(argnum) +
                              " must be a single tensor, got " + arg.describe());
  GS_CHECK(is_floating(arg.leaf().dtype()), std::string(who) + " requires a floating-point input, got " +
                                                arg.leaf().aval().str());
  FlatFn fn = [f, args, argnum, who](const Tensors& in) {
    std::vector<PyTree> call = args;
    call[argnum] = in[0];
    PyTree out = f(call);
    GS_CHECK(out.is_leaf(), std::string(who) + ": the function must return a single tensor, got " +
                                out.describe());
    return Tensors{out.leaf()};
  };
  return {arg.leaf(), std::move(fn)};
}

// The standard basis of a space of shape `aval.shape`, stacked: shape (n, *aval.shape), row i the
// i-th one-hot element (jnp.eye(n).reshape(n, *shape), as JAX's _std_basis).
Tensor standard_basis(const Aval& aval) {
  const int64_t n = aval.size();
  Shape shape{n};
  shape.insert(shape.end(), aval.shape.begin(), aval.shape.end());
  Array a = Array::zeros(aval.dtype, shape);
  dispatch_dtype(aval.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* d = a.mutable_data<T>();
    for (int64_t i = 0; i < n; ++i) d[i * n + i] = static_cast<T>(1);
  });
  return a;
}

Shape jacobian_shape(const Aval& out, const Aval& in) {
  Shape shape = out.shape;
  shape.insert(shape.end(), in.shape.begin(), in.shape.end());
  return shape;
}

}  // namespace

TransformedFn value_and_grad_tree(TreeFn f, GradOptions options) {
  return TransformedFn(
      [f = std::move(f), opts = std::move(options)](const std::vector<PyTree>& args) {
        GradResult r = grad_call(f, opts, args);
        PyTree value = opts.has_aux ? PyTree::tuple({r.value, r.aux}) : r.value;
        return PyTree::tuple({value, pack_grads(std::move(r.grads), opts)});
      },
      "value_and_grad");
}

TransformedFn grad_tree(TreeFn f, GradOptions options) {
  return TransformedFn(
      [f = std::move(f), opts = std::move(options)](const std::vector<PyTree>& args) {
        GradResult r = grad_call(f, opts, args);
        PyTree grads = pack_grads(std::move(r.grads), opts);
        return opts.has_aux ? PyTree::tuple({grads, r.aux}) : grads;
      },
      "grad");
}

TransformedFn jacfwd_tree(TreeFn f, int argnum) {
  return TransformedFn(
      [f = std::move(f), argnum](const std::vector<PyTree>& args) -> PyTree {
        TensorFn tf = tensor_fn(f, args, argnum, "jacfwd");
        LinearizedFn lin = linearize_flat(tf.fn, {tf.x});
        const Aval &in = lin.in_avals[0], &out = lin.out_avals[0];
        if (in.size() == 0) return zeros(jacobian_shape(out, in), out.dtype);
        // One jvp, vmapped over the basis of the input space: column i is J·e_i. The batch axis
        // goes last, (*out, n), and is then unfolded into the input's shape.
        FlatFn push = [&lin](const Tensors& t) { return lin.jvp(t); };
        Tensor cols = vmap_flat(push, {standard_basis(in)}, {0}, -1)[0];
        return reshape(cols, jacobian_shape(out, in));
      },
      "jacfwd");
}

TransformedFn jacrev_tree(TreeFn f, int argnum) {
  return TransformedFn(
      [f = std::move(f), argnum](const std::vector<PyTree>& args) -> PyTree {
        TensorFn tf = tensor_fn(f, args, argnum, "jacrev");
        LinearizedFn lin = linearize_flat(tf.fn, {tf.x});
        const Aval &in = lin.in_avals[0], &out = lin.out_avals[0];
        GS_CHECK(is_floating(out.dtype), "jacrev requires a floating-point output, got " + out.str());
        if (out.size() == 0) return zeros(jacobian_shape(out, in), out.dtype);
        // One vjp, vmapped over the basis of the output space: row j is e_jᵀ·J, stacked as
        // (m, *in) and then folded back into the output's shape.
        FlatFn pull = [&lin](const Tensors& c) { return lin.vjp(c); };
        Tensor rows = vmap_flat(pull, {standard_basis(out)}, {0}, 0)[0];
        return reshape(rows, jacobian_shape(out, in));
      },
      "jacrev");
}

}  // namespace engine
