#include "engine/transforms/jit.h"

#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "engine/backend/backend.h"
#include "engine/compile/executable.h"
#include "engine/compile/passes.h"
#include "engine/ir/interpreter.h"
#include "engine/ir/trace.h"
#include "engine/transforms/jvp.h"

namespace engine {

std::string StaticArg::key() const {
  if (auto* i = std::get_if<int64_t>(&value_)) return "i:" + std::to_string(*i);
  if (auto* d = std::get_if<double>(&value_)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "d:%a", *d);  // hex float: exact, so 0.1 and 0.1+ulp differ
    return buf;
  }
  const std::string& s = std::get<std::string>(value_);
  return "s:" + std::to_string(s.size()) + ":" + s;
}

std::string StaticArg::str() const {
  if (auto* i = std::get_if<int64_t>(&value_)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&value_)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  return "'" + std::get<std::string>(value_) + "'";
}

// Named, not anonymous: JitFn::State (external linkage) holds these, which g++ flags when the
// file is compiled inside a unity batch (-Wsubobject-linkage).
namespace jit_detail {

// One cached signature: the optimized jaxpr, its output structure and its executable (null when
// the jaxpr closes over tracers and can only be evaluated inline).
struct Compiled {
  ClosedJaxpr jaxpr;
  TreeDef out_def;
  std::unique_ptr<Executable> exe;
};

// The non-static arguments, flattened, and the cache key of a call.
struct Signature {
  std::vector<PyTree> trees;
  Tensors leaves;
  std::vector<TreeDef> defs;
  std::string key;
  bool traced = false;
};

}  // namespace jit_detail

using jit_detail::Compiled;
using jit_detail::Signature;

struct JitFn::State {
  ArgsFn fn;
  std::vector<int> static_argnums;
  std::string name;
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<const Compiled>> cache;
  int64_t hits = 0;
  int64_t misses = 0;

  Signature signature(const std::vector<JitArg>& args, Backend& backend) const {
    Signature sig;
    for (size_t i = 0; i < args.size(); ++i) {
      if (auto* s = std::get_if<StaticArg>(&args[i])) {
        sig.key += "#" + std::to_string(i) + "=" + s->key() + ";";
      } else {
        sig.trees.push_back(std::get<PyTree>(args[i]));
      }
    }
    std::tie(sig.leaves, sig.defs) = flatten_args(sig.trees);
    sig.key += "@" + backend.name() + ";";
    for (const TreeDef& d : sig.defs) sig.key += d.str() + ";";
    sig.traced = current_builder() != nullptr;
    for (const Tensor& t : sig.leaves) {
      sig.key += t.aval().str() + ",";
      sig.traced = sig.traced || t.is_traced();
    }
    return sig;
  }

  std::shared_ptr<const Compiled> lookup(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = cache.find(key);
    if (it == cache.end()) return nullptr;
    ++hits;
    return it->second;
  }

  // Traces fn with the static arguments fixed, outside the lock (tracing runs user code, and two
  // threads may compile different signatures at once; for one signature the first insert wins).
  std::shared_ptr<const Compiled> compile_for(const std::vector<JitArg>& args, const Signature& sig,
                                              Backend& backend) {
    TreeFn bound = [this, &args](const std::vector<PyTree>& trees) {
      std::vector<JitArg> full = args;
      size_t next = 0;
      for (JitArg& a : full)
        if (std::holds_alternative<PyTree>(a)) a = trees[next++];
      return fn(full);
    };
    FlattenedFn flat = flatten_fn(bound, sig.defs);
    ClosedJaxpr traced = trace_to_jaxpr(flat.fn, avals_of(sig.leaves));
    auto c = std::make_shared<Compiled>();
    c->out_def = *flat.out_def;
    for (const Tensor& k : traced.consts)
      if (!k.is_concrete()) {
        c->jaxpr = std::move(traced);  // closes over an outer tracer: not cacheable
        return c;
      }
    PassOptions options;
    options.backend = &backend;
    c->jaxpr = optimize(traced, options);
    c->exe = compile(c->jaxpr, backend);
    std::lock_guard lock(mutex);
    ++misses;
    return cache.emplace(sig.key, std::move(c)).first->second;
  }

