// The static parameters of an equation (axes, shapes, dimension numbers, dtypes, ...).
//
// One generic, ordered name → value list rather than a struct per primitive: the printer, CSE
// (hashing, equality), the compiler's kernel cache keys and the CLI all handle every primitive's
// parameters the same way. Stored in the order the primitive's constructor sets them; printed sorted
// by name, as JAX prints them.
#pragma once
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/core/dtype.h"
#include "engine/core/error.h"

namespace engine {

struct ClosedJaxpr;
using IntList = std::vector<int64_t>;
using IntLists = std::vector<IntList>;
using ParamValue = std::variant<int64_t, double, bool, std::string, IntList, IntLists, DType,
                                std::shared_ptr<const ClosedJaxpr>>;

class Params {
 public:
  Params() = default;
  Params(std::initializer_list<std::pair<std::string, ParamValue>> items) : items_(items) {}

  Params& set(const std::string& name, ParamValue value);
  bool has(const std::string& name) const { return find(name) != nullptr; }

  template <class T>
  const T& get(const std::string& name) const {
    const ParamValue* v = find(name);
    GS_CHECK(v, "internal: missing parameter '" + name + "'");
    const T* t = std::get_if<T>(v);
    GS_CHECK(t, "internal: parameter '" + name + "' has another type");
    return *t;
  }
  int64_t i(const std::string& name) const { return get<int64_t>(name); }
  double f(const std::string& name) const { return get<double>(name); }
  const IntList& ints(const std::string& name) const { return get<IntList>(name); }
  DType dtype(const std::string& name) const { return get<DType>(name); }

  const std::vector<std::pair<std::string, ParamValue>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  bool operator==(const Params& other) const;
  size_t hash() const;
  // "[axes=(0,) keepdims=False]" in jaxpr text; empty string when there are no params.
  std::string str() const;

 private:
  const ParamValue* find(const std::string& name) const;
  std::vector<std::pair<std::string, ParamValue>> items_;
};

std::string param_value_str(const ParamValue& v);

}  // namespace engine
