#include "engine/transforms/function.h"

namespace engine {

std::pair<Tensors, std::vector<TreeDef>> flatten_args(const std::vector<PyTree>& args) {
  Tensors leaves;
  std::vector<TreeDef> defs;
  for (const PyTree& a : args) {
    auto [l, d] = tree_flatten(a);
    leaves.insert(leaves.end(), l.begin(), l.end());
    defs.push_back(std::move(d));
  }
  return {leaves, defs};
}

std::vector<PyTree> unflatten_args(const std::vector<TreeDef>& defs, const Tensors& leaves) {
  std::vector<PyTree> out;
  size_t pos = 0;
  for (const TreeDef& d : defs) {
    size_t n = d.num_leaves();
    GS_CHECK(pos + n <= leaves.size(), "internal: too few leaves for the argument structures");
    out.push_back(d.unflatten(Tensors(leaves.begin() + pos, leaves.begin() + pos + n)));
    pos += n;
  }
  return out;
}

FlattenedFn flatten_fn(TreeFn f, std::vector<TreeDef> in_defs) {
  auto out_def = std::make_shared<TreeDef>();
  FlatFn flat = [f = std::move(f), in_defs = std::move(in_defs), out_def](const Tensors& leaves) {
    PyTree out = f(unflatten_args(in_defs, leaves));
    auto [out_leaves, def] = tree_flatten(out);
    *out_def = std::move(def);
    return out_leaves;
  };
  return {std::move(flat), out_def};
}

}  // namespace engine
