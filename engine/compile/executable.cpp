#include "engine/compile/executable.h"

namespace engine {

namespace {

class InterpretedExecutable final : public Executable {
 public:
  InterpretedExecutable(const ClosedJaxpr& cj, Backend& backend) : jaxpr_(cj), backend_(backend) {
    const Jaxpr& j = jaxpr_.jaxpr;
    for (size_t i = 0; i < jaxpr_.consts.size(); ++i) {
      GS_CHECK(jaxpr_.consts[i].is_concrete(),
               "compile: const " + std::to_string(i) + " of the jaxpr is a traced value; only "
               "functions closing over concrete arrays can be compiled");
      consts_.push_back(jaxpr_.consts[i].array());
    }
    // Last equation reading each variable; outputs are never freed (they are returned).
    last_use_.assign(j.avals.size(), -1);
    for (size_t k = 0; k < j.eqns.size(); ++k)
      for (const Atom& a : j.eqns[k].inputs)
        if (!a.is_literal()) last_use_[a.var] = static_cast<int>(k);
    for (const Atom& a : j.outvars)
      if (!a.is_literal()) last_use_[a.var] = static_cast<int>(j.eqns.size());
  }

  std::vector<Array> run(std::span<const Array> inputs) const override {
    const Jaxpr& j = jaxpr_.jaxpr;
    GS_CHECK(inputs.size() == j.invars.size(), "executable expects " + std::to_string(j.invars.size()) +
                                                   " inputs, got " + std::to_string(inputs.size()));
    std::vector<Array> env(j.avals.size());
    for (size_t i = 0; i < consts_.size(); ++i) env[j.constvars[i]] = consts_[i];
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Aval& want = j.avals[j.invars[i]];
      GS_CHECK(inputs[i].shape() == want.shape && inputs[i].dtype() == want.dtype,
               "executable input " + std::to_string(i) + " is " + inputs[i].aval_str() +
                   " but it was compiled for " + want.str());
      env[j.invars[i]] = inputs[i];
    }
    std::vector<Array> args;
    for (size_t k = 0; k < j.eqns.size(); ++k) {
      const Eqn& e = j.eqns[k];
      args.clear();
      for (const Atom& a : e.inputs) args.push_back(a.is_literal() ? a.literal : env[a.var]);
      std::vector<Array> outs = backend_.execute(e.prim, args, e.params);
      for (size_t i = 0; i < outs.size(); ++i) env[e.outputs[i]] = std::move(outs[i]);
      // Drop intermediates nothing reads any more, so peak memory follows liveness.
      for (const Atom& a : e.inputs)
        if (!a.is_literal() && last_use_[a.var] == static_cast<int>(k)) env[a.var] = Array();
    }
    std::vector<Array> out;
    for (const Atom& a : j.outvars) out.push_back(a.is_literal() ? a.literal : env[a.var]);
    return out;
  }

  const ClosedJaxpr& jaxpr() const override { return jaxpr_; }
  std::string backend_name() const override { return backend_.name(); }

 private:
  ClosedJaxpr jaxpr_;
  Backend& backend_;
  std::vector<Array> consts_;
  std::vector<int> last_use_;
};

}  // namespace

std::unique_ptr<Executable> compile(const ClosedJaxpr& jaxpr, Backend& backend) {
  return std::make_unique<InterpretedExecutable>(jaxpr, backend);
}

}  // namespace engine
