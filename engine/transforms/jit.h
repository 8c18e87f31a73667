// jit: trace once per input signature, optimize, compile, cache, and run the compiled form.
//
//   auto step = jit([](PyTree params, Tensor x, int layers) { ... }, JitOptions{.static_argnums = {2}});
//   PyTree out = step(params, x, 3);   // traces and compiles: a cache miss
//   out = step(params, x2, 3);         // same shapes, dtypes, structures and statics: a hit
//
// The signature (the cache key) is: the avals of the flattened non-static arguments, their tree
// structures, the values of the static arguments and the name of the thread's default backend.
// On a miss, f is traced on those avals, the jaxpr is optimized (compile/passes.h) and compiled
// for the backend (compile/executable.h).
//
// Called with concrete inputs outside any trace, jit runs the cached executable. Called under
// another transformation (a trace is active, or an input is traced), it evaluates its optimized
// jaxpr in the current context, i.e. it acts as a call of its jaxpr: jvp(jit(f)), vmap(jit(f)),
// grad(jit(f)) and jit(jit(f)) all work, and the outer jit's jaxpr contains the inner one inlined.
//
// As in JAX, values f closes over are baked into the cached jaxpr as constants: capture by value,
// or clear_cache() after changing a captured array. A function that closes over a tracer of an
// enclosing transformation is traced on every call and never cached.
//
// Static arguments: the positions in JitOptions::static_argnums (negative counts from the end)
// are passed as StaticArg values (an int, double, bool or string) and are part of the cache key,
// so each distinct value compiles once. f receives them as its own parameter types (int, double,
// std::string, ...). A parameter of such a plain type must be static; a Tensor/PyTree parameter
// must not be. Through tree_fn() (when another transformation calls a jitted function), a static
// position must hold a concrete scalar, which is read as its value.
//
// The cache is shared by copies of a JitFn and guarded by a mutex, so trainer threads may call
// one jitted function concurrently.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "engine/ir/jaxpr.h"
#include "engine/transforms/function.h"

namespace engine {

class StaticArg {
 public:
  using Value = std::variant<int64_t, double, std::string>;
  template <class T>
    requires std::is_arithmetic_v<T>
  StaticArg(T v) {  // NOLINT: static values convert implicitly
    if constexpr (std::is_integral_v<T>) value_ = static_cast<int64_t>(v);
    else value_ = static_cast<double>(v);
  }
  StaticArg(std::string v) : value_(std::move(v)) {}  // NOLINT
  StaticArg(const char* v) : value_(std::string(v)) {}  // NOLINT

  const Value& value() const { return value_; }
  // The value as a parameter of type T: any arithmetic type from a number, std::string from a string.
  template <class T>
  T as(size_t position) const;
  // Typed and unambiguous ("i:3", "d:0x1.8p+1", "s:5:hello"): different values never collide.
  std::string key() const;
  std::string str() const;  // 3, 1.5, 'hello'
  bool operator==(const StaticArg&) const = default;

