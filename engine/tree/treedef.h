// TreeDef: the structure of a PyTree without its leaves (JAX's PyTreeDef), and the tree utilities
// built on flattening: tree_flatten / tree_unflatten / tree_leaves / tree_structure / tree_map.
//
// Transformations work on flat lists of tensors; a TreeDef is how they get the user's nesting
// back: flatten the inputs, trace or transform the flat function, unflatten the outputs.
//
//   auto [leaves, def] = tree_flatten(params);   // def.str(): PyTreeDef({'b': *, 'w': *})
//   PyTree again = def.unflatten(leaves);
//   PyTree updated = tree_map([&](const Tensor& p, const Tensor& g) { return sub(p, mul(lr, g)); },
//                             params, grads);
#pragma once
#include <concepts>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/tree/key_path.h"
#include "engine/tree/pytree.h"

namespace engine {

class TreeDef {
 public:
  TreeDef();  // the structure of None (what tree_structure(PyTree()) returns)

  static TreeDef leaf();
  static TreeDef none() { return TreeDef(); }
  static TreeDef list(std::vector<TreeDef> children);
  static TreeDef tuple(std::vector<TreeDef> children);
  static TreeDef dict(std::vector<std::pair<std::string, TreeDef>> children);  // sorted by key

  NodeKind kind() const;
  size_t num_leaves() const;
  size_t num_nodes() const;  // every node, leaves and None included (as JAX counts them)
  const std::vector<TreeDef>& children() const;
  const std::vector<std::string>& keys() const;  // dict keys, sorted; empty for other kinds

  // Structural equality: same kinds, lengths and dict keys everywhere.
  bool operator==(const TreeDef& other) const;

  // "PyTreeDef({'a': *, 'b': [*, *]})" exactly as JAX prints it.
  std::string str() const;
  // The same without the "PyTreeDef(...)" wrapper: "{'a': *, 'b': [*, *]}".
  std::string body_str() const;
  // This node alone, for messages: "leaf", "list of 2", "dict with keys (a, b)".
  std::string describe() const;

  // A tree of this structure holding the leaves in flattening order; throws unless exactly
  // num_leaves() leaves are given.
  PyTree unflatten(std::vector<Tensor> leaves) const;

 private:
  struct Node;
  explicit TreeDef(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  static TreeDef make(NodeKind kind, std::vector<TreeDef> children, std::vector<std::string> keys);
  std::shared_ptr<const Node> node_;  // never null
};

std::pair<std::vector<Tensor>, TreeDef> tree_flatten(const PyTree& tree);
PyTree tree_unflatten(const TreeDef& def, std::vector<Tensor> leaves);
std::vector<Tensor> tree_leaves(const PyTree& tree);
TreeDef tree_structure(const PyTree& tree);

// Where two structures first differ, in flattening order: "at ['params']['Dense_0']: dict with
// keys (bias, kernel) vs list of 2" ("at the root: ..." for the top). nullopt when equal.
std::optional<std::string> tree_structure_diff(const TreeDef& a, const TreeDef& b);
// Throws "<context>: structure mismatch at ...: ... vs ..." unless a == b.
void check_same_structure(const TreeDef& a, const TreeDef& b, const std::string& context);

// The core every tree_map goes through: fn gets the i-th leaf of each tree (in the order the
// trees are given); the result has the structure of trees[0]. All trees must have the same
// structure; the error names the first path where one differs from trees[0].
PyTree tree_map_n(const std::function<Tensor(std::span<const Tensor>)>& fn, std::span<const PyTree> trees);

// fn(const KeyPath&, const Tensor&) -> Tensor, over one tree (jax.tree_util.tree_map_with_path).
PyTree tree_map_with_path(const std::function<Tensor(const KeyPath&, const Tensor&)>& fn, const PyTree& tree);

namespace detail {
template <class F, size_t... I>
Tensor call_on_leaves(F& fn, std::span<const Tensor> leaves, std::index_sequence<I...>) {
  return fn(leaves[I]...);
}
}  // namespace detail

// tree_map(fn, tree) and tree_map(fn, tree, other, ...): fn takes one Tensor per tree and returns
// a Tensor (or an Array). Like jax.tree_util.tree_map with trees of one structure.
template <class F, class... Rest>
  requires(std::constructible_from<PyTree, const Rest&> && ...)
PyTree tree_map(F&& fn, const PyTree& tree, const Rest&... rest) {
  const std::vector<PyTree> trees{tree, PyTree(rest)...};
  return tree_map_n(
      [&](std::span<const Tensor> leaves) -> Tensor {
        return detail::call_on_leaves(fn, leaves, std::make_index_sequence<1 + sizeof...(Rest)>{});
      },
      trees);
}

}  // namespace engine
