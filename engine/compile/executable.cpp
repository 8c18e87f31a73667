#include "engine/compile/executable.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>

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
  InterpretedExecutable(const ClosedJaxpr& cj, Backend& backend, const CompileOptions& options)
      : jaxpr_(cj), backend_(backend) {
    const Jaxpr& j = jaxpr_.jaxpr;
    for (size_t i = 0; i < jaxpr_.consts.size(); ++i) {
      GS_CHECK(jaxpr_.consts[i].is_concrete(),
               "compile: const " + std::to_string(i) + " of the jaxpr is a traced value; only "
               "functions closing over concrete arrays can be compiled");
      consts_.push_back(jaxpr_.consts[i].array());
    }
    if (options.fuse_elementwise) {
      steps_ = plan_fusion(j);
    } else {
      for (size_t k = 0; k < j.eqns.size(); ++k) steps_.push_back({static_cast<int>(k), nullptr});
    }
    plain_.resize(steps_.size());
    for (size_t s = 0; s < steps_.size(); ++s) {
      if (steps_[s].group) continue;
      const Eqn& e = j.eqns[steps_[s].eqn];
      plain_[s] = {e.inputs, e.outputs, {static_cast<size_t>(steps_[s].eqn)}, nullptr, ""};
    }
    if (options.fold_transposes) fold_transposes();
    if (options.fuse_epilogues) fuse_epilogues();
    // The last step reading each variable; outputs are never freed (they are returned).
    std::vector<int> last_use(j.avals.size(), -1);
    for (size_t s = 0; s < steps_.size(); ++s)
      for (int v : step_inputs(s)) last_use[v] = static_cast<int>(s);
    for (const Atom& a : j.outvars)
      if (!a.is_literal()) last_use[a.var] = static_cast<int>(steps_.size());
    // Per step: the kernel (prepared for its avals once, here) and the variables dead after it.
    frees_.resize(steps_.size());
    moves_.resize(steps_.size());
    for (size_t s = 0; s < steps_.size(); ++s) {
      const std::vector<int> ins = step_inputs(s);
      for (int v : ins)
        if (last_use[v] == static_cast<int>(s) &&
            std::find(frees_[s].begin(), frees_[s].end(), v) == frees_[s].end())
          frees_[s].push_back(v);
      // A variable read here for the last time is moved into the step's arguments (at its last
      // position, if read twice), so that the kernel may hold its only reference.
      const std::vector<int> args = step_args(s);
      for (size_t k = 0; k < args.size(); ++k)
        moves_[s].push_back(args[k] >= 0 && last_use[args[k]] == static_cast<int>(s) &&
                            std::find(args.begin() + static_cast<std::ptrdiff_t>(k) + 1, args.end(), args[k]) ==
                                args.end());
      if (steps_[s].group || plain_[s].kernel) continue;
      const Eqn& e = j.eqns[steps_[s].eqn];
      std::vector<Aval> in, out;
      for (const Atom& a : e.inputs) in.push_back(j.aval(a));
      for (int v : e.outputs) out.push_back(j.avals[v]);
      plain_[s].kernel = backend.prepare(e.prim, in, e.params, out);
    }
    if (options.profile) timers_ = std::make_unique<Timer[]>(steps_.size());
  }

  std::vector<Array> run(std::vector<Array> inputs) const override {
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
      env[j.invars[i]] = std::move(inputs[i]);
    }
    inputs.clear();
    std::vector<Array> args;
    using Clock = std::chrono::steady_clock;
    Clock::time_point t0;
    for (size_t s = 0; s < steps_.size(); ++s) {
      const Step& step = steps_[s];
      if (timers_) t0 = Clock::now();
      args.clear();
      const std::vector<bool>& moves = moves_[s];
      auto arg = [&](int v, size_t k) { return moves[k] ? std::move(env[v]) : env[v]; };
      if (step.group) {
        const std::vector<int>& ins = step.group->input_vars;
        for (size_t k = 0; k < ins.size(); ++k) args.push_back(arg(ins[k], k));
        std::vector<Array> outs = step.group->run(args);
        for (size_t i = 0; i < outs.size(); ++i) env[step.group->output_vars[i]] = std::move(outs[i]);
      } else {
        const Plain& p = plain_[s];
        for (size_t k = 0; k < p.ins.size(); ++k)
          args.push_back(p.ins[k].is_literal() ? p.ins[k].literal : arg(p.ins[k].var, k));
        std::vector<Array> outs = p.kernel->run(args);
        for (size_t i = 0; i < outs.size(); ++i) env[p.outs[i]] = std::move(outs[i]);
      }
      args.clear();
      for (int v : frees_[s]) env[v] = Array();
      if (timers_) {
        // Freed arrays go back to the pool inside the timed span: their cost is the step's.
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0);
        timers_[s].ns.fetch_add(ns.count(), std::memory_order_relaxed);
        timers_[s].calls.fetch_add(1, std::memory_order_relaxed);
      }
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

  void reset_profile() const override {
    if (!timers_)
      return;
    for (size_t s = 0; s < steps_.size(); ++s) {
      timers_[s].ns.store(0);
      timers_[s].calls.store(0);
    }
  }

  std::vector<StepTime> profile() const override {
    std::vector<StepTime> out;
    if (!timers_) return out;
    const Jaxpr& j = jaxpr_.jaxpr;
    for (size_t s = 0; s < steps_.size(); ++s) {
      StepTime t;
      const Step& step = steps_[s];
      if (step.group) {
        t.eqns = step.group->eqn_indices;
        const size_t sums = step.group->reductions.size();
        // Whole arrays read and written: what a memory-bound loop's time goes by.
        size_t arrays_in = 0;
        for (int v : step.group->input_vars) arrays_in += j.avals[v].shape == step.group->shape;
        t.label = "fused " + std::to_string(step.group->ops.size()) + " ops " +
                  (sums ? "+ " + std::to_string(sums) + (sums == 1 ? " sum " : " sums ") : "") +
                  Aval{step.group->shape, DType::f32}.str() + ", " + std::to_string(arrays_in) + " in " +
                  std::to_string(step.group->output_regs.size()) + " out";
      } else {
        const Plain& p = plain_[s];
        t.eqns = p.eqns;
        t.label = std::string(prim_name(j.eqns[step.eqn].prim)) + p.note;
        if (!p.outs.empty()) t.label += " " + j.avals[p.outs[0]].str();
        t.label += " <-";
        for (const Atom& a : p.ins) t.label += " " + j.aval(a).str();
      }
      t.calls = timers_[s].calls.load();
      t.seconds = static_cast<double>(timers_[s].ns.load()) * 1e-9;
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  struct Timer {
    std::atomic<int64_t> ns{0}, calls{0};
  };

  // The variables of a step's arguments in order, -1 for a literal.
  std::vector<int> step_args(size_t s) const {
    if (steps_[s].group) return steps_[s].group->input_vars;
    std::vector<int> vars;
    for (const Atom& a : plain_[s].ins) vars.push_back(a.is_literal() ? -1 : a.var);
    return vars;
  }

  std::vector<int> step_inputs(size_t s) const {
    if (steps_[s].group) return steps_[s].group->input_vars;
    std::vector<int> vars;
    for (const Atom& a : plain_[s].ins)
      if (!a.is_literal()) vars.push_back(a.var);
    return vars;
  }

  // Per variable: how many steps read it (returned ones count twice, so never "one reader"),
  // the last step reading it and the plain step defining it.
  struct Uses {
    std::vector<int> readers, reader, def;
  };
  Uses uses() const {
    const Jaxpr& j = jaxpr_.jaxpr;
    Uses u{std::vector<int>(j.avals.size(), 0), std::vector<int>(j.avals.size(), -1),
           std::vector<int>(j.avals.size(), -1)};
    for (size_t s = 0; s < steps_.size(); ++s) {
      for (int v : step_inputs(s)) {
        ++u.readers[v];
        u.reader[v] = static_cast<int>(s);
      }
      if (!steps_[s].group)
        for (int v : plain_[s].outs) u.def[v] = static_cast<int>(s);
    }
    for (const Atom& a : j.outvars)
      if (!a.is_literal()) u.readers[a.var] += 2;
    return u;
  }

  // A transpose whose only reader is a conv, or a conv whose only reader is a transpose, is
  // folded into the conv when the backend can read or write the transposed layout directly
  // (Backend::prepare_permuted): reverse mode wraps every conv weight gradient in three of them
  // (input and cotangent in, kernel out), each a full pass through memory otherwise.
  void fold_transposes() {
    const Jaxpr& j = jaxpr_.jaxpr;
    const auto [readers, reader, def] = uses();
    auto transpose_step = [&](int s) {
      return s >= 0 && !steps_[s].group && !removed(s) && j.eqns[steps_[s].eqn].prim == PrimId::transpose &&
             !plain_[s].ins[0].is_literal();
    };
    for (size_t s = 0; s < steps_.size(); ++s) {
      if (steps_[s].group || j.eqns[steps_[s].eqn].prim != PrimId::conv_general_dilated) continue;
      const Eqn& e = j.eqns[steps_[s].eqn];
      std::vector<Atom> ins = e.inputs;
      std::vector<IntList> perms(ins.size());
      std::vector<int> folded;
      for (size_t k = 0; k < ins.size(); ++k) {
        if (ins[k].is_literal() || readers[ins[k].var] != 1 || !transpose_step(def[ins[k].var])) continue;
        const int t = def[ins[k].var];
        perms[k] = j.eqns[steps_[t].eqn].params.ints("permutation");
        ins[k] = plain_[t].ins[0];
        folded.push_back(t);
      }
      int out = e.outputs[0];
      IntList out_perm;
      if (readers[out] == 1 && transpose_step(reader[out])) {
        const int t = reader[out];
        out_perm = j.eqns[steps_[t].eqn].params.ints("permutation");
        out = plain_[t].outs[0];
        folded.push_back(t);
      }
      if (folded.empty()) continue;
      std::vector<Aval> in_avals;
      for (const Atom& a : ins) in_avals.push_back(j.aval(a));
      auto kernel = backend_.prepare_permuted(e.prim, in_avals, perms, e.params, j.avals[e.outputs[0]], out_perm);
      if (!kernel) continue;
      plain_[s] = {ins, {out}, {static_cast<size_t>(steps_[s].eqn)}, std::move(kernel),
                   " (+" + std::to_string(folded.size()) + " transposes)"};
      for (int t : folded) {
        plain_[s].eqns.push_back(static_cast<size_t>(steps_[t].eqn));
        removed_.push_back(t);
      }
    }
    drop_removed();
  }

  // A dot_general or conv whose result only one fused group reads, and which that group only
  // scales, offsets, combines with other arrays or clamps at zero (compile/fusion.h,
  // epilogue_of), runs with the group as one kernel when the backend has one
  // (Backend::prepare_with_epilogue): an SGD update p - lr * (x^T dy) then never stores the
  // gradient, nor an inference conv its output before BatchNorm and relu. The kernel runs where
  // the group ran, when every operand of both is ready.
  void fuse_epilogues() {
    const Jaxpr& j = jaxpr_.jaxpr;
    const auto [readers, reader, def] = uses();
    for (size_t s = 0; s < steps_.size(); ++s) {
      if (steps_[s].group || plain_[s].eqns.size() != 1) continue;
      const Eqn& e = j.eqns[steps_[s].eqn];
      if (e.prim != PrimId::dot_general && e.prim != PrimId::conv_general_dilated) continue;
      const int v = e.outputs[0], t = reader[v];
      if (readers[v] != 1 || !steps_[t].group) continue;
      const FusedGroup& group = *steps_[t].group;
      auto tail = epilogue_of(group, j, v, static_cast<int>(e.inputs.size()));
      if (!tail) continue;
      std::vector<Aval> in;
      for (const Atom& a : e.inputs) in.push_back(j.aval(a));
      auto kernel = backend_.prepare_with_epilogue(e.prim, in, e.params, j.avals[v], tail->ops);
      if (!kernel) continue;
      Plain fused{e.inputs, group.output_vars, {static_cast<size_t>(steps_[s].eqn)}, std::move(kernel),
                  " (+" + std::to_string(group.ops.size()) + " ops)"};
      for (int operand : tail->operand_vars) fused.ins.push_back(Atom::of(operand));
      fused.eqns.insert(fused.eqns.end(), group.eqn_indices.begin(), group.eqn_indices.end());
      steps_[t] = {steps_[s].eqn, nullptr};
      plain_[t] = std::move(fused);
      removed_.push_back(static_cast<int>(s));
    }
    drop_removed();
  }

  void drop_removed() {
    std::vector<Step> steps;
    std::vector<Plain> plain;
    for (size_t s = 0; s < steps_.size(); ++s) {
      if (removed(static_cast<int>(s))) continue;
      steps.push_back(steps_[s]);
      plain.push_back(std::move(plain_[s]));
    }
    steps_ = std::move(steps);
    plain_ = std::move(plain);
    removed_.clear();
  }
  bool removed(int s) const { return std::find(removed_.begin(), removed_.end(), s) != removed_.end(); }

  // A plain step: its equation's inputs and outputs, or those of the equations fused into it
  // (folded transposes, an epilogue), which `note` names in profiles.
  struct Plain {
    std::vector<Atom> ins;
    std::vector<int> outs;
    std::vector<size_t> eqns;
    std::unique_ptr<PreparedKernel> kernel;
    std::string note;
  };

  ClosedJaxpr jaxpr_;
  Backend& backend_;
  std::vector<Array> consts_;
  std::vector<Step> steps_;
  std::vector<Plain> plain_;                              // per step (empty for groups)
  std::vector<int> removed_;                              // steps folded away (while planning)
  std::vector<std::vector<int>> frees_;                   // per step: variables last read there
  std::vector<std::vector<bool>> moves_;                  // per step and argument: moved in, not copied
  std::shared_ptr<BufferPool> pool_ = std::make_shared<BufferPool>();
  std::unique_ptr<Timer[]> timers_;  // per step, when profiling
};

}  // namespace

