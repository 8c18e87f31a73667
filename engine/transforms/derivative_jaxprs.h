// Derivatives you can watch: every jaxpr that reverse mode builds for a function at a point, kept
// as ClosedJaxprs instead of hidden inside linearize / vjp, with where each primal variable's
// tangent and cotangent live in them. The Autodiff Lab and `gradient-cli trace` show these.
//
//   DerivativeJaxprs d = derivative_jaxprs(f, {x});
//   d.primal      f                          { lambda ; a:f32[3]. let b = mul a a; ... }
//   d.jvp         (primals, tangents) -> (primal outputs, non-zero output tangents)
//   d.linearized  LinearizedFn: linear.jaxpr maps tangents to output tangents; its consts are the
//                 residuals the forward pass saved
//   d.transposed  (non-zero output cotangents) -> input cotangents, consts = the residuals
#pragma once
#include "engine/transforms/autodiff.h"

namespace engine {

// Where one variable of the primal jaxpr reappears (-1: nowhere, e.g. a constant's tangent, a
// symbolic zero, or a value that is a literal there).
struct VarLinks {
  int jvp_primal = -1;      // variable of jvp.jaxpr holding its primal value
  int jvp_tangent = -1;     // variable of jvp.jaxpr holding its tangent
  int linear_tangent = -1;  // variable of linearized.linear.jaxpr holding its tangent
  int cotangent = -1;       // variable of transposed.jaxpr holding its (total) cotangent
};

// What linearize_flat records when asked to (see derivative_jaxprs).
struct LinearizeRecord {
  ClosedJaxpr primal, jvp;
  std::vector<VarLinks> links;          // per variable of primal.jaxpr (cotangent left at -1)
  std::vector<int> linear_eqn_origin;   // per equation of the linear jaxpr: the primal equation
                                        // whose JVP rule emitted it (-1 if none)
};
LinearizedFn linearize_flat_recorded(const FlatFn& f, const Tensors& primals, LinearizeRecord& record);

struct DerivativeJaxprs {
  ClosedJaxpr primal, jvp;
  LinearizedFn linearized;
  ClosedJaxpr transposed;
  std::vector<VarLinks> links;         // per variable of primal.jaxpr
  std::vector<int> linear_eqn_origin;  // per equation of linearized.linear.jaxpr
};

DerivativeJaxprs derivative_jaxprs(const FlatFn& f, const Tensors& primals);

}  // namespace engine
