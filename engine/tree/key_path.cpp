#include "engine/tree/key_path.h"

#include <algorithm>
#include <charconv>

namespace engine {

std::string py_str_repr(std::string_view s) {
  // Python prefers single quotes and switches to double ones only to avoid escaping.
  char quote = (s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == quote) out += '\\';
        out += c;
    }
  }
  return out + quote;
}

size_t PathKey::checked_index(long long index) {
  GS_CHECK(index >= 0, "PathKey: negative index " + std::to_string(index));
  return static_cast<size_t>(index);
}

const std::string& PathKey::name() const {
  GS_CHECK(!is_index(), "PathKey: [" + std::to_string(std::get<size_t>(key_)) + "] is an index, not a key");
  return std::get<std::string>(key_);
}

size_t PathKey::index() const {
  GS_CHECK(is_index(), "PathKey: " + keystr() + " is a key, not an index");
  return std::get<size_t>(key_);
}

std::string PathKey::keystr() const {
  return "[" + (is_index() ? std::to_string(index()) : py_str_repr(name())) + "]";
}

std::string PathKey::slash() const { return is_index() ? std::to_string(index()) : name(); }

std::string KeyPath::str() const {
  std::string s;
  for (const PathKey& k : keys) s += k.keystr();
  return s;
}

std::string KeyPath::slash() const {
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? "/" : "") + keys[i].slash();
  return s;
}

KeyPath KeyPath::child(PathKey key) const {
  KeyPath out = *this;
  out.keys.push_back(std::move(key));
  return out;
}

namespace {

// Keys of a node's children in flattening order: dict keys or 0..n-1.
PathKey child_key(const PyTree& node, size_t i) {
  if (node.is_dict()) return PathKey(node.keys()[i]);
  return PathKey(i);
}

void flatten_with_path(const PyTree& tree, KeyPath& path, std::vector<std::pair<KeyPath, Tensor>>& out) {
  if (tree.is_leaf()) {
    out.emplace_back(path, tree.leaf());
    return;
  }
  for (size_t i = 0; i < tree.size(); ++i) {
    path.keys.push_back(child_key(tree, i));
    flatten_with_path(tree.children()[i], path, out);
    path.keys.pop_back();
  }
}

std::string where(const KeyPath& path) { return path.empty() ? "the root" : path.str(); }

// One step of tree_get; walked is the path to node, for the message.
PyTree step(const PyTree& node, const PathKey& key, const KeyPath& walked) {
  if (key.is_index()) {
    GS_CHECK(node.is_list() || node.is_tuple(), "tree_get: cannot take " + key.keystr() + " at " +
                                                    where(walked) + ", which is a " + node.describe());
    GS_CHECK(key.index() < node.size(), "tree_get: index " + key.keystr() + " out of range at " +
                                            where(walked) + ", which is a " + node.describe());
    return node[key.index()];
  }
  GS_CHECK(node.contains(key.name()),
           "tree_get: no " + key.keystr() + " at " + where(walked) + ", which is a " + node.describe());
  return node[key.name()];
}

}  // namespace

std::vector<std::pair<KeyPath, Tensor>> tree_flatten_with_path(const PyTree& tree) {
  std::vector<std::pair<KeyPath, Tensor>> out;
  KeyPath path;
  flatten_with_path(tree, path, out);
  return out;
}

PyTree tree_get(const PyTree& tree, const KeyPath& path) {
  PyTree node = tree;
  KeyPath walked;
  for (const PathKey& key : path.keys) {
    node = step(node, key, walked);
    walked.keys.push_back(key);
  }
  return node;
}

PyTree tree_get(const PyTree& tree, std::string_view slash_path) {
  PyTree node = tree;
  KeyPath walked;
  size_t start = 0;
  while (start < slash_path.size()) {
    size_t end = std::min(slash_path.find('/', start), slash_path.size());
    std::string name(slash_path.substr(start, end - start));
    start = end + 1;
    // "0" is an index into a list or tuple and a key into a dict.
    size_t index = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
    bool numeric = !name.empty() && ec == std::errc() && ptr == name.data() + name.size();
    PathKey key = (numeric && (node.is_list() || node.is_tuple())) ? PathKey(index) : PathKey(name);
    node = step(node, key, walked);
    walked.keys.push_back(key);
  }
  return node;
}

}  // namespace engine
