// How user functions meet the transformations.
//
// A user writes ordinary C++ callables over Tensor, Array, PyTree (and returns those, doubles,
// pairs or tuples of them). The transformations work on flat functions, vector<Tensor> in and out.
// This file converts between the two: as_tree_fn() sees any callable as "trees in, tree out",
// flatten_fn() flattens that for given input structures, and TransformedFn is what grad, vmap,
// jit, ... return: callable with any convertible arguments, returning a PyTree (which converts to
// a Tensor when it is one leaf), and itself accepted by every transformation, so they nest.
#pragma once
#include <concepts>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "engine/tree/tree.h"

namespace engine {

using Tensors = std::vector<Tensor>;
using FlatFn = std::function<Tensors(const Tensors&)>;
using TreeFn = std::function<PyTree(const std::vector<PyTree>&)>;

// ---- values <-> trees

inline PyTree to_tree(const PyTree& t) { return t; }
inline PyTree to_tree(const Tensor& t) { return PyTree(t); }
inline PyTree to_tree(const Array& a) { return PyTree(Tensor(a)); }
inline PyTree to_tree(double v) { return PyTree(Tensor(Array::scalar(v, DType::f32))); }
inline PyTree to_tree(const Tensors& ts) {
  std::vector<PyTree> items(ts.begin(), ts.end());
  return PyTree::list(std::move(items));
}
template <class A, class B>
PyTree to_tree(const std::pair<A, B>& p) {
  return PyTree::tuple({to_tree(p.first), to_tree(p.second)});
}
template <class... T>
PyTree to_tree(const std::tuple<T...>& t) {
  return std::apply([](const auto&... x) { return PyTree::tuple({to_tree(x)...}); }, t);
}

template <class T>
struct FromTree;
template <>
struct FromTree<PyTree> {
  static PyTree get(const PyTree& t) { return t; }
};
template <>
struct FromTree<Tensor> {
  static Tensor get(const PyTree& t) { return t.leaf(); }
};
template <>
struct FromTree<Array> {
  static Array get(const PyTree& t) { return t.leaf().array(); }
};
template <>
struct FromTree<Tensors> {
  static Tensors get(const PyTree& t) { return tree_leaves(t); }
};
template <class T>
T from_tree(const PyTree& t) {
  return FromTree<std::remove_cvref_t<T>>::get(t);
}

// ---- callables

// What every transformation returns. Calling it converts the arguments to trees.
class TransformedFn {
 public:
  TransformedFn(TreeFn fn, std::string name) : fn_(std::move(fn)), name_(std::move(name)) {}
  template <class... A>
  PyTree operator()(const A&... args) const {
    return fn_(std::vector<PyTree>{to_tree(args)...});
  }
  PyTree call(const std::vector<PyTree>& args) const { return fn_(args); }
  const TreeFn& tree_fn() const { return fn_; }
  const std::string& name() const { return name_; }

 private:
  TreeFn fn_;
  std::string name_;
};

namespace detail {
template <class F>
struct callable_traits : callable_traits<decltype(&F::operator())> {};
template <class R, class... A>
struct callable_traits<R (*)(A...)> {
  using args = std::tuple<std::remove_cvref_t<A>...>;
};
template <class R, class... A>
struct callable_traits<R (&)(A...)> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...)> : callable_traits<R (*)(A...)> {};

template <class F, class Args, size_t... I>
PyTree call_with_trees(const F& f, const std::vector<PyTree>& trees, std::index_sequence<I...>) {
  constexpr size_t n = sizeof...(I);
  GS_CHECK(trees.size() == n, "function takes " + std::to_string(n) + " arguments but " +
                                  std::to_string(trees.size()) + " were given");
  return to_tree(f(from_tree<std::tuple_element_t<I, Args>>(trees[I])...));
}
}  // namespace detail

// Anything exposing its tree function (TransformedFn, JitFn) is accepted by every transformation.
template <class F>
concept HasTreeFn = requires(const F& f) {
  { f.tree_fn() } -> std::convertible_to<TreeFn>;
};

// Any supported callable as trees in, tree out.
template <class F>
TreeFn as_tree_fn(F f) {
  if constexpr (HasTreeFn<std::remove_cvref_t<F>>) {
    return f.tree_fn();
  } else if constexpr (std::is_convertible_v<F, TreeFn> &&
                       std::is_invocable_v<F, const std::vector<PyTree>&>) {
    return TreeFn(f);
  } else {
    using Args = typename detail::callable_traits<std::remove_cvref_t<F>>::args;
    return [f](const std::vector<PyTree>& trees) {
      return detail::call_with_trees<F, Args>(f, trees, std::make_index_sequence<std::tuple_size_v<Args>>{});
    };
  }
}

// A TreeFn flattened for given input structures. out_def is filled in each time fn runs (when
// it is traced, that is once per trace), so it is valid after the first call.
struct FlattenedFn {
  FlatFn fn;
  std::shared_ptr<TreeDef> out_def;
};
FlattenedFn flatten_fn(TreeFn f, std::vector<TreeDef> in_defs);

// The leaves of a list of argument trees, and each argument's structure.
std::pair<Tensors, std::vector<TreeDef>> flatten_args(const std::vector<PyTree>& args);
// Splits flat leaves back into argument trees.
std::vector<PyTree> unflatten_args(const std::vector<TreeDef>& defs, const Tensors& leaves);

}  // namespace engine
