#include "engine/tree/printer.h"

#include "engine/tree/key_path.h"

namespace engine {

namespace {

void repr_into(const PyTree& tree, const std::function<std::string(const Tensor&)>& leaf_str, std::string& out) {
  auto children = [&](bool with_keys) {
    for (size_t i = 0; i < tree.size(); ++i) {
      if (i) out += ", ";
      if (with_keys) out += py_str_repr(tree.keys()[i]) + ": ";
      repr_into(tree.children()[i], leaf_str, out);
    }
  };
  switch (tree.kind()) {
    case NodeKind::leaf: out += leaf_str(tree.leaf()); return;
    case NodeKind::none: out += "None"; return;
    case NodeKind::list:
      out += "[";
      children(false);
      out += "]";
      return;
    case NodeKind::tuple:
      out += "(";
      children(false);
      out += tree.size() == 1 ? ",)" : ")";  // Python's one-element tuple
      return;
    case NodeKind::dict:
      out += "{";
      children(true);
      out += "}";
      return;
  }
}

}  // namespace

std::string tree_repr(const PyTree& tree, const std::function<std::string(const Tensor&)>& leaf_str) {
  std::string out;
  repr_into(tree, leaf_str, out);
  return out;
}

std::string tree_shapes_str(const PyTree& tree) {
  return tree_repr(tree, [](const Tensor& x) {
    return x.defined() ? shape_tuple_str(x.shape()) : std::string("<undefined>");
  });
}

std::string tree_str(const PyTree& tree) {
  return tree_repr(tree, [](const Tensor& x) { return x.is_concrete() ? x.array().repr() : x.str(); });
}

}  // namespace engine
