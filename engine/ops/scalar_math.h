// The scalar functions behind the elementwise primitives. Each primitive's row calls one of them
// for its reference kernel and its f32 tile kernel alike (ops/tile_kernel.h), so the reference,
// the cpu backend and the compiler's fused loops compute bit-identical results.
// float32 transcendental functions come from vector_math.h (branch-free, so loops vectorize);
// float64 ones from libm.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "engine/ops/vector_math.h"
#include "engine/ops/xla_special.h"

namespace engine {

// Rounding half to even, as lax.round with ROUND_TO_NEAREST_EVEN and jnp.round do.
template <class T>
GS_VMATH T round_half_even(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::nearbyint(v);
  return v;
}

template <class T>
GS_VMATH T sign_of(T v) {
  if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return v != 0;
  else if constexpr (std::is_floating_point_v<T>) return std::isnan(v) ? v : static_cast<T>((v > 0) - (v < 0));
  else return static_cast<T>((v > 0) - (v < 0));
}

// Integer arithmetic wraps around in two's complement, as XLA's does. Signed overflow is undefined
// behaviour in C++ (UBSan reports int32 `x * 2147483647`), so signed integers compute in their
// unsigned type, whose arithmetic is modular, and convert back (modular too, since C++20).
template <class T>
inline constexpr bool kWrapsInUnsigned = std::is_integral_v<T> && std::is_signed_v<T>;

template <class T>
GS_VMATH T add_of(T a, T b) {
  if constexpr (kWrapsInUnsigned<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return static_cast<T>(a + b);
  }
}

template <class T>
GS_VMATH T sub_of(T a, T b) {
  if constexpr (kWrapsInUnsigned<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return static_cast<T>(a - b);
  }
}

template <class T>
GS_VMATH T mul_of(T a, T b) {
  if constexpr (kWrapsInUnsigned<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return static_cast<T>(a * b);
  }
}

template <class T>
GS_VMATH T neg_of(T v) {
  if constexpr (kWrapsInUnsigned<T>) return sub_of(T(0), v);  // -INT_MIN = INT_MIN, as XLA
  else return static_cast<T>(-v);
}

template <class T>
GS_VMATH T abs_of(T v) {
  if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return v;
  else if constexpr (std::is_floating_point_v<T>) return std::fabs(v);  // |-0| = +0, as XLA
  else return v < 0 ? neg_of(v) : v;
}

template <class T>
GS_VMATH T bitwise_not(T v) {
  if constexpr (std::is_same_v<T, bool>) return !v;
  else if constexpr (std::is_integral_v<T>) return static_cast<T>(~v);
  else return static_cast<T>(v == 0);  // a boolean held as a 0/1 float (a fused loop's register)
}

template <class T>
GS_VMATH T erf_inv_of(T v) {
  if constexpr (std::is_same_v<T, float>) return erf_inv_f32(v);
  else return static_cast<T>(erf_inv_f64(static_cast<double>(v)));
}

template <class T>
GS_VMATH T erf_of(T v) {
  if constexpr (std::is_same_v<T, float>) return erf_f32(v);  // XLA's polynomial, as jax.lax.erf
  else return static_cast<T>(std::erf(static_cast<double>(v)));
}

#define GS_F32_OR_LIBM(name, f32, libm)                            \
  template <class T>                                               \
  GS_VMATH T name(T v) {                                           \
    if constexpr (std::is_same_v<T, float>) return f32(v);         \
    else return static_cast<T>(libm(static_cast<double>(v)));      \
  }
GS_F32_OR_LIBM(exp_of, vmath::exp, std::exp)
GS_F32_OR_LIBM(log_of, vmath::log, std::log)
GS_F32_OR_LIBM(expm1_of, vmath::expm1, std::expm1)
GS_F32_OR_LIBM(log1p_of, vmath::log1p, std::log1p)
GS_F32_OR_LIBM(tanh_of, vmath::tanh, std::tanh)
#undef GS_F32_OR_LIBM

template <class T>
GS_VMATH T logistic_of(T v) {
  if constexpr (std::is_same_v<T, float>) return vmath::logistic(v);
  // 1 / (1 + exp(-v)) overflows gracefully to 0 for very negative v; no NaN either way.
  return T(1) / (T(1) + exp_of(-v));
}

template <class T>
GS_VMATH T div_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return a / b;
  } else if constexpr (std::is_same_v<T, bool>) {
    return b ? a : true;
  } else {
    // XLA's defined results where C++ has undefined behaviour: x/0 = -1, INT_MIN/-1 = INT_MIN.
    if (b == 0) return static_cast<T>(-1);
    if constexpr (std::is_signed_v<T>)
      if (a == std::numeric_limits<T>::min() && b == -1) return a;
    return a / b;
  }
}

template <class T>
GS_VMATH T rem_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::fmod(a, b);
  } else if constexpr (std::is_same_v<T, bool>) {
    return b ? false : a;
  } else {
    if (b == 0) return a;
    if constexpr (std::is_signed_v<T>)
      if (b == -1) return 0;
    return a % b;
  }
}

// NaN-propagating, as XLA's max and min.
template <class T>
GS_VMATH T max_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return a > b ? a : b;
}

template <class T>
GS_VMATH T min_of(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return a < b ? a : b;
}

// Square-and-multiply, as XLA lowers integer_pow, so results match its rounding.
template <class T>
GS_VMATH T integer_pow_of(T v, int64_t y) {
  if constexpr (std::is_same_v<T, bool>) {
    return y == 0 ? true : v;
  } else {
    T acc = 1, base = v;
    // |y| in unsigned arithmetic, so that even y = INT64_MIN is defined.
    for (uint64_t e = y < 0 ? 0 - static_cast<uint64_t>(y) : static_cast<uint64_t>(y); e > 0; e >>= 1) {
      if (e & 1) acc = mul_of(acc, base);
      base = mul_of(base, base);
    }
    return y < 0 ? div_of(T(1), acc) : acc;  // div_of: XLA's results for integer 1/0
  }
}

}  // namespace engine
