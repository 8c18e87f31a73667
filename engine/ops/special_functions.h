// Special functions whose exact float32 polynomial matters: JAX's random.normal is
// sqrt(2) * erf_inv(u) with XLA's ErfInv, so ours must follow XLA to agree bit for bit.
#pragma once
#include <cmath>
#include <limits>

namespace engine {

// XLA's ErfInv32 (M. Giles, "Approximating the erfinv function"), evaluated in float as XLA does.
inline float erf_inv_f32(float x) {
  constexpr float lt5[9] = {2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f,
                            -4.39150654e-06f, 0.00021858087f,  -0.00125372503f,
                            -0.00417768164f,  0.246640727f,    1.50140941f};
  constexpr float ge5[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f,
                            -0.00367342844f,  0.00573950773f,  -0.0076224613f,
                            0.00943887047f,   1.00167406f,     2.83297682f};
  float w = -std::log1p(-x * x);
  bool small = w < 5.0f;
  const float* c = small ? lt5 : ge5;
  w = small ? w - 2.5f : std::sqrt(w) - 3.0f;
  float p = c[0];
  for (int i = 1; i < 9; ++i) p = c[i] + p * w;
  if (std::fabs(x) == 1.0f) return x * std::numeric_limits<float>::max();
  return p * x;
}

// float64: Newton refinement of the float32 estimate against std::erf (for f64 gradient checks).
inline double erf_inv_f64(double x) {
  if (std::fabs(x) >= 1.0) return x * std::numeric_limits<double>::infinity();
  double y = erf_inv_f32(static_cast<float>(x));
  for (int i = 0; i < 3; ++i) {
    double err = std::erf(y) - x;
    y -= err / (2.0 / std::sqrt(M_PI) * std::exp(-y * y));
  }
  return y;
}

}  // namespace engine
