// Evaluating a jaxpr: binds each equation's primitive in turn, so it runs eagerly on concrete
// inputs, or re-traces into whatever trace is active (that is how jit inlines under grad).
//
// The Autodiff Lab opens this loop up, one equation per step (transforms/autodiff_walk.h).
#pragma once
#include "engine/ir/jaxpr.h"

namespace engine {

Tensors eval_jaxpr(const Jaxpr& jaxpr, std::span<const Tensor> consts, std::span<const Tensor> args);
inline Tensors eval_jaxpr(const ClosedJaxpr& cj, std::span<const Tensor> args) {
  return eval_jaxpr(cj.jaxpr, cj.consts, args);
}

// Reads an atom from an environment indexed by variable number.
inline Tensor read_atom(const std::vector<Tensor>& env, const Atom& a) {
  return a.is_literal() ? Tensor(a.literal) : env[a.var];
}

}  // namespace engine
