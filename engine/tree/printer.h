// Text forms of whole trees, nested the way Python prints the same containers.
#pragma once
#include <functional>
#include <string>

#include "engine/tree/pytree.h"

namespace engine {

// As print(jax.tree_util.tree_map(lambda x: x.shape, tree)) prints in Python:
//   {'params': {'Dense_0': {'bias': (512,), 'kernel': (784, 512)}}}
//   [(3,), (4, 5)]     ((3,), (4,))     None     ()
// Reads only shapes, so it works on traced trees.
std::string tree_shapes_str(const PyTree& tree);

// As print(tree) prints a tree of jax Arrays: {'b': Array([0., 0.], dtype=float32)}. This one reads
// values: concrete leaves print their repr, traced ones "Traced<f32[2]>".
std::string tree_str(const PyTree& tree);

// The shared walk: containers printed as Python does, each leaf as leaf_str gives it.
std::string tree_repr(const PyTree& tree, const std::function<std::string(const Tensor&)>& leaf_str);

}  // namespace engine
