#include "engine/tree/treedef.h"

#include <algorithm>

namespace engine {

struct TreeDef::Node {
  NodeKind kind;
  std::vector<std::string> keys;  // dicts only: sorted, parallel to children
  std::vector<TreeDef> children;
  size_t num_leaves = 0;
  size_t num_nodes = 1;
};

// ---- construction and accessors ----

TreeDef TreeDef::make(NodeKind kind, std::vector<TreeDef> children, std::vector<std::string> keys) {
  Node node{kind, std::move(keys), std::move(children)};
  node.num_leaves = kind == NodeKind::leaf ? 1 : 0;
  for (const TreeDef& c : node.children) {
    node.num_leaves += c.num_leaves();
    node.num_nodes += c.num_nodes();
  }
  return TreeDef(std::make_shared<const Node>(std::move(node)));
}

TreeDef::TreeDef() {
  static const auto kNone = std::make_shared<const Node>(Node{NodeKind::none, {}, {}});
  node_ = kNone;
}

TreeDef TreeDef::leaf() {
  static const TreeDef kLeaf = make(NodeKind::leaf, {}, {});
  return kLeaf;
}

TreeDef TreeDef::list(std::vector<TreeDef> children) { return make(NodeKind::list, std::move(children), {}); }

TreeDef TreeDef::tuple(std::vector<TreeDef> children) { return make(NodeKind::tuple, std::move(children), {}); }

TreeDef TreeDef::dict(std::vector<std::pair<std::string, TreeDef>> children) {
  std::stable_sort(children.begin(), children.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  std::vector<TreeDef> defs;
  for (auto& [key, def] : children) {
    GS_CHECK(keys.empty() || keys.back() != key, "TreeDef::dict: duplicate key '" + key + "'");
    keys.push_back(std::move(key));
    defs.push_back(std::move(def));
  }
  return make(NodeKind::dict, std::move(defs), std::move(keys));
}

NodeKind TreeDef::kind() const { return node_->kind; }
size_t TreeDef::num_leaves() const { return node_->num_leaves; }
size_t TreeDef::num_nodes() const { return node_->num_nodes; }
const std::vector<TreeDef>& TreeDef::children() const { return node_->children; }
const std::vector<std::string>& TreeDef::keys() const { return node_->keys; }

bool TreeDef::operator==(const TreeDef& other) const {
  if (node_ == other.node_) return true;
  const Node& a = *node_;
  const Node& b = *other.node_;
  return a.kind == b.kind && a.num_leaves == b.num_leaves && a.num_nodes == b.num_nodes &&
         a.keys == b.keys && a.children == b.children;
}

std::string TreeDef::describe() const { return describe_node(kind(), children().size(), keys()); }

// ---- printing, as PyTreeDef's repr ----

std::string TreeDef::body_str() const {
  const Node& n = *node_;
  auto join = [&](bool with_keys) {
    std::string s;
    for (size_t i = 0; i < n.children.size(); ++i) {
      if (i) s += ", ";
      if (with_keys) s += py_str_repr(n.keys[i]) + ": ";
      s += n.children[i].body_str();
    }
    return s;
  };
  switch (n.kind) {
    case NodeKind::leaf: return "*";
    case NodeKind::none: return "None";
    case NodeKind::list: return "[" + join(false) + "]";
    case NodeKind::tuple: return "(" + join(false) + (n.children.size() == 1 ? ",)" : ")");
    case NodeKind::dict: return "{" + join(true) + "}";
  }
  return "?";
}

std::string TreeDef::str() const { return "PyTreeDef(" + body_str() + ")"; }

// ---- flatten / unflatten ----

namespace {

TreeDef flatten_into(const PyTree& tree, std::vector<Tensor>& leaves) {
  switch (tree.kind()) {
    case NodeKind::leaf: leaves.push_back(tree.leaf()); return TreeDef::leaf();
    case NodeKind::none: return TreeDef::none();
    case NodeKind::list:
    case NodeKind::tuple: {
      std::vector<TreeDef> children;
      children.reserve(tree.size());
      for (const PyTree& c : tree.children()) children.push_back(flatten_into(c, leaves));
      return tree.is_list() ? TreeDef::list(std::move(children)) : TreeDef::tuple(std::move(children));
    }
    case NodeKind::dict: {
      std::vector<std::pair<std::string, TreeDef>> children;
      children.reserve(tree.size());
      for (size_t i = 0; i < tree.size(); ++i)
        children.emplace_back(tree.keys()[i], flatten_into(tree.children()[i], leaves));
      return TreeDef::dict(std::move(children));
    }
  }
  return TreeDef();
}

PyTree unflatten_from(const TreeDef& def, std::vector<Tensor>& leaves, size_t& next) {
  if (def.kind() == NodeKind::leaf) return PyTree(std::move(leaves[next++]));
  std::vector<PyTree> children;
  children.reserve(def.children().size());
  for (const TreeDef& c : def.children()) children.push_back(unflatten_from(c, leaves, next));
  return PyTree::node(def.kind(), std::move(children), def.keys());
}

}  // namespace

PyTree TreeDef::unflatten(std::vector<Tensor> leaves) const {
  GS_CHECK(leaves.size() == num_leaves(), "tree_unflatten: " + str() + " has " + std::to_string(num_leaves()) +
                                              " leaves but " + std::to_string(leaves.size()) +
                                              " were given");
  size_t next = 0;
  return unflatten_from(*this, leaves, next);
}

std::pair<std::vector<Tensor>, TreeDef> tree_flatten(const PyTree& tree) {
  std::vector<Tensor> leaves;
  TreeDef def = flatten_into(tree, leaves);
  return {std::move(leaves), std::move(def)};
}

PyTree tree_unflatten(const TreeDef& def, std::vector<Tensor> leaves) { return def.unflatten(std::move(leaves)); }

std::vector<Tensor> tree_leaves(const PyTree& tree) { return tree_flatten(tree).first; }

TreeDef tree_structure(const PyTree& tree) { return tree_flatten(tree).second; }

// ---- structure comparison ----

namespace {

std::optional<std::string> first_diff(const TreeDef& a, const TreeDef& b, KeyPath& path) {
  bool same_node = a.kind() == b.kind() && a.children().size() == b.children().size() && a.keys() == b.keys();
  if (!same_node)
    return "at " + (path.empty() ? std::string("the root") : path.str()) + ": " + a.describe() + " vs " +
           b.describe();
  for (size_t i = 0; i < a.children().size(); ++i) {
    path.keys.push_back(a.kind() == NodeKind::dict ? PathKey(a.keys()[i]) : PathKey(i));
    auto diff = first_diff(a.children()[i], b.children()[i], path);
    path.keys.pop_back();
    if (diff) return diff;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> tree_structure_diff(const TreeDef& a, const TreeDef& b) {
  if (a == b) return std::nullopt;
  KeyPath path;
  return first_diff(a, b, path);
}

void check_same_structure(const TreeDef& a, const TreeDef& b, const std::string& context) {
  if (auto diff = tree_structure_diff(a, b)) throw Error(context + ": structure mismatch " + *diff);
}

// ---- tree_map ----

PyTree tree_map_n(const std::function<Tensor(std::span<const Tensor>)>& fn, std::span<const PyTree> trees) {
  GS_CHECK(!trees.empty(), "tree_map: no trees given");
  std::vector<std::vector<Tensor>> leaves(trees.size());
  TreeDef def;
  std::tie(leaves[0], def) = tree_flatten(trees[0]);
  for (size_t t = 1; t < trees.size(); ++t) {
    TreeDef other;
    std::tie(leaves[t], other) = tree_flatten(trees[t]);
    if (auto diff = tree_structure_diff(def, other))
      throw Error("tree_map: structure mismatch " + *diff + " (tree 0 vs tree " + std::to_string(t) + ")");
  }
  std::vector<Tensor> out(def.num_leaves());
  std::vector<Tensor> args(trees.size());
  for (size_t i = 0; i < out.size(); ++i) {
    for (size_t t = 0; t < trees.size(); ++t) args[t] = leaves[t][i];
    out[i] = fn(args);
  }
  return def.unflatten(std::move(out));
}

PyTree tree_map_with_path(const std::function<Tensor(const KeyPath&, const Tensor&)>& fn, const PyTree& tree) {
  std::vector<Tensor> out;
  for (const auto& [path, leaf] : tree_flatten_with_path(tree)) out.push_back(fn(path, leaf));
  return tree_unflatten(tree_structure(tree), std::move(out));
}

}  // namespace engine
