#include "engine/transforms/partial_eval.h"

#include <algorithm>

namespace engine {

namespace {

// Copies variables of one jaxpr into another, numbered in order of first appearance, so that the
// pieces print a, b, c, ... like freshly traced jaxprs.
class Renumber {
 public:
  Renumber(const Jaxpr& src, Jaxpr& dst) : src_(src), dst_(dst), map_(src.avals.size(), -1) {}

  int var(int v) {
    if (map_[v] < 0) map_[v] = dst_.new_var(src_.avals[v]);
    return map_[v];
  }
  const std::vector<int>& map() const { return map_; }
  Atom atom(const Atom& a) { return a.is_literal() ? a : Atom::of(var(a.var)); }
  Eqn eqn(const Eqn& e) {
    Eqn out{e.prim, e.params, {}, {}};
    for (const Atom& a : e.inputs) out.inputs.push_back(atom(a));
    for (int v : e.outputs) out.outputs.push_back(var(v));
    return out;
  }

 private:
  const Jaxpr& src_;
  Jaxpr& dst_;
  std::vector<int> map_;
};

}  // namespace

PartialEval partial_eval_jaxpr(const Jaxpr& jaxpr, const std::vector<bool>& in_unknowns,
                               const std::vector<bool>& instantiate) {
  GS_CHECK(in_unknowns.size() == jaxpr.invars.size(), "internal: partial_eval_jaxpr needs one flag per input");
  GS_CHECK(instantiate.empty() || instantiate.size() == jaxpr.outvars.size(),
           "internal: partial_eval_jaxpr needs one instantiate flag per output");
  // Dead equations would otherwise pull residuals into the known side for nothing.
  Jaxpr j = jaxpr;
  const std::vector<bool> keep = liveness(jaxpr).eqns;
  j.eqns.clear();
  for (size_t k = 0; k < jaxpr.eqns.size(); ++k)
    if (keep[k]) j.eqns.push_back(jaxpr.eqns[k]);

  std::vector<bool> unknown(j.avals.size(), false);
  for (size_t i = 0; i < j.invars.size(); ++i) unknown[j.invars[i]] = in_unknowns[i];
  auto is_unknown = [&](const Atom& a) { return !a.is_literal() && unknown[a.var]; };

  // Residuals: the known variables the unknown side reads, in order of first use.
  std::vector<int> residuals;
  std::vector<bool> is_residual(j.avals.size(), false);
  auto need = [&](const Atom& a) {
    if (a.is_literal() || unknown[a.var] || is_residual[a.var]) return;
    is_residual[a.var] = true;
    residuals.push_back(a.var);
  };

  std::vector<const Eqn*> known_eqns, unknown_eqns;
  for (const Eqn& e : j.eqns) {
    if (std::none_of(e.inputs.begin(), e.inputs.end(), is_unknown)) {
      known_eqns.push_back(&e);
      continue;
    }
    for (const Atom& a : e.inputs) need(a);
    for (int v : e.outputs) unknown[v] = true;
    unknown_eqns.push_back(&e);
  }

  PartialEval pe;
  for (size_t i = 0; i < j.outvars.size(); ++i) {
    const Atom& a = j.outvars[i];
    bool unk = is_unknown(a) || (!instantiate.empty() && instantiate[i]);
    if (unk) need(a);
    pe.out_unknowns.push_back(unk);
  }
  pe.num_residuals = residuals.size();

  Renumber k(j, pe.known);
  for (int v : j.constvars) pe.known.constvars.push_back(k.var(v));
  for (size_t i = 0; i < j.invars.size(); ++i)
    if (!in_unknowns[i]) pe.known.invars.push_back(k.var(j.invars[i]));
  for (const Eqn* e : known_eqns) pe.known.eqns.push_back(k.eqn(*e));
  for (size_t i = 0; i < j.outvars.size(); ++i)
    if (!pe.out_unknowns[i]) pe.known.outvars.push_back(k.atom(j.outvars[i]));
  for (int r : residuals) pe.known.outvars.push_back(Atom::of(k.var(r)));

  Renumber u(j, pe.unknown);
  for (int r : residuals) pe.unknown.invars.push_back(u.var(r));
  for (size_t i = 0; i < j.invars.size(); ++i)
    if (in_unknowns[i]) pe.unknown.invars.push_back(u.var(j.invars[i]));
  for (const Eqn* e : unknown_eqns) pe.unknown.eqns.push_back(u.eqn(*e));
  for (size_t i = 0; i < j.outvars.size(); ++i)
    if (pe.out_unknowns[i]) pe.unknown.outvars.push_back(u.atom(j.outvars[i]));
  pe.unknown_var = u.map();
  return pe;
}

}  // namespace engine