 private:
  Value value_;
};

template <class T>
T StaticArg::as(size_t position) const {
  if constexpr (std::is_arithmetic_v<T>) {
    if (auto* i = std::get_if<int64_t>(&value_)) return static_cast<T>(*i);
    if (auto* d = std::get_if<double>(&value_)) return static_cast<T>(*d);
  } else if constexpr (std::is_constructible_v<T, const std::string&>) {
    if (auto* s = std::get_if<std::string>(&value_)) return T(*s);
  }
  throw Error("jit: static argument " + std::to_string(position) + " (" + str() +
              ") does not convert to the type of that parameter");
}

using JitArg = std::variant<PyTree, StaticArg>;

struct JitOptions {
  std::vector<int> static_argnums;
};

struct CacheInfo {
  int64_t hits = 0;
  int64_t misses = 0;  // = compilations
  int64_t size = 0;    // signatures cached now
};

namespace detail {
template <class T>
inline constexpr bool is_static_type_v = std::is_arithmetic_v<T> || std::is_same_v<T, std::string>;

template <class T>
T jit_arg_as(const JitArg& a, size_t i) {
  if constexpr (is_static_type_v<T>) {
    const StaticArg* s = std::get_if<StaticArg>(&a);
    GS_CHECK(s, "jit: parameter " + std::to_string(i) +
                    " is a plain C++ value (a number or string), so it must be listed in static_argnums");
    return s->template as<T>(i);
  } else {
    const PyTree* t = std::get_if<PyTree>(&a);
    GS_CHECK(t, "jit: argument " + std::to_string(i) +
                    " is in static_argnums, but the function takes it as a tensor or tree");
    return from_tree<T>(*t);
  }
}

template <class A>
JitArg to_jit_arg(A&& a, bool is_static, size_t i) {
  using T = std::remove_cvref_t<A>;
  if (is_static) {
    if constexpr (std::is_constructible_v<StaticArg, const T&>) return StaticArg(a);
    throw Error("jit: argument " + std::to_string(i) +
                " is in static_argnums, but static arguments must be numbers or strings");
  }
  if constexpr (!std::is_lvalue_reference_v<A> && std::is_same_v<T, PyTree>) {
    return std::move(a);  // moved in: the call may hold its arrays' only references (donation)
  } else if constexpr (!std::is_lvalue_reference_v<A> && std::is_same_v<T, Tensor>) {
    return PyTree(std::move(a));
  } else if constexpr (requires { to_tree(a); }) {
    return to_tree(a);
  } else {
    throw Error("jit: argument " + std::to_string(i) + " is not a tensor or tree; list it in static_argnums");
  }
}

template <class F, class Args, size_t... I>
PyTree call_with_jit_args(const F& f, const std::vector<JitArg>& args, std::index_sequence<I...>) {
  constexpr size_t n = sizeof...(I);
  GS_CHECK(args.size() == n, "function takes " + std::to_string(n) + " arguments but " +
                                 std::to_string(args.size()) + " were given");
  return to_tree(f(jit_arg_as<std::tuple_element_t<I, Args>>(args[I], I)...));
}
}  // namespace detail

class JitFn {
 public:
  using ArgsFn = std::function<PyTree(const std::vector<JitArg>&)>;
  JitFn(ArgsFn fn, JitOptions options, std::string name = "jit");

  // A tree or tensor passed as an rvalue (std::move(state)) is donated: when nothing else holds
  // its arrays, the compiled function may write its results into them (Executable::run).
  template <class... A>
  PyTree operator()(A&&... args) const {
    check_static_argnums(sizeof...(A));
    std::vector<JitArg> v;
    size_t i = 0;
    ((v.push_back(detail::to_jit_arg(std::forward<A>(args), is_static(i, sizeof...(A)), i)), ++i), ...);
    return call_args(std::move(v));
  }
  PyTree call_args(std::vector<JitArg> args) const;
  // Trees only; a static position must hold a concrete scalar (see above).
  PyTree call(const std::vector<PyTree>& args) const;
  TreeFn tree_fn() const;
  operator TransformedFn() const { return TransformedFn(tree_fn(), name()); }  // NOLINT

  // The optimized jaxpr for these arguments (compiled and cached first if needed).
  template <class... A>
  ClosedJaxpr optimized_jaxpr(const A&... args) const {
    check_static_argnums(sizeof...(A));
    std::vector<JitArg> v;
    size_t i = 0;
    ((v.push_back(detail::to_jit_arg(args, is_static(i, sizeof...(A)), i)), ++i), ...);
    return optimized_jaxpr_args(v);
  }
  ClosedJaxpr optimized_jaxpr_args(const std::vector<JitArg>& args) const;

  CacheInfo cache_info() const;
  void clear_cache() const;  // also resets the counters
  const std::string& name() const;
  bool is_static(size_t position, size_t num_args) const;
  void check_static_argnums(size_t num_args) const;  // throws naming an entry out of range

 private:
  struct State;
  std::shared_ptr<State> state_;
};

template <class F>
JitFn jit(F f, JitOptions options = {}) {
  using Fn = std::remove_cvref_t<F>;
  if constexpr (HasTreeFn<Fn> || std::is_invocable_v<Fn, const std::vector<PyTree>&>) {
    // Already a transformed (tree) function: every argument is a tree.
    GS_CHECK(options.static_argnums.empty(),
             "jit: static_argnums need a function with typed parameters (wrap it in a lambda)");
    TreeFn tf = as_tree_fn(std::move(f));
    return JitFn(
        [tf](const std::vector<JitArg>& args) {
          std::vector<PyTree> trees;
          for (const JitArg& a : args) trees.push_back(std::get<PyTree>(a));
          return tf(trees);
        },
        std::move(options));
  } else {
    using Args = typename detail::callable_traits<Fn>::args;
    return JitFn(
        [f = std::move(f)](const std::vector<JitArg>& args) {
          return detail::call_with_jit_args<Fn, Args>(f, args, std::make_index_sequence<std::tuple_size_v<Args>>{});
        },
        std::move(options));
  }
}

}  // namespace engine
