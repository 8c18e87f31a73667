// Tracing: turning a C++ function over Tensors into a jaxpr.
//
// There is one kind of trace, a jaxpr builder, kept on a per-thread stack ("omnistaging"): while a
// builder is active every bind() appends an equation to the innermost one, whatever its inputs
// are. Inputs from outside that trace (concrete arrays, or tracers of an enclosing trace that the
// function closed over) become constvars of the jaxpr being built, remembered with their values.
// Transformations are interpreters of jaxprs (transforms/), so they compose by nesting traces.
#pragma once
#include <functional>
#include <unordered_map>

#include "engine/ir/jaxpr.h"

namespace engine {

class Builder {
 public:
  Builder();
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  Tensor new_input(const Aval& aval);
  Tensors add_eqn(PrimId prim, std::span<const Tensor> inputs, const Params& params);
  // Ends the trace: the jaxpr with `outputs` as its results, and the captured constants.
  ClosedJaxpr finish(std::span<const Tensor> outputs);
  uint64_t id() const { return id_; }
  size_t num_eqns() const { return jaxpr_.eqns.size(); }  // recorded so far

 private:
  Atom atom_for(const Tensor& t);
  Tensor tracer_for(int var);

  uint64_t id_;
  Jaxpr jaxpr_;
  Tensors consts_;
  // Constants seen so far, by identity (buffer or outer tracer), so each is captured once.
  std::unordered_map<const void*, int> const_vars_;
  bool finished_ = false;
};

// The innermost active builder on this thread, or nullptr when running eagerly.
Builder* current_builder();

// Traces fn on fresh variables of the given avals into a closed jaxpr.
ClosedJaxpr trace_to_jaxpr(const std::function<Tensors(const Tensors&)>& fn,
                           const std::vector<Aval>& in_avals);

// Runs the kernel of one primitive on concrete inputs (the eager path of bind()).
std::vector<Array> eager_execute(PrimId prim, std::span<const Array> inputs, const Params& params);

}  // namespace engine
