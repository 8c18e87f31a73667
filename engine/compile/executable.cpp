#include "engine/compile/executable.h"

#include <algorithm>

#include "engine/compile/fusion.h"
#include "engine/core/buffer_pool.h"

namespace engine {

namespace {

// Runs the jaxpr step by step: each plain equation through the kernel the backend prepared for
// it at compile time, each fused group of elementwise equations as one tiled loop
// (compile/fusion.h). Intermediates are dropped after their last reader, so peak memory follows
// liveness, and their storage goes back to the executable's BufferPool for the next arrays of
// the same size (core/buffer_pool.h): a step run again allocates nothing new.
class InterpretedExecutable final : public Executable {
 public:
  InterpretedExecutable(const ClosedJaxpr& cj, Backend& backend, bool fuse)
      : jaxpr_(cj), backend_(backend) {
    const Jaxpr& j = jaxpr_.jaxpr;
    for (size_t i = 0; i < jaxpr_.consts.size(); ++i) {
      GS_CHECK(jaxpr_.consts[i].is_concrete(),
               "compile: const " + std::to_string(i) + " of the jaxpr is a traced value; only "
               "functions closing over concrete arrays can be compiled");
      consts_.push_back(jaxpr_.consts[i].array());
    }
    if (fuse) {
      steps_ = plan_fusion(j);
    } else {
      for (size_t k = 0; k < j.eqns.size(); ++k) steps_.push_back({static_cast<int>(k), nullptr});
    }
    // The last step reading each variable; outputs are never freed (they are returned).
    std::vector<int> last_use(j.avals.size(), -1);
    for (size_t s = 0; s < steps_.size(); ++s)
      for (int v : step_inputs(steps_[s])) last_use[v] = static_cast<int>(s);
    for (const Atom& a : j.outvars)
      if (!a.is_literal()) last_use[a.var] = static_cast<int>(steps_.size());
    // Per step: the kernel (prepared for its avals once, here) and the variables dead after it.
    kernels_.resize(steps_.size());
    frees_.resize(steps_.size());
    for (size_t s = 0; s < steps_.size(); ++s) {
      for (int v : step_inputs(steps_[s]))
        if (last_use[v] == static_cast<int>(s) &&
            std::find(frees_[s].begin(), frees_[s].end(), v) == frees_[s].end())
          frees_[s].push_back(v);
      if (steps_[s].group) continue;
      const Eqn& e = j.eqns[steps_[s].eqn];
      std::vector<Aval> in, out;
      for (const Atom& a : e.inputs) in.push_back(j.aval(a));
      for (int v : e.outputs) out.push_back(j.avals[v]);
      kernels_[s] = backend.prepare(e.prim, in, e.params, out);
    }
  }

  std::vector<Array> run(std::span<const Array> inputs) const override {
    const Jaxpr& j = jaxpr_.jaxpr;
    GS_CHECK(inputs.size() == j.invars.size(), "executable expects " + std::to_string(j.invars.size()) +
                                                   " inputs, got " + std::to_string(inputs.size()));
    // Every array this run allocates comes from (and returns to) the executable's pool.
    BufferPool::Scope pool_scope(pool_.get());
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
    for (size_t s = 0; s < steps_.size(); ++s) {
      const Step& step = steps_[s];
      args.clear();
      if (step.group) {
        for (int v : step.group->input_vars) args.push_back(env[v]);
        std::vector<Array> outs = step.group->run(args);
        for (size_t i = 0; i < outs.size(); ++i) env[step.group->output_vars[i]] = std::move(outs[i]);
      } else {
        const Eqn& e = j.eqns[step.eqn];
        for (const Atom& a : e.inputs) args.push_back(a.is_literal() ? a.literal : env[a.var]);
        std::vector<Array> outs = kernels_[s]->run(args);
        for (size_t i = 0; i < outs.size(); ++i) env[e.outputs[i]] = std::move(outs[i]);
      }
      for (int v : frees_[s]) env[v] = Array();
    }
    std::vector<Array> out;
    for (const Atom& a : j.outvars) out.push_back(a.is_literal() ? a.literal : env[a.var]);
    return out;
  }

  const ClosedJaxpr& jaxpr() const override { return jaxpr_; }
  std::string backend_name() const override { return backend_.name(); }
  size_t num_fused_groups() const override {
    size_t n = 0;
    for (const Step& s : steps_) n += s.group != nullptr;
    return n;
  }

 private:
  std::vector<int> step_inputs(const Step& step) const {
    if (step.group) return step.group->input_vars;
    std::vector<int> vars;
    for (const Atom& a : jaxpr_.jaxpr.eqns[step.eqn].inputs)
      if (!a.is_literal()) vars.push_back(a.var);
    return vars;
  }

  ClosedJaxpr jaxpr_;
  Backend& backend_;
  std::vector<Array> consts_;
  std::vector<Step> steps_;
  std::vector<std::unique_ptr<PreparedKernel>> kernels_;  // per plain step
  std::vector<std::vector<int>> frees_;                   // per step: variables last read there
  std::shared_ptr<BufferPool> pool_ = std::make_shared<BufferPool>();
};

}  // namespace

std::unique_ptr<Executable> compile(const ClosedJaxpr& jaxpr, Backend& backend, const CompileOptions& options) {
  return std::make_unique<InterpretedExecutable>(jaxpr, backend, options.fuse_elementwise);
}

}  // namespace engine
