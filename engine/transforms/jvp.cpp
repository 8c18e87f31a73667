#include "engine/transforms/jvp.h"

#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/ops/shape_ops.h"

namespace engine {

std::vector<Aval> avals_of(std::span<const Tensor> ts) {
  std::vector<Aval> out;
  for (const Tensor& t : ts) out.push_back(t.aval());
  return out;
}

Tensors instantiate_zeros(const Tensors& ts, const std::vector<Aval>& avals) {
  Tensors out = ts;
  for (size_t i = 0; i < out.size(); ++i)
    if (!out[i].defined()) out[i] = zeros(avals[i].shape, avals[i].dtype);
  return out;
}

void jvp_eqn(const Eqn& e, std::vector<Tensor>& primal_env, std::vector<Tensor>& tangent_env) {
  Tensors xs, ts;
  bool any_tangent = false;
  for (const Atom& a : e.inputs) {
    xs.push_back(read_atom(primal_env, a));
    ts.push_back(a.is_literal() ? Tensor() : tangent_env[a.var]);
    any_tangent = any_tangent || ts.back().defined();
  }
  Tensors outs, touts;
  if (!any_tangent) {
    outs = bind(e.prim, xs, e.params);  // nothing to differentiate: no rule needed
    touts.resize(outs.size());
  } else {
    const PrimitiveRules& r = rules(e.prim);
    GS_CHECK(r.jvp, "jvp: primitive " + std::string(r.name) + " has no JVP rule (" +
                        std::string(r.missing_reason) + ")");
    std::tie(outs, touts) = r.jvp(xs, ts, e.params);
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    primal_env[e.outputs[i]] = outs[i];
    tangent_env[e.outputs[i]] = i < touts.size() ? touts[i] : Tensor();
  }
}

std::pair<Tensors, Tensors> jvp_jaxpr(const ClosedJaxpr& cj, std::span<const Tensor> primals,
                                      std::span<const Tensor> tangents, const JvpObserver* observe) {
  const Jaxpr& j = cj.jaxpr;
  GS_CHECK(primals.size() == j.invars.size() && tangents.size() == primals.size(),
           "jvp: expected " + std::to_string(j.invars.size()) + " primals and as many tangents");
  std::vector<Tensor> primal_env(j.avals.size()), tangent_env(j.avals.size());
  for (size_t i = 0; i < cj.consts.size(); ++i) primal_env[j.constvars[i]] = cj.consts[i];
  for (size_t i = 0; i < primals.size(); ++i) {
    primal_env[j.invars[i]] = primals[i];
    if (tangents[i].defined()) {
      GS_CHECK(tangents[i].shape() == primals[i].shape(),
               "jvp: tangent " + tangents[i].aval().str() + " does not match primal " + primals[i].aval().str());
      tangent_env[j.invars[i]] = tangents[i];
    }
  }
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    jvp_eqn(j.eqns[k], primal_env, tangent_env);
    if (observe) (*observe)(k, primal_env, tangent_env);
  }
  Tensors outs, touts;
  for (const Atom& a : j.outvars) {
    outs.push_back(read_atom(primal_env, a));
    touts.push_back(a.is_literal() ? Tensor() : tangent_env[a.var]);
  }
  return {outs, touts};
}

std::pair<Tensors, Tensors> jvp_flat(const FlatFn& f, const Tensors& primals, const Tensors& tangents) {
  ClosedJaxpr cj = trace_to_jaxpr(f, avals_of(primals));
  return jvp_jaxpr(cj, primals, tangents);
}

std::pair<PyTree, PyTree> jvp_trees(const TreeFn& f, const std::vector<PyTree>& primals,
                                    const std::vector<PyTree>& tangents) {
  GS_CHECK(primals.size() == tangents.size(), "jvp: " + std::to_string(primals.size()) +
                                                  " primal arguments but " +
                                                  std::to_string(tangents.size()) + " tangents");
  auto [xs, defs] = flatten_args(primals);
  auto [ts, tdefs] = flatten_args(tangents);
  for (size_t i = 0; i < defs.size(); ++i)
    check_same_structure(defs[i], tdefs[i], "jvp: primal and tangent of argument " + std::to_string(i));
  for (size_t i = 0; i < xs.size(); ++i)
    GS_CHECK(xs[i].aval() == ts[i].aval(), "jvp: tangent " + ts[i].aval().str() +
                                               " does not match its primal " + xs[i].aval().str());
  FlattenedFn flat = flatten_fn(f, defs);
  auto [outs, touts] = jvp_flat(flat.fn, xs, ts);
  touts = instantiate_zeros(touts, avals_of(outs));
  return {flat.out_def->unflatten(outs), flat.out_def->unflatten(touts)};
}

}  // namespace engine
