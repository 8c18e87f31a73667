// float32 exp, log, expm1, log1p, tanh and logistic written without branches or libm calls, so
// that a loop calling them vectorizes (g++ turns the selects into blends). They are the scalar
// functions of the reference kernels, of the cpu backend's loops and of the fused loops of the
// compiler alike, which keeps all three bit-identical: each is a fixed sequence of IEEE
// operations (no fused multiply-add unless the whole build enables one), the same in every lane
// and in the scalar tail.
//
// Accuracy (checked against double-precision libm in tests/unit/vector_math_test.cpp): within
// 2 ulp for exp/log and within 4 ulp for the others over the whole float range, with IEEE
// results at the edges (exp(-inf) = 0, exp(inf) = inf, log(0) = -inf, log(-1) = NaN, NaN in NaN
// out, subnormal results and arguments handled).
#pragma once
#include <bit>
#include <cstdint>

namespace engine {

namespace vmath {

// Forced inline: GCC does not inline a plain inline function into the AVX-512 and AVX2 versions
// of a loop (core/simd_dispatch.h), and a loop that calls one per element does not vectorize.
// __builtin_bit_cast for the same reason (std::bit_cast is a function template).
#define GS_VMATH [[gnu::always_inline]] inline

GS_VMATH float select(bool c, float a, float b) { return c ? a : b; }

// 2^n for an integer n in [-252, 254], as two normal factors so that a subnormal product rounds
// only once.
GS_VMATH float pow2_times(float p, int32_t n) {
  const int32_t n1 = n / 2, n2 = n - n1;
  const float s1 = __builtin_bit_cast(float, (n1 + 127) << 23);
  const float s2 = __builtin_bit_cast(float, (n2 + 127) << 23);
  return p * s1 * s2;
}

// Round to nearest integer for |v| < 2^22 without SSE4.1's roundps: adding 1.5 * 2^23 pushes the
// fraction bits out of the mantissa.
GS_VMATH float round_small(float v) {
  const float magic = 12582912.0f;
  return (v + magic) - magic;
}


// exp: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite: ln2 in two parts, the first exact in 9 bits
// so n * ln2_hi is exact), e^r by Cephes' degree-6 minimax polynomial, then the scale by 2^n.
GS_VMATH float exp(float x) {
  const float hi = 88.72283935546875f;  // above: overflow to inf
  const float lo = -103.97208404541015625f;  // below: underflow to 0
  // Written so that NaN clamps to hi (the result is NaN again below): converting a NaN n to an
  // integer would be undefined.
  const float xc = x < hi ? (x > lo ? x : lo) : hi;
  const float n = round_small(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  float y = pow2_times(p, static_cast<int32_t>(n));
  y = select(x > hi, __builtin_inff(), y);
  y = select(x < lo, 0.0f, y);
  return select(x != x, x, y);
}

// log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by Cephes' polynomial in m - 1, plus
// e ln2 (in two parts). Subnormal arguments are scaled into the normal range first.
GS_VMATH float log(float x) {
  const bool tiny = x < 1.17549435e-38f;
  const float xs = select(tiny, x * 8388608.0f, x);  // 2^23
  const int32_t bits = __builtin_bit_cast(int32_t, xs);
  int32_t e = ((bits >> 23) & 0xff) - 126;
  float m = __builtin_bit_cast(float, (bits & 0x007fffff) | 0x3f000000);  // in [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1 : e;
  m = select(small, m + m - 1.0f, m - 1.0f);
  float ef = static_cast<float>(e) - select(tiny, 23.0f, 0.0f);
  const float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float y = p * m * z;
  y = y + ef * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = m + y;
  r = r + ef * 0.693359375f;
  r = select(x == __builtin_inff(), x, r);
  r = select(x == 0.0f, -__builtin_inff(), r);
  r = select(x < 0.0f, __builtin_nanf(""), r);
  return select(x != x, x, r);
}

// expm1: the Taylor polynomial to x^9/9! for |x| < 0.5 (truncation under 6e-10 relative), where
// exp(x) - 1 would cancel; exp(x) - 1 elsewhere, where the result is at least 0.39 in magnitude
// and the subtraction costs at most a couple of ulp.
GS_VMATH float expm1(float x) {
  float p = 1.0f / 362880.0f;
  p = p * x + 1.0f / 40320.0f;
  p = p * x + 1.0f / 5040.0f;
  p = p * x + 1.0f / 720.0f;
  p = p * x + 1.0f / 120.0f;
  p = p * x + 1.0f / 24.0f;
  p = p * x + 1.0f / 6.0f;
  p = p * x + 0.5f;
  p = p * x * x + x;
  const float big = exp(x) - 1.0f;
  const float ax = x < 0 ? -x : x;
  return select(ax < 0.5f, p, big);
}

// log1p: u = 1 + x rounded, then log(u) * x / (u - 1), which cancels the rounding error of u
// (Goldberg's trick; HP-15C). u == 1 means |x| is below half an ulp of 1: log1p(x) = x then.
GS_VMATH float log1p(float x) {
  const float u = 1.0f + x;
  const float d = u - 1.0f;
  float r = log(u) * (x / d);
  r = select(d == 0.0f, x, r);
  r = select(x == __builtin_inff(), x, r);
  return select(x != x, x, r);
}

// tanh: Cephes' odd polynomial for |x| < 0.625; 1 - 2 / (e^{2|x|} + 1) with the sign elsewhere
// (exact 1 once e^{2|x|} overflows).
GS_VMATH float tanh(float x) {
  const float ax = x < 0 ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float t = 1.0f - 2.0f / (exp(ax + ax) + 1.0f);
  const float big = x < 0 ? -t : t;
  const float r = select(ax < 0.625f, small, big);
  return select(x != x, x, r);
}

// logistic: with e = e^-|x| (never overflows), 1 / (1 + e) for x >= 0 and e / (1 + e) for
// x < 0, so that tiny results for very negative x keep exp's accuracy instead of 1 / (1 + inf).
GS_VMATH float logistic(float x) {
  const float e = exp(x < 0 ? x : -x);
  const float r = 1.0f / (1.0f + e);
  return select(x < 0, e * r, r);
}

}  // namespace vmath

}  // namespace engine
