// Small string helpers the engine's error messages and help texts share.
#pragma once
#include <string>
#include <vector>

namespace engine {

// "a, b, c": the items with sep between them.
inline std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace engine
