#include "engine/nn/module.h"

#include <algorithm>
#include <limits>

namespace engine::nn {

bool ApplyOptions::is_mutable(const std::string& collection) const {
  return std::find(mutable_collections.begin(), mutable_collections.end(), collection) !=
         mutable_collections.end();
}

PyTree Module::init_scoped(const Array&, const ScopePath&, const Shape& in) const {
  output_shape(in);  // layers without variables still refuse inputs they cannot take
  return PyTree::dict({});
}

PyTree Module::init(const Array& key, const Tensor& dummy_input) const {
  GS_CHECK(key.dtype() == DType::u32 && key.shape() == Shape{2},
           "init: the key must be u32[2] (random::PRNGKey), got " +
               std::string(dtype_name(key.dtype())) + "[" + shape_str(key.shape()) + "]");
  return init_scoped(key, {}, dummy_input.shape());
}

ApplyResult Module::apply(const PyTree& variables, const Tensor& x, const ApplyOptions& opts) const {
  GS_CHECK(variables.is_dict() || variables.is_none(),
           "apply: variables must be a dict of collections ({'params': ...}), got " +
               variables.describe());
  const PyTree vars = variables.is_none() ? PyTree::dict({}) : variables;
  ApplyResult r = apply_scoped(vars, x, opts, {});
  // As Flax returns them: every mutable collection the variables have, with the entries the
  // layers wrote replaced (eval with mutable batch_stats returns them unchanged).
  std::vector<std::pair<std::string, PyTree>> updated;
  for (const std::string& c : opts.mutable_collections) {
    if (!vars.contains(c)) continue;
    PyTree tree = vars[c];
    if (r.updated.contains(c)) {
      const PyTree& news = r.updated[c];
      for (size_t i = 0; i < news.size(); ++i) tree = tree.with(news.keys()[i], news.children()[i]);
    }
    updated.emplace_back(c, tree);
  }
  r.updated = PyTree::dict(std::move(updated));
  return r;
}

PyTree collections(std::vector<std::pair<std::string, PyTree>> items) {
  std::vector<std::pair<std::string, PyTree>> kept;
  for (auto& [name, tree] : items)
    if (!(tree.is_dict() && tree.size() == 0) && !tree.is_none()) kept.emplace_back(name, tree);
  return PyTree::dict(std::move(kept));
}

const Tensor& variable(const PyTree& variables, const std::string& collection,
                       const std::string& name, const std::string& layer) {
  GS_CHECK(variables.contains(collection) && variables[collection].contains(name),
           layer + ": the variables have no '" + collection + "' entry '" + name +
               "' (pass the variables init returned, and every collection the model has)");
  const PyTree& leaf = variables[collection][name];
  GS_CHECK(leaf.is_leaf(), layer + ": variable " + collection + "/" + name + " must be a tensor, got " +
                               leaf.describe());
  return leaf.leaf();
}

std::string shape_tuple(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

void check_rank(const Shape& in, int rank, const std::string& needs) {
  GS_CHECK(static_cast<int>(in.size()) == rank,
           "input " + shape_tuple(in) + " has rank " + std::to_string(in.size()) + " but " + needs);
}

int64_t mul_sat(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (a < 0 || b < 0) return kMax;  // a negative extent never reaches here from a valid shape
  if (a != 0 && b > kMax / a) return kMax;
  return a * b;
}

int64_t add_sat(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return a > kMax - b ? kMax : a + b;
}

}  // namespace engine::nn
