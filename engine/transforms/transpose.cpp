#include "engine/transforms/transpose.h"

#include <algorithm>

#include "engine/ir/interpreter.h"

namespace engine {

BackwardPass::BackwardPass(const Jaxpr& j, std::span<const Tensor> consts, std::span<const Tensor> args,
                           const std::vector<bool>& linear, std::span<const Tensor> cts, bool keep)
    : j_(j), linear_(linear), keep_(keep) {
  GS_CHECK(consts.size() == j.constvars.size() && args.size() == j.invars.size() &&
               linear.size() == j.invars.size(),
           "internal: backward_pass needs one const per constvar and one arg and flag per invar");
  GS_CHECK(cts.size() == j.outvars.size(), "transpose: expected " + std::to_string(j.outvars.size()) +
                                               " output cotangents, got " + std::to_string(cts.size()));

  // Forward: which variables depend on a linear input. Equations that do not are evaluated now;
  // partial evaluation leaves none in a linearized jaxpr, but a hand-written linear function may
  // compute constants of its own.
  is_linear_.assign(j.avals.size(), false);
  primal_.assign(j.avals.size(), Tensor());
  for (size_t i = 0; i < consts.size(); ++i) primal_[j.constvars[i]] = consts[i];
  for (size_t i = 0; i < args.size(); ++i) {
    if (linear[i]) is_linear_[j.invars[i]] = true;
    else primal_[j.invars[i]] = args[i];
  }
  auto linear_atom = [&](const Atom& a) { return !a.is_literal() && is_linear_[a.var]; };
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    const Eqn& e = j.eqns[k];
    if (std::any_of(e.inputs.begin(), e.inputs.end(), linear_atom)) {
      for (int v : e.outputs) is_linear_[v] = true;
      order_.push_back(k);
      continue;
    }
    Tensors ins;
    for (const Atom& a : e.inputs) ins.push_back(read_atom(primal_, a));
    Tensors outs = bind(e.prim, ins, e.params);
    for (size_t i = 0; i < outs.size(); ++i) primal_[e.outputs[i]] = outs[i];
  }
  std::reverse(order_.begin(), order_.end());

  // Backward: cotangents per variable; undefined means zero.
  ct_.assign(j.avals.size(), Tensor());
  for (size_t i = 0; i < j.outvars.size(); ++i) {
    const Atom& a = j.outvars[i];
    if (a.is_literal() || !cts[i].defined()) continue;
    GS_CHECK(cts[i].aval() == j.avals[a.var], "transpose: cotangent " + cts[i].aval().str() +
                                                  " for output " + std::to_string(i) + " of type " +
                                                  j.avals[a.var].str());
    accumulate(a.var, cts[i]);
  }
}

// Integer and boolean values carry no cotangent (their tangent space is trivial), so nothing is
// accumulated for them; cotangents reaching one variable from several uses are summed.
void BackwardPass::accumulate(int v, const Tensor& c) {
  if (!c.defined() || !is_linear_[v] || !is_floating(j_.avals[v].dtype)) return;
  ct_[v] = ct_[v].defined() ? bind1(PrimId::add, {ct_[v], c}) : c;
}

size_t BackwardPass::step() {
  GS_CHECK(!finished(), "the transpose has no more equations to step through");
  const size_t k = order_[pos_++];
  const Eqn& e = j_.eqns[k];
  Tensors cts_out;
  bool any = false;
  for (int v : e.outputs) {
    cts_out.push_back(ct_[v]);
    if (!keep_) ct_[v] = Tensor();  // consumed: frees the buffer as soon as possible
    any = any || cts_out.back().defined();
  }
  if (!any) return k;  // a zero cotangent transposes to zeros
  const PrimitiveRules& r = rules(e.prim);
  GS_CHECK(r.transpose, "cannot transpose " + std::string(r.name) +
                            ": it is not linear in its inputs, but a tangent flows through it (" +
                            std::string(r.missing_reason) + ")");
  Tensors ins;
  std::vector<bool> lin;
  Avals avals;
  for (const Atom& a : e.inputs) {
    lin.push_back(!a.is_literal() && is_linear_[a.var]);
    ins.push_back(lin.back() ? Tensor() : read_atom(primal_, a));
    avals.push_back(j_.aval(a));
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
  return k;
}

Tensors BackwardPass::input_cotangents() const {
  GS_CHECK(finished(), "internal: input cotangents read before the transpose finished");
  Tensors out(j_.invars.size());
  for (size_t i = 0; i < j_.invars.size(); ++i)
    if (linear_[i]) out[i] = ct_[j_.invars[i]];
  return out;
}

Tensors backward_pass(const Jaxpr& j, std::span<const Tensor> consts, std::span<const Tensor> args,
                      const std::vector<bool>& linear, std::span<const Tensor> cts) {
  BackwardPass pass(j, consts, args, linear, cts, /*keep_cotangents=*/false);
  while (!pass.finished()) pass.step();
  return pass.input_cotangents();
}

}  // namespace engine