  std::shared_ptr<const Compiled> get(const std::vector<JitArg>& args, const Signature& sig, Backend& backend) {
    if (auto c = lookup(sig.key)) return c;
    return compile_for(args, sig, backend);
  }
};

JitFn::JitFn(ArgsFn fn, JitOptions options, std::string name) : state_(std::make_shared<State>()) {
  state_->fn = std::move(fn);
  state_->static_argnums = std::move(options.static_argnums);
  state_->name = std::move(name);
}

bool JitFn::is_static(size_t position, size_t num_args) const {
  for (int s : state_->static_argnums) {
    int64_t p = s < 0 ? s + static_cast<int64_t>(num_args) : s;
    if (p == static_cast<int64_t>(position)) return true;
  }
  return false;
}

void JitFn::check_static_argnums(size_t num_args) const {
  auto n = static_cast<int64_t>(num_args);
  for (int s : state_->static_argnums)
    GS_CHECK(s >= -n && s < n, "jit: static_argnums entry " + std::to_string(s) +
                                   " is out of range for a call with " + std::to_string(n) + " arguments");
}

PyTree JitFn::call_args(std::vector<JitArg> args) const {
  check_static_argnums(args.size());
  Backend& backend = default_backend();
  Signature sig = state_->signature(args, backend);
  std::shared_ptr<const Compiled> c = state_->get(args, sig, backend);
  Tensors outs;
  if (sig.traced || !c->exe) {
    outs = eval_jaxpr(c->jaxpr, sig.leaves);  // a call of the jaxpr in the current context
  } else {
    // From here on the executable holds the call's only references to the arguments' arrays,
    // so those the caller moved in can be updated in place.
    args.clear();
    sig.trees.clear();
    std::vector<Array> in;
    in.reserve(sig.leaves.size());
    for (Tensor& t : sig.leaves) {
      in.push_back(t.array());
      t = Tensor();
    }
    for (Array& a : c->exe->run(std::move(in))) outs.emplace_back(std::move(a));
  }
  return c->out_def.unflatten(outs);
}

PyTree JitFn::call(const std::vector<PyTree>& args) const {
  check_static_argnums(args.size());
  std::vector<JitArg> v;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!is_static(i, args.size())) {
      v.emplace_back(args[i]);
      continue;
    }
    const PyTree& t = args[i];
    GS_CHECK(t.is_leaf() && t.leaf().is_concrete() && t.leaf().rank() == 0,
             "jit: static argument " + std::to_string(i) + " must be a concrete scalar here, got " + t.describe() +
                 " (a static argument cannot be transformed; close over it in a lambda instead)");
    const Tensor& x = t.leaf();
    if (is_floating(x.dtype())) v.emplace_back(std::in_place_type<StaticArg>, x.item());
    else v.emplace_back(std::in_place_type<StaticArg>, static_cast<int64_t>(x.item()));
  }
  return call_args(std::move(v));
}

TreeFn JitFn::tree_fn() const {
  return [self = *this](const std::vector<PyTree>& args) { return self.call(args); };
}

ClosedJaxpr JitFn::optimized_jaxpr_args(const std::vector<JitArg>& args) const {
  check_static_argnums(args.size());
  Backend& backend = default_backend();
  Signature sig = state_->signature(args, backend);
  return state_->get(args, sig, backend)->jaxpr;
}

CacheInfo JitFn::cache_info() const {
  std::lock_guard lock(state_->mutex);
  return {state_->hits, state_->misses, static_cast<int64_t>(state_->cache.size())};
}

void JitFn::clear_cache() const {
  std::lock_guard lock(state_->mutex);
  state_->cache.clear();
  state_->hits = 0;
  state_->misses = 0;
}

const std::string& JitFn::name() const { return state_->name; }

}  // namespace engine
