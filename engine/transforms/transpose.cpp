#include "engine/transforms/transpose.h"

#include <algorithm>

#include "engine/ir/interpreter.h"

namespace engine {

Tensors backward_pass(const Jaxpr& j, std::span<const Tensor> consts, std::span<const Tensor> args,
                      const std::vector<bool>& linear, std::span<const Tensor> cts) {
  GS_CHECK(consts.size() == j.constvars.size() && args.size() == j.invars.size() &&
               linear.size() == j.invars.size(),
           "internal: backward_pass needs one const per constvar and one arg and flag per invar");
  GS_CHECK(cts.size() == j.outvars.size(), "transpose: expected " + std::to_string(j.outvars.size()) +
                                               " output cotangents, got " + std::to_string(cts.size()));

  // Forward: which variables depend on a linear input. Equations that do not are evaluated now;
  // partial evaluation leaves none in a linearized jaxpr, but a hand-written linear function may
  // compute constants of its own.
  std::vector<bool> is_linear(j.avals.size(), false);
  std::vector<Tensor> primal(j.avals.size());
  for (size_t i = 0; i < consts.size(); ++i) primal[j.constvars[i]] = consts[i];
  for (size_t i = 0; i < args.size(); ++i) {
    if (linear[i]) is_linear[j.invars[i]] = true;
    else primal[j.invars[i]] = args[i];
  }
  auto linear_atom = [&](const Atom& a) { return !a.is_literal() && is_linear[a.var]; };
  std::vector<bool> eqn_linear(j.eqns.size(), false);
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    const Eqn& e = j.eqns[k];
    eqn_linear[k] = std::any_of(e.inputs.begin(), e.inputs.end(), linear_atom);
    if (eqn_linear[k]) {
      for (int v : e.outputs) is_linear[v] = true;
      continue;
    }
    Tensors ins;
    for (const Atom& a : e.inputs) ins.push_back(read_atom(primal, a));
    Tensors outs = bind(e.prim, ins, e.params);
    for (size_t i = 0; i < outs.size(); ++i) primal[e.outputs[i]] = outs[i];
  }

  // Backward: cotangents per variable; undefined means zero. Integer and boolean values carry no
  // cotangent (their tangent space is trivial), so nothing is accumulated for them.
  std::vector<Tensor> ct(j.avals.size());
  auto accumulate = [&](int v, const Tensor& c) {
    if (!c.defined() || !is_linear[v] || !is_floating(j.avals[v].dtype)) return;
    ct[v] = ct[v].defined() ? bind1(PrimId::add, {ct[v], c}) : c;
  };
  for (size_t i = 0; i < j.outvars.size(); ++i) {
    const Atom& a = j.outvars[i];
    if (a.is_literal() || !cts[i].defined()) continue;
    GS_CHECK(cts[i].aval() == j.avals[a.var], "transpose: cotangent " + cts[i].aval().str() +
                                                  " for output " + std::to_string(i) + " of type " +
                                                  j.avals[a.var].str());
    accumulate(a.var, cts[i]);
  }

  for (size_t k = j.eqns.size(); k-- > 0;) {
    if (!eqn_linear[k]) continue;
    const Eqn& e = j.eqns[k];
    Tensors cts_out;
    bool any = false;
    for (int v : e.outputs) {
      cts_out.push_back(std::move(ct[v]));
      ct[v] = Tensor();  // consumed: frees the buffer as soon as possible
      any = any || cts_out.back().defined();
    }
    if (!any) continue;  // a zero cotangent transposes to zeros
    const PrimitiveRules& r = rules(e.prim);
    GS_CHECK(r.transpose, "cannot transpose " + std::string(r.name) +
                              ": it is not linear in its inputs, but a tangent flows through it (" +
                              std::string(r.missing_reason) + ")");
    Tensors ins;
    std::vector<bool> lin;
    Avals avals;
    for (const Atom& a : e.inputs) {
      lin.push_back(linear_atom(a));
      ins.push_back(lin.back() ? Tensor() : read_atom(primal, a));
      avals.push_back(j.aval(a));
    }
    Tensors cts_in = r.transpose(cts_out, ins, avals, lin, e.params);
    GS_CHECK(cts_in.size() == e.inputs.size(),
             "internal: the transpose rule of " + std::string(r.name) + " returned the wrong count");
    for (size_t i = 0; i < e.inputs.size(); ++i) {
      if (!lin[i] || !cts_in[i].defined()) continue;
      GS_CHECK(cts_in[i].aval() == avals[i], "internal: the transpose rule of " + std::string(r.name) +
                                                 " gave a cotangent " + cts_in[i].aval().str() +
                                                 " for an input " + avals[i].str());
      accumulate(e.inputs[i].var, cts_in[i]);
    }
  }

  Tensors out(j.invars.size());
  for (size_t i = 0; i < j.invars.size(); ++i)
    if (linear[i]) out[i] = ct[j.invars[i]];
  return out;
}

}  // namespace engine
