// Tensor-level creation as composites of iota (ops/indexing.cpp) and elementwise ops.
#include "engine/ops/creation.h"

#include "engine/ops/elementwise.h"
#include "engine/ops/shape_ops.h"

namespace engine {

Tensor arange(int64_t stop, DType dtype) {
  GS_CHECK(stop >= 0, "arange: stop must be non-negative, got " + std::to_string(stop));
  return iota(dtype, stop);
}

Tensor linspace(const Tensor& start, const Tensor& stop, int64_t num, bool endpoint) {
  GS_CHECK(start.rank() == 0 && stop.rank() == 0, "linspace: start " + start.aval().str() + " and stop " +
                                                      stop.aval().str() + " must be scalars");
  GS_CHECK(num >= 0, "linspace: num must be non-negative, got " + std::to_string(num));
  DType d = promote_types(start.dtype(), stop.dtype());
  if (!is_floating(d)) d = DType::f32;
  Tensor a = astype(start, d), b = astype(stop, d);
  if (num == 0) return zeros({0}, d);
  const int64_t divisions = endpoint ? num - 1 : num;
  Tensor ramp = iota(d, num);
  Tensor out = divisions == 0 ? broadcast_in_dim(a, {num}, {}) : a + ramp * ((b - a) / static_cast<double>(divisions));
  // start + i*step rounds; NumPy pins the last value to stop exactly, and so do we.
  if (endpoint && num > 1) out = where(equal(ramp, scalar_like(static_cast<double>(num - 1), ramp)),
                                       broadcast_in_dim(b, {num}, {}), out);
  return out;
}

Tensor eye(int64_t n, int64_t m, int64_t k, DType dtype) {
  if (m < 0) m = n;
  GS_CHECK(n >= 0, "eye: n must be non-negative, got " + std::to_string(n));
  Tensor rows = broadcasted_iota(DType::i32, {n, m}, 0);
  Tensor cols = broadcasted_iota(DType::i32, {n, m}, 1);
  return astype(equal(rows + static_cast<double>(k), cols), dtype);
}

}  // namespace engine
