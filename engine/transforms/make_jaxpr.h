// make_jaxpr: the jaxpr a function traces to, for printing and stepping through (jax.make_jaxpr).
//
//   ClosedJaxpr cj = make_jaxpr([](Tensor x) { return sum(x * x) / 2.0; })(Array::zeros(DType::f32, {4}));
//   jaxpr_to_string(cj.jaxpr)
//   // { lambda ; a:f32[4]. let b:f32[4] = mul a a; c:f32[] = reduce_sum[axes=(0,)] b;
//   //   d:f32[] = div c 2.0 in (d,) }
//
// Only the avals of the arguments matter; their values are never read. The invars are the leaves
// of the arguments in flattening order; the outvars are the leaves of the result.
#pragma once
#include "engine/ir/jaxpr.h"
#include "engine/transforms/function.h"

namespace engine {

class MakeJaxprFn {
 public:
  explicit MakeJaxprFn(TreeFn fn) : fn_(std::move(fn)) {}
  template <class... A>
  ClosedJaxpr operator()(const A&... args) const {
    return trace(std::vector<PyTree>{to_tree(args)...}).first;
  }
  // The jaxpr and the structure of the result (to unflatten what evaluating the jaxpr returns).
  std::pair<ClosedJaxpr, TreeDef> trace(const std::vector<PyTree>& args) const;

 private:
  TreeFn fn_;
};

template <class F>
MakeJaxprFn make_jaxpr(F f) {
  return MakeJaxprFn(as_tree_fn(std::move(f)));
}

}  // namespace engine
