// Element types. Names print the way jaxprs print them (f32, i32, u32, bool), and the long names
// the way JAX's dtypes do (float32).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace engine {

enum class DType : uint8_t { f32, f64, i32, u32, boolean };
inline constexpr int kNumDTypes = 5;

size_t dtype_size(DType dtype);
std::string_view dtype_name(DType dtype);       // "f32"
std::string_view dtype_long_name(DType dtype);  // "float32"
DType dtype_from_name(std::string_view name);   // accepts both forms; throws on unknown
inline bool is_floating(DType d) { return d == DType::f32 || d == DType::f64; }
inline bool is_integer(DType d) { return d == DType::i32 || d == DType::u32; }

// NumPy-like promotion restricted to our types: bool < integers < floats; the wider float wins.
DType promote_types(DType a, DType b);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<uint32_t>() { return DType::u32; }
template <> constexpr DType dtype_of<bool>() { return DType::boolean; }

// Calls f with a value of the C++ type of dtype (as a tag), e.g.
//   dispatch_dtype(d, [&](auto tag) { using T = decltype(tag); ... });
template <class F>
decltype(auto) dispatch_dtype(DType d, F&& f) {
  switch (d) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::i32: return f(int32_t{});
    case DType::u32: return f(uint32_t{});
    case DType::boolean: return f(bool{});
  }
  return f(float{});
}

}  // namespace engine
