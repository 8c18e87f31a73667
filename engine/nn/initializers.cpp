#include "engine/nn/initializers.h"

#include <cmath>

#include "engine/random/random.h"

namespace engine::nn {

int64_t fan_in(const Shape& shape) {
  if (shape.empty()) return 1;
  if (shape.size() == 1) return shape[0];
  int64_t receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= shape[i];
  return shape[shape.size() - 2] * receptive;
}

Array lecun_normal(const Array& key, const Shape& shape, DType dtype) {
  const int64_t fan = fan_in(shape);
  GS_CHECK(fan > 0, "lecun_normal: shape (" + shape_str(shape) + ") has fan_in 0");
  Array z = random::truncated_normal(key, -2.0, 2.0, shape, dtype);
  Array out = Array::empty(dtype, shape);
  if (dtype == DType::f32) {
    // JAX: variance = array(1/fan_in, f32); stddev = sqrt(variance) / array(.8796..., f32); each
    // step one float32 rounding, then one more for the product.
    const float variance = static_cast<float>(1.0 / static_cast<double>(fan));
    const float stddev = std::sqrt(variance) / 0.87962566103423978f;
    const float* src = z.data<float>();
    float* dst = out.mutable_data<float>();
    for (int64_t i = 0; i < z.size(); ++i) dst[i] = src[i] * stddev;
  } else {
    GS_CHECK(dtype == DType::f64, "lecun_normal: dtype must be f32 or f64");
    const double stddev = std::sqrt(1.0 / static_cast<double>(fan)) / 0.87962566103423978;
    const double* src = z.data<double>();
    double* dst = out.mutable_data<double>();
    for (int64_t i = 0; i < z.size(); ++i) dst[i] = src[i] * stddev;
  }
  return out;
}

Array zeros_init(const Shape& shape, DType dtype) { return Array::zeros(dtype, shape); }

Array ones_init(const Shape& shape, DType dtype) {
  return engine::ones(shape, dtype);
}

}  // namespace engine::nn
