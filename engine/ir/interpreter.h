// Evaluating a jaxpr: binds each equation's primitive in turn, so it runs eagerly on concrete
// inputs, or re-traces into whatever trace is active (that is how jit inlines under grad).
//
// JaxprStepper is the same loop opened up, one equation per step(), for the Autodiff Lab: after
// each step the values of every variable computed so far can be read.
#pragma once
#include <optional>

#include "engine/ir/jaxpr.h"

namespace engine {

Tensors eval_jaxpr(const Jaxpr& jaxpr, std::span<const Tensor> consts, std::span<const Tensor> args);
inline Tensors eval_jaxpr(const ClosedJaxpr& cj, std::span<const Tensor> args) {
  return eval_jaxpr(cj.jaxpr, cj.consts, args);
}

class JaxprStepper {
 public:
  JaxprStepper(ClosedJaxpr jaxpr, Tensors args);
  bool finished() const { return next_ >= jaxpr_.jaxpr.eqns.size(); }
  size_t next_eqn() const { return next_; }
  // Runs the next equation and returns its outputs.
  const Tensors& step();
  Tensors outputs() const;  // valid once finished()
  // The value of a variable, if it has been computed (inputs and consts always have).
  std::optional<Tensor> value(int var) const;
  const ClosedJaxpr& jaxpr() const { return jaxpr_; }

 private:
  ClosedJaxpr jaxpr_;
  std::vector<Tensor> env_;
  Tensors last_;
  size_t next_ = 0;
};

// Reads an atom from an environment indexed by variable number.
inline Tensor read_atom(const std::vector<Tensor>& env, const Atom& a) {
  return a.is_literal() ? Tensor(a.literal) : env[a.var];
}

}  // namespace engine
