// PyTree: nested containers of tensors, as in JAX (jax/_src/tree_util.py).
//
// A tree is a leaf (a Tensor), a list, a tuple, a dict with string keys, or None. As in JAX, None
// is an empty container, not a leaf: it has no leaves and survives tree_map unchanged. Dict
// entries are kept in sorted key order, which is the order JAX flattens them in, so the leaves of
// {'kernel': w, 'bias': b} come out as [b, w] in both.
//
// Trees are values: nodes are immutable and shared, so copying a tree copies one pointer, and an
// "update" (with()) builds a new root that shares every untouched subtree with the old one.
//
//   PyTree params = PyTree::dict({{"kernel", w}, {"bias", b}});
//   PyTree batch = PyTree::tuple({x, y});
//   Tensor k = params["kernel"].leaf();
//   PyTree bigger = params.with("scale", s);
//
// Nothing here reads tensor values, so trees of tracers work the same as trees of arrays.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/tensor.h"

namespace engine {

enum class NodeKind : uint8_t { leaf, none, list, tuple, dict };
std::string_view node_kind_name(NodeKind kind);  // "leaf", "None", "list", "tuple", "dict"

// "leaf", "None", "list of 2", "tuple of 0", "dict with keys (bias, kernel)": how error messages
// name one node (shared with TreeDef so both describe structure the same way).
std::string describe_node(NodeKind kind, size_t num_children, const std::vector<std::string>& keys);

class PyTree {
 public:
  PyTree() = default;  // None
  PyTree(Tensor leaf);  // NOLINT: a tensor is a one-leaf tree
  PyTree(Array leaf);   // NOLINT: so is an array (Array -> Tensor -> PyTree is two conversions)

  static PyTree none() { return PyTree(); }
  static PyTree list(std::vector<PyTree> items);
  static PyTree tuple(std::vector<PyTree> items);
  // Entries in any order; they are stored sorted by key. Throws on a duplicate key.
  static PyTree dict(std::vector<std::pair<std::string, PyTree>> items);

  NodeKind kind() const;
  bool is_leaf() const { return kind() == NodeKind::leaf; }
  bool is_none() const { return kind() == NodeKind::none; }
  bool is_list() const { return kind() == NodeKind::list; }
  bool is_tuple() const { return kind() == NodeKind::tuple; }
  bool is_dict() const { return kind() == NodeKind::dict; }

  const Tensor& leaf() const;  // throws unless is_leaf()
  // A one-leaf tree reads as its tensor, so `Tensor g = grad(f)(x);` needs no unwrapping.
  operator const Tensor&() const { return leaf(); }  // NOLINT

  // Dict entry; the error names the missing key and the keys present.
  const PyTree& operator[](const std::string& key) const;
  // List or tuple element; the error names the index and the length.
  const PyTree& operator[](size_t index) const;
  bool contains(const std::string& key) const;  // false for anything but a dict with that key

  // Number of children: entries of a dict, elements of a list or tuple; 0 for a leaf or None.
  size_t size() const { return children().size(); }
  // Children in flattening order (dicts by sorted key). With PyTree::tuple(vector) this is the
  // conversion between a vector of trees and one tuple tree (e.g. a function's argument list).
  const std::vector<PyTree>& children() const;
  const std::vector<std::string>& keys() const;  // a dict's keys, sorted; throws for other kinds

  // A new tree with one child replaced. For a dict a new key is inserted (like d | {key: v});
  // for a list or tuple the index must exist.
  PyTree with(const std::string& key, PyTree subtree) const;
  PyTree with(size_t index, PyTree subtree) const;

  // This node alone, for messages: "leaf f32[3]", "list of 2", "dict with keys (a, b)".
  std::string describe() const;

  // A container node from its children; keys are given for dicts only, already sorted and
  // unique (TreeDef::unflatten rebuilds dicts this way).
  static PyTree node(NodeKind kind, std::vector<PyTree> children, std::vector<std::string> keys = {});

 private:
  struct Node;
  explicit PyTree(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const Node> node_;  // null means None
};

}  // namespace engine
