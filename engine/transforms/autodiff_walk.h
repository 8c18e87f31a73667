// The Autodiff Lab's interpreter: a function's derivative computation walked one equation at a
// time, forwards and back, with every value readable (also `gradient-cli trace`).
//
//   forward  the primal jaxpr, equation by equation (eval_jaxpr opened up)
//   jvp      the primal jaxpr with a tangent beside every value (jvp_jaxpr opened up)
//   vjp      the primal jaxpr forwards, then the linear jaxpr backwards, each equation transposed
//            (LinearizedFn::vjp opened up): cotangents flow from the output to the inputs
//
// Each step runs exactly the binds the engine's own jvp / vjp run, so walking to the end gives
// bit for bit what they return. Stepping back undoes a step (forward steps clear their outputs;
// a backward step is undone by replaying the transpose up to the step before).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "engine/transforms/derivative_jaxprs.h"

namespace engine {

class BackwardPass;

enum class WalkMode { forward, jvp, vjp };
const char* walk_mode_name(WalkMode m);
WalkMode parse_walk_mode(const std::string& s);  // "forward" | "jvp" | "vjp", else an Error

// One variable as one step saw it.
struct WalkValue {
  std::string name;         // as printed in the step's jaxpr (a literal: its value)
  std::string primal_name;  // backward steps: the primal variable this is the cotangent of, if any
  Tensor value;             // the primal value (undefined for the linear values of backward steps)
  Tensor derivative;        // tangent (jvp), cotangent (vjp, backward); undefined: zero / none
};

struct WalkStep {
  bool backward = false;  // a transpose step over the linear jaxpr
  size_t eqn = 0;         // index of the equation in the primal (forward) or linear (backward) jaxpr
  int primal_eqn = -1;    // the primal equation it belongs to (backward: whose JVP rule emitted it)
};

struct WalkRecord {
  WalkStep step;
  std::vector<WalkValue> reads, writes;  // forward: inputs, outputs; backward: the cotangents of
                                         // the equation's outputs, then of its linear inputs
};

class AutodiffWalk {
 public:
  // seeds: jvp: one tangent per input; vjp: one cotangent per output; empty: ones for each.
  AutodiffWalk(const FlatFn& f, Tensors primals, WalkMode mode, Tensors seeds = {});
  ~AutodiffWalk();

  WalkMode mode() const { return mode_; }
  const DerivativeJaxprs& jaxprs() const { return d_; }
  const std::vector<WalkStep>& steps() const { return steps_; }
  size_t size() const { return steps_.size(); }
  size_t position() const { return records_.size(); }  // steps done
  bool finished() const { return position() == size(); }

  void step();
  void back();
  void run_to(size_t position);  // forwards or back until position() == position
  void run() { run_to(size()); }
  void reset() { run_to(0); }

  // The record of step i, which must have run (i < position()).
  const WalkRecord& record(size_t i) const { return records_.at(i); }

  // What is known now about a variable of the primal jaxpr (undefined: not computed yet / zero).
  Tensor value(int var) const;
  Tensor tangent(int var) const;    // jvp mode
  Tensor cotangent(int var) const;  // vjp mode, once the backward walk has reached it
  const std::vector<std::string>& primal_names() const { return primal_names_; }
  const std::vector<std::string>& linear_names() const { return linear_names_; }

  // Once finished: the outputs, their tangents (jvp), the inputs' cotangents (vjp), zeros
  // instantiated as jvp() / vjp() return them.
  Tensors outputs() const;
  Tensors output_tangents() const;
  Tensors input_cotangents() const;

 private:
  WalkRecord forward_step(size_t k);
  WalkRecord backward_step();
  void start_backward();

  WalkMode mode_;
  DerivativeJaxprs d_;
  Tensors primals_, seeds_;
  std::vector<WalkStep> steps_;
  std::vector<WalkRecord> records_;
  std::vector<Tensor> primal_env_, tangent_env_;
  std::unique_ptr<BackwardPass> pass_;
  std::vector<std::string> primal_names_, linear_names_;
  std::vector<int> primal_of_linear_;  // per linear variable: the primal variable, or -1
};

}  // namespace engine
