#include "engine/core/dtype.h"

#include "engine/core/error.h"

namespace engine {

size_t dtype_size(DType d) {
  switch (d) {
    case DType::f64: return 8;
    case DType::boolean: return 1;
    default: return 4;
  }
}

std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i32: return "i32";
    case DType::u32: return "u32";
    case DType::boolean: return "bool";
  }
  return "?";
}

std::string_view dtype_long_name(DType d) {
  switch (d) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i32: return "int32";
    case DType::u32: return "uint32";
    case DType::boolean: return "bool";
  }
  return "?";
}

DType dtype_from_name(std::string_view name) {
  for (int i = 0; i < kNumDTypes; ++i) {
    auto d = static_cast<DType>(i);
    if (name == dtype_name(d) || name == dtype_long_name(d)) return d;
  }
  throw Error("unknown dtype '" + std::string(name) + "' (expected f32, f64, i32, u32 or bool)");
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  auto rank = [](DType d) {
    switch (d) {
      case DType::boolean: return 0;
      case DType::u32: return 1;
      case DType::i32: return 2;
      case DType::f32: return 3;
      case DType::f64: return 4;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace engine
