#include "engine/tree/pytree.h"

#include <algorithm>
#include <functional>

namespace engine {

struct PyTree::Node {
  NodeKind kind;
  Tensor leaf;                     // leaves only
  std::vector<std::string> keys;   // dicts only: sorted, parallel to children
  std::vector<PyTree> children;    // containers only
};

std::string_view node_kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::leaf: return "leaf";
    case NodeKind::none: return "None";
    case NodeKind::list: return "list";
    case NodeKind::tuple: return "tuple";
    case NodeKind::dict: return "dict";
  }
  return "?";
}

std::string describe_node(NodeKind kind, size_t num_children, const std::vector<std::string>& keys) {
  switch (kind) {
    case NodeKind::leaf:
    case NodeKind::none: return std::string(node_kind_name(kind));
    case NodeKind::list:
    case NodeKind::tuple: return std::string(node_kind_name(kind)) + " of " + std::to_string(num_children);
    case NodeKind::dict: {
      std::string s = "dict with keys (";
      for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", " : "") + keys[i];
      return s + ")";
    }
  }
  return "?";
}

PyTree::PyTree(Tensor leaf)
    : node_(std::make_shared<const Node>(Node{NodeKind::leaf, std::move(leaf), {}, {}})) {}

PyTree::PyTree(Array leaf) : PyTree(Tensor(std::move(leaf))) {}

PyTree PyTree::node(NodeKind kind, std::vector<PyTree> children, std::vector<std::string> keys) {
  GS_CHECK(kind != NodeKind::leaf, "internal: PyTree::node cannot build a leaf");
  if (kind == NodeKind::none) {
    GS_CHECK(children.empty(), "internal: None has no children");
    return PyTree();
  }
  GS_CHECK(kind == NodeKind::dict || keys.empty(), "internal: PyTree::node takes keys for dicts only");
  GS_CHECK(kind != NodeKind::dict || keys.size() == children.size(),
           "internal: dict with " + std::to_string(keys.size()) + " keys and " +
               std::to_string(children.size()) + " children");
  GS_CHECK(std::adjacent_find(keys.begin(), keys.end(), std::greater_equal<>()) == keys.end(),
           "internal: dict keys must be sorted and unique");
  return PyTree(std::make_shared<const Node>(Node{kind, Tensor(), std::move(keys), std::move(children)}));
}

PyTree PyTree::list(std::vector<PyTree> items) { return node(NodeKind::list, std::move(items)); }

PyTree PyTree::tuple(std::vector<PyTree> items) { return node(NodeKind::tuple, std::move(items)); }

PyTree PyTree::dict(std::vector<std::pair<std::string, PyTree>> items) {
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  std::vector<PyTree> children;
  for (auto& [key, value] : items) {
    GS_CHECK(keys.empty() || keys.back() != key, "PyTree::dict: duplicate key '" + key + "'");
    keys.push_back(std::move(key));
    children.push_back(std::move(value));
  }
  return node(NodeKind::dict, std::move(children), std::move(keys));
}

NodeKind PyTree::kind() const { return node_ ? node_->kind : NodeKind::none; }

const Tensor& PyTree::leaf() const {
  GS_CHECK(is_leaf(), "PyTree::leaf: this node is a " + describe() + ", not a leaf");
  return node_->leaf;
}

const std::vector<PyTree>& PyTree::children() const {
  static const std::vector<PyTree> kNoChildren;
  return node_ ? node_->children : kNoChildren;
}

const std::vector<std::string>& PyTree::keys() const {
  GS_CHECK(is_dict(), "PyTree::keys: this node is a " + describe() + ", not a dict");
  return node_->keys;
}

namespace {

// Position of key in the sorted key list, or keys.size() when absent.
size_t find_key(const std::vector<std::string>& keys, const std::string& key) {
  auto it = std::lower_bound(keys.begin(), keys.end(), key);
  return it != keys.end() && *it == key ? static_cast<size_t>(it - keys.begin()) : keys.size();
}

}  // namespace

bool PyTree::contains(const std::string& key) const {
  return is_dict() && find_key(node_->keys, key) < node_->keys.size();
}

const PyTree& PyTree::operator[](const std::string& key) const {
  GS_CHECK(is_dict(), "PyTree['" + key + "']: this node is a " + describe() + ", not a dict");
  size_t i = find_key(node_->keys, key);
  GS_CHECK(i < node_->keys.size(), "PyTree: no key '" + key + "' in " + describe());
  return node_->children[i];
}

const PyTree& PyTree::operator[](size_t index) const {
  GS_CHECK(is_list() || is_tuple(),
           "PyTree[" + std::to_string(index) + "]: this node is a " + describe() + ", not a list or tuple");
  GS_CHECK(index < size(), "PyTree: index " + std::to_string(index) + " out of range for " + describe());
  return node_->children[index];
}

PyTree PyTree::with(const std::string& key, PyTree subtree) const {
  GS_CHECK(is_dict(), "PyTree::with('" + key + "'): this node is a " + describe() + ", not a dict");
  std::vector<std::string> keys = node_->keys;
  std::vector<PyTree> children = node_->children;
  size_t i = find_key(keys, key);
  if (i < keys.size()) {
    children[i] = std::move(subtree);
  } else {
    auto pos = std::lower_bound(keys.begin(), keys.end(), key) - keys.begin();
    keys.insert(keys.begin() + pos, key);
    children.insert(children.begin() + pos, std::move(subtree));
  }
  return node(NodeKind::dict, std::move(children), std::move(keys));
}

PyTree PyTree::with(size_t index, PyTree subtree) const {
  GS_CHECK(is_list() || is_tuple(), "PyTree::with(" + std::to_string(index) + "): this node is a " +
                                        describe() + ", not a list or tuple");
  GS_CHECK(index < size(), "PyTree::with: index " + std::to_string(index) + " out of range for " + describe());
  std::vector<PyTree> children = node_->children;
  children[index] = std::move(subtree);
  return node(kind(), std::move(children));
}

std::string PyTree::describe() const {
  if (is_leaf()) return "leaf " + (node_->leaf.defined() ? node_->leaf.aval().str() : "<undefined>");
  static const std::vector<std::string> kNoKeys;
  return describe_node(kind(), size(), is_dict() ? node_->keys : kNoKeys);
}

}  // namespace engine
