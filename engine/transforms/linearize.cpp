// linearize = jvp + partial evaluation; vjp = linearize + transpose (see autodiff.h).
#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/ops/rule_helpers.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/derivative_jaxprs.h"
#include "engine/transforms/jvp.h"
#include "engine/transforms/partial_eval.h"
#include "engine/transforms/transpose.h"

namespace engine {

namespace {

// The variable a tensor is in the innermost trace, or -1 (a concrete value, an outer tracer).
int var_in_current_trace(const Tensor& t) {
  const Builder* b = current_builder();
  return b && t.is_traced() && t.tracer()->trace_id == b->id() ? t.tracer()->var : -1;
}

LinearizedFn linearize_impl(const FlatFn& f, const Tensors& primals, size_t num_tangent_outputs,
                            LinearizeRecord* record) {
  const size_t n = primals.size();
  LinearizedFn lin;
  lin.in_avals = avals_of(primals);
  ClosedJaxpr cj = trace_to_jaxpr(f, lin.in_avals);
  lin.out_avals = cj.jaxpr.out_avals();
  const size_t m = lin.out_avals.size();

  // The jvp as a jaxpr over (primals, tangents). Symbolic-zero output tangents are left out of its
  // outputs and remembered in zero_out; integer inputs get no tangent (their tangent invars stay
  // unused), and neither do the outputs past num_tangent_outputs.
  std::vector<int> jvp_eqn_origin;  // per jvp equation: the primal equation (with a record)
  std::vector<Aval> jvp_in = lin.in_avals;
  jvp_in.insert(jvp_in.end(), lin.in_avals.begin(), lin.in_avals.end());
  ClosedJaxpr jvp = trace_to_jaxpr(
      [&](const Tensors& in) {
        Tensors xs(in.begin(), in.begin() + n), ts(in.begin() + n, in.end());
        for (size_t i = 0; i < n; ++i)
          if (!is_floating(lin.in_avals[i].dtype)) ts[i] = Tensor();
        // With a record: each primal variable's primal and tangent variable in this trace, and
        // the primal equation that emitted each jvp equation.
        JvpObserver observe = [&](size_t k, const std::vector<Tensor>& penv, const std::vector<Tensor>& tenv) {
          for (int v : cj.jaxpr.eqns[k].outputs) {
            record->links[v].jvp_primal = var_in_current_trace(penv[v]);
            record->links[v].jvp_tangent = tenv[v].defined() ? var_in_current_trace(tenv[v]) : -1;
          }
          jvp_eqn_origin.resize(current_builder()->num_eqns(), static_cast<int>(k));
        };
        if (record) {
          record->links.assign(cj.jaxpr.avals.size(), VarLinks{});
          for (size_t i = 0; i < n; ++i) {
            record->links[cj.jaxpr.invars[i]].jvp_primal = var_in_current_trace(xs[i]);
            if (ts[i].defined()) record->links[cj.jaxpr.invars[i]].jvp_tangent = var_in_current_trace(ts[i]);
          }
        }
        auto [outs, touts] = jvp_jaxpr(cj, xs, ts, record ? &observe : nullptr);
        lin.zero_out.assign(m, true);
        for (size_t i = 0; i < m; ++i) {
          if (i >= num_tangent_outputs || !touts[i].defined()) continue;
          lin.zero_out[i] = false;
          outs.push_back(touts[i]);
        }
        return outs;
      },
      jvp_in);

  // Primals known, tangents unknown. Every output tangent is instantiated on the unknown side,
  // so one that turned out known (a constant of the linear map) is found there too.
  std::vector<bool> in_unknowns(2 * n, false), instantiate(jvp.jaxpr.outvars.size(), false);
  std::fill(in_unknowns.begin() + n, in_unknowns.end(), true);
  std::fill(instantiate.begin() + m, instantiate.end(), true);
  PartialEval pe = partial_eval_jaxpr(jvp.jaxpr, in_unknowns, instantiate);
  for (size_t i = 0; i < m; ++i)
    GS_CHECK(!pe.out_unknowns[i], "internal: a primal output of the jvp depends on a tangent");

  // The forward pass runs now, in the current context; the residuals it returns become the
  // consts of the linear jaxpr.
  Tensors known_out = eval_jaxpr(pe.known, jvp.consts, primals);
  lin.primals_out.assign(known_out.begin(), known_out.begin() + m);
  lin.linear.consts.assign(known_out.begin() + m, known_out.end());
  Jaxpr& lj = lin.linear.jaxpr;
  lj = std::move(pe.unknown);
  lj.constvars.assign(lj.invars.begin(), lj.invars.begin() + pe.num_residuals);
  lj.invars.erase(lj.invars.begin(), lj.invars.begin() + pe.num_residuals);
  if (record) {
    // Follow each tangent into the linear jaxpr (partial evaluation renumbers variables), and
    // each linear equation back to its jvp equation through the variable it defines.
    std::vector<int> defined_by(jvp.jaxpr.avals.size(), -1);
    for (size_t k = 0; k < jvp.jaxpr.eqns.size(); ++k)
      for (int v : jvp.jaxpr.eqns[k].outputs) defined_by[v] = static_cast<int>(k);
    std::vector<int> jvp_var_of(lj.avals.size(), -1);
    for (size_t v = 0; v < pe.unknown_var.size(); ++v)
      if (pe.unknown_var[v] >= 0) jvp_var_of[pe.unknown_var[v]] = static_cast<int>(v);
    for (VarLinks& l : record->links)
      if (l.jvp_tangent >= 0) l.linear_tangent = pe.unknown_var[l.jvp_tangent];
    for (const Eqn& e : lj.eqns) {
      int jv = e.outputs.empty() ? -1 : jvp_var_of[e.outputs[0]];
      int je = jv < 0 ? -1 : defined_by[jv];
      record->linear_eqn_origin.push_back(je < 0 || static_cast<size_t>(je) >= jvp_eqn_origin.size()
                                              ? -1
                                              : jvp_eqn_origin[je]);
    }
    record->primal = std::move(cj);
    record->jvp = std::move(jvp);
  }
  return lin;
}

}  // namespace

LinearizedFn linearize_flat(const FlatFn& f, const Tensors& primals, size_t num_tangent_outputs) {
  return linearize_impl(f, primals, num_tangent_outputs, nullptr);
}

LinearizedFn linearize_flat_recorded(const FlatFn& f, const Tensors& primals, LinearizeRecord& record) {
  return linearize_impl(f, primals, std::numeric_limits<size_t>::max(), &record);
}

Tensors LinearizedFn::jvp(const Tensors& tangents) const {
  GS_CHECK(tangents.size() == in_avals.size(), "linearized function: expected " +
                                                   std::to_string(in_avals.size()) + " tangents, got " +
                                                   std::to_string(tangents.size()));
  Tensors outs = eval_jaxpr(linear, instantiate_zeros(tangents, in_avals));
  Tensors result;
  for (size_t i = 0, k = 0; i < out_avals.size(); ++i)
    result.push_back(zero_out[i] ? zeros_of(out_avals[i]) : outs[k++]);
  return result;
}

Tensors LinearizedFn::vjp(const Tensors& cotangents) const {
  GS_CHECK(cotangents.size() == out_avals.size(), "vjp: expected " + std::to_string(out_avals.size()) +
                                                      " cotangents, got " +
                                                      std::to_string(cotangents.size()));
  Tensors cts;
  for (size_t i = 0; i < out_avals.size(); ++i)
    if (!zero_out[i]) cts.push_back(cotangents[i]);
  std::vector<bool> all_linear(in_avals.size(), true);
  Tensors no_args(in_avals.size());
  Tensors in_cts = backward_pass(linear.jaxpr, linear.consts, no_args, all_linear, cts);
  return instantiate_zeros(in_cts, in_avals);
}

namespace {

void check_leaves(const Tensors& given, const std::vector<Aval>& want, const char* what) {
  for (size_t i = 0; i < given.size(); ++i)
    GS_CHECK(given[i].aval() == want[i], std::string(what) + " leaf " + std::to_string(i) + " is " +
                                             given[i].aval().str() + " but should be " + want[i].str());
}

}  // namespace

std::pair<PyTree, LinearFn> linearize_trees(const TreeFn& f, const std::vector<PyTree>& primals) {
  // Not a structured binding: clang before 16 cannot capture one in a lambda (the fuzz build).
  auto flat_args = flatten_args(primals);
  auto& xs = flat_args.first;
  auto defs = flat_args.second;
  FlattenedFn flat = flatten_fn(f, defs);
  auto lin = std::make_shared<const LinearizedFn>(linearize_flat(flat.fn, xs));
  TreeDef out_def = *flat.out_def;
  LinearFn::Fn fn = [lin, defs, out_def](const std::vector<PyTree>& tangents) {
    GS_CHECK(tangents.size() == defs.size(), "linearize: the function takes " + std::to_string(defs.size()) +
                                                 " arguments but " + std::to_string(tangents.size()) +
                                                 " tangents were given");
    auto [ts, tdefs] = flatten_args(tangents);
    for (size_t i = 0; i < defs.size(); ++i)
      check_same_structure(defs[i], tdefs[i], "linearize: tangent of argument " + std::to_string(i));
    check_leaves(ts, lin->in_avals, "linearize: tangent");
    return out_def.unflatten(lin->jvp(ts));
  };
  return {out_def.unflatten(lin->primals_out), {std::move(fn), lin}};
}

std::pair<PyTree, VjpFn> vjp_trees(const TreeFn& f, const std::vector<PyTree>& primals) {
  auto flat_args = flatten_args(primals);  // no structured binding, as above
  auto& xs = flat_args.first;
  auto defs = flat_args.second;
  FlattenedFn flat = flatten_fn(f, defs);
  auto lin = std::make_shared<const LinearizedFn>(linearize_flat(flat.fn, xs));
  TreeDef out_def = *flat.out_def;
  VjpFn::Fn fn = [lin, defs, out_def](const PyTree& cotangent) {
    auto [cts, ct_def] = tree_flatten(cotangent);
    check_same_structure(out_def, ct_def, "vjp: cotangent vs output");
    check_leaves(cts, lin->out_avals, "vjp: cotangent");
    return unflatten_args(defs, lin->vjp(cts));
  };
  return {out_def.unflatten(lin->primals_out), {std::move(fn), lin}};
}

}  // namespace engine
