// Paths into a PyTree, printed the way JAX's keystr prints them (['params']['Dense_0']['kernel'],
// [0]) and as slash paths (params/Dense_0/kernel) for the GUI's pytree inspector.
#pragma once
#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/tree/pytree.h"

namespace engine {

// Python's repr of a str: 'kernel', or "it's" when the text holds a single quote and no double one.
std::string py_str_repr(std::string_view s);

// One step of a path: a dict key or a list/tuple index.
class PathKey {
 public:
  PathKey(std::string key) : key_(std::move(key)) {}  // NOLINT: implicit for {"params", 0} lists
  PathKey(const char* key) : key_(std::string(key)) {}  // NOLINT
  template <std::integral I>
  PathKey(I index) : key_(checked_index(static_cast<long long>(index))) {}  // NOLINT

  bool is_index() const { return std::holds_alternative<size_t>(key_); }
  const std::string& name() const;  // throws for an index
  size_t index() const;             // throws for a name
  std::string keystr() const;       // ['name'] or [3]
  std::string slash() const;        // name or 3
  bool operator==(const PathKey&) const = default;

 private:
  static size_t checked_index(long long index);
  std::variant<std::string, size_t> key_;
};

struct KeyPath {
  std::vector<PathKey> keys;

  KeyPath() = default;
  KeyPath(std::vector<PathKey> k) : keys(std::move(k)) {}  // NOLINT
  KeyPath(std::initializer_list<PathKey> k) : keys(k) {}

  // JAX's keystr: "['params']['Dense_0']['kernel']", "[0]"; "" for the root.
  std::string str() const;
  // "params/Dense_0/kernel", "0"; "" for the root.
  std::string slash() const;
  KeyPath child(PathKey key) const;
  bool empty() const { return keys.empty(); }
  size_t size() const { return keys.size(); }
  bool operator==(const KeyPath&) const = default;
};

inline std::string keystr(const KeyPath& path) { return path.str(); }

// Every leaf with its path, in flattening order (as jax.tree_util.tree_flatten_with_path).
std::vector<std::pair<KeyPath, Tensor>> tree_flatten_with_path(const PyTree& tree);

// The subtree at path; the error names the step that failed, the path up to it and what is there.
PyTree tree_get(const PyTree& tree, const KeyPath& path);
// The same with a slash path ("params/Dense_0/kernel", "layers/0/bias"; "" is the root). Each
// step is read as a key in a dict and as an index in a list or tuple.
PyTree tree_get(const PyTree& tree, std::string_view slash_path);

}  // namespace engine