std::unique_ptr<Executable> compile(const ClosedJaxpr& jaxpr, Backend& backend, const CompileOptions& options) {
  return std::make_unique<InterpretedExecutable>(jaxpr, backend, options);
}

std::string format_profile(std::vector<Executable::StepTime> steps, size_t top) {
  double total = 0;
  for (const auto& t : steps) total += t.seconds;
  std::stable_sort(steps.begin(), steps.end(),
                   [](const auto& a, const auto& b) { return a.seconds > b.seconds; });
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%10s %6s %8s  %s\n", "ms/call", "%", "eqn", "step");
  out += line;
  for (size_t i = 0; i < steps.size() && i < top; ++i) {
    const auto& t = steps[i];
    const double per = t.calls ? t.seconds / static_cast<double>(t.calls) * 1e3 : 0.0;
    std::snprintf(line, sizeof line, "%10.3f %6.1f %8zu  ", per, total > 0 ? 100 * t.seconds / total : 0.0,
                  t.eqns.empty() ? size_t{0} : t.eqns.front());
    out += line + t.label + "\n";
  }
  const int64_t calls = steps.empty() ? 0 : steps.front().calls;
  std::snprintf(line, sizeof line, "%zu steps, %.3f ms per run\n", steps.size(),
                calls ? total / static_cast<double>(calls) * 1e3 : 0.0);
  out += line;
  return out;
}

}  // namespace engine
