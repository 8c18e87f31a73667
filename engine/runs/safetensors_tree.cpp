// PyTrees in safetensors files: leaves stored under their slash paths.
#include <map>
#include <set>

#include "engine/core/error.h"
#include "engine/runs/safetensors.h"
#include "engine/tree/key_path.h"
#include "engine/tree/treedef.h"

namespace engine::runs {

void save_safetensors_tree(const std::string& path, const PyTree& tree, const Metadata& metadata) {
  TensorList tensors;
  for (const auto& [key_path, leaf] : tree_flatten_with_path(tree)) {
    const std::string name = key_path.slash();
    GS_CHECK(!name.empty(), "save_safetensors_tree('" + path +
                                "'): the tree is a single leaf; put it in a dict so it has a name");
    GS_CHECK(leaf.is_concrete(), "save_safetensors_tree('" + path + "'): leaf '" + name +
                                     "' is not a concrete array (traced or undefined)");
    tensors.emplace_back(name, leaf.array());
  }
  save_safetensors(path, tensors, metadata);
}

PyTree load_safetensors_tree(const std::string& path, const PyTree& like, Metadata* metadata) {
  SafetensorsFile file = load_safetensors(path);
  std::map<std::string, Array> by_name(file.tensors.begin(), file.tensors.end());
  std::vector<Tensor> leaves;
  std::set<std::string> used;
  for (const auto& [key_path, leaf] : tree_flatten_with_path(like)) {
    const std::string name = key_path.slash();
    auto it = by_name.find(name);
    GS_CHECK(it != by_name.end(), "safetensors file '" + path + "' has no tensor '" + name +
                                      "' (the structure expects " + std::string(dtype_name(leaf.dtype())) +
                                      "[" + shape_str(leaf.shape()) + "])");
    const Array& a = it->second;
    GS_CHECK(a.dtype() == leaf.dtype() && a.shape() == leaf.shape(),
             "safetensors file '" + path + "': tensor '" + name + "' is " + a.aval_str() +
                 " but the structure expects " + std::string(dtype_name(leaf.dtype())) + "[" +
                 shape_str(leaf.shape()) + "]");
    used.insert(name);
    leaves.emplace_back(a);
  }
  for (const auto& [name, a] : by_name)
    GS_CHECK(used.contains(name), "safetensors file '" + path + "' has tensor '" + name +
                                      "' (" + a.aval_str() + "), which the structure does not have");
  if (metadata) *metadata = std::move(file.metadata);
  return tree_structure(like).unflatten(std::move(leaves));
}

namespace {

// A folder of the file's names while it is being read: tensors and subfolders by name.
struct Folder {
  std::map<std::string, Array> tensors;
  std::map<std::string, Folder> folders;

  PyTree to_tree() const {
    std::vector<std::pair<std::string, PyTree>> items;
    for (const auto& [name, a] : tensors) items.emplace_back(name, PyTree(a));
    for (const auto& [name, f] : folders) items.emplace_back(name, f.to_tree());
    return PyTree::dict(std::move(items));
  }
};

}  // namespace

PyTree load_safetensors_as_tree(const std::string& path, Metadata* metadata) {
  SafetensorsFile file = load_safetensors(path);
  Folder root;
  for (const auto& [name, a] : file.tensors) {
    Folder* f = &root;
    std::string prefix;
    size_t begin = 0;
    for (size_t slash; (slash = name.find('/', begin)) != std::string::npos; begin = slash + 1) {
      const std::string part = name.substr(begin, slash - begin);
      prefix += part;
      GS_CHECK(!f->tensors.contains(part), "safetensors file '" + path + "' has both a tensor '" + prefix +
                                                "' and a tensor '" + name + "' under it");
      f = &f->folders[part];
      prefix += '/';
    }
    const std::string leaf = name.substr(begin);
    GS_CHECK(!f->folders.contains(leaf), "safetensors file '" + path + "' has both a tensor '" + name +
                                             "' and tensors under '" + name + "/'");
    f->tensors.emplace(leaf, a);
  }
  if (metadata) *metadata = std::move(file.metadata);
  return root.to_tree();
}

}  // namespace engine::runs
