#include "engine/ir/interpreter.h"

namespace engine {

static std::vector<Tensor> bind_inputs(const Jaxpr& j, std::span<const Tensor> consts,
                                       std::span<const Tensor> args) {
  GS_CHECK(consts.size() == j.constvars.size(), "internal: jaxpr needs " +
                                                    std::to_string(j.constvars.size()) + " consts");
  GS_CHECK(args.size() == j.invars.size(), "jaxpr expects " + std::to_string(j.invars.size()) +
                                               " arguments, got " + std::to_string(args.size()));
  std::vector<Tensor> env(j.avals.size());
  for (size_t i = 0; i < consts.size(); ++i) env[j.constvars[i]] = consts[i];
  for (size_t i = 0; i < args.size(); ++i) {
    const Aval& want = j.avals[j.invars[i]];
    GS_CHECK(args[i].aval() == want, "argument " + std::to_string(i) + " is " + args[i].aval().str() +
                                         " but the jaxpr expects " + want.str());
    env[j.invars[i]] = args[i];
  }
  return env;
}

static Tensors run_eqn(const Eqn& e, std::vector<Tensor>& env) {
  Tensors ins;
  ins.reserve(e.inputs.size());
  for (const Atom& a : e.inputs) ins.push_back(read_atom(env, a));
  Tensors outs = bind(e.prim, ins, e.params);
  for (size_t i = 0; i < outs.size(); ++i) env[e.outputs[i]] = outs[i];
  return outs;
}

Tensors eval_jaxpr(const Jaxpr& j, std::span<const Tensor> consts, std::span<const Tensor> args) {
  std::vector<Tensor> env = bind_inputs(j, consts, args);
  for (const Eqn& e : j.eqns) run_eqn(e, env);
  Tensors out;
  for (const Atom& a : j.outvars) out.push_back(read_atom(env, a));
  return out;
}

}  // namespace engine
