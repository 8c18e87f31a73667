#include "engine/ir/params.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "engine/ir/jaxpr.h"

namespace engine {

Params& Params::set(const std::string& name, ParamValue value) {
  for (auto& [k, v] : items_)
    if (k == name) {
      v = std::move(value);
      return *this;
    }
  items_.emplace_back(name, std::move(value));
  return *this;
}

const ParamValue* Params::find(const std::string& name) const {
  for (auto& [k, v] : items_)
    if (k == name) return &v;
  return nullptr;
}

bool Params::operator==(const Params& other) const { return items_ == other.items_; }

size_t Params::hash() const {
  size_t h = items_.size();
  auto mix = [&](size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  for (auto& [k, v] : items_) {
    mix(std::hash<std::string>{}(k));
    mix(v.index());
    std::visit(
        [&](auto&& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, IntList>) {
            for (auto e : x) mix(static_cast<size_t>(e));
          } else if constexpr (std::is_same_v<T, IntLists>) {
            for (auto& l : x)
              for (auto e : l) mix(static_cast<size_t>(e) * 31);
          } else if constexpr (std::is_same_v<T, DType>) {
            mix(static_cast<size_t>(x));
          } else if constexpr (std::is_same_v<T, std::shared_ptr<const ClosedJaxpr>>) {
            mix(std::hash<const void*>{}(x.get()));
          } else {
            mix(std::hash<T>{}(x));
          }
        },
        v);
  }
  return h;
}

static std::string int_tuple(const IntList& l) {
  std::string s = "(";
  for (size_t i = 0; i < l.size(); ++i) s += (i ? ", " : "") + std::to_string(l[i]);
  if (l.size() == 1) s += ",";
  return s + ")";
}

std::string param_value_str(const ParamValue& v) {
  return std::visit(
      [](auto&& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.9g", x);
          return buf;
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "True" : "False";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, IntList>) {
          return int_tuple(x);
        } else if constexpr (std::is_same_v<T, IntLists>) {
          std::string s = "(";
          for (size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + int_tuple(x[i]);
          return s + ")";
        } else if constexpr (std::is_same_v<T, DType>) {
          return std::string(dtype_long_name(x));
        } else {
          return x ? jaxpr_to_string(x->jaxpr) : "None";
        }
      },
      v);
}

std::string Params::str() const {
  if (items_.empty()) return "";
  // JAX prints an equation's params sorted by name.
  std::vector<const std::pair<std::string, ParamValue>*> sorted;
  for (const auto& item : items_) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string s = "[";
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i) s += ' ';
    s.append(sorted[i]->first).append("=").append(param_value_str(sorted[i]->second));
  }
  return s + "]";
}

}  // namespace engine
