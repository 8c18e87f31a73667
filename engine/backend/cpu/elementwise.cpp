// Eager elementwise primitives and reduce_sum over a leading or trailing block of axes, on f32.
// An elementwise primitive with a tile kernel (PrimitiveRules::tile) runs as a fused loop of one
// operation (compile/fusion.h): the loop the compiler runs, tiled, threaded, in the machine's
// vector width, on the primitive's own definition, so results are the reference's bit for bit.
// Sums accumulate in double, as the reference kernel does.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no per-file optimize pragma
#pragma GCC optimize("O3")
#endif
#include <cstdint>
#include <vector>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/compile/fusion.h"
#include "engine/core/parallel.h"
#include "engine/core/simd_dispatch.h"

namespace engine::cpu {

namespace {

using P = PrimId;

// y[o] = the sum of row o of a (n_red floats each), for o in [begin, end), in double.
GS_SIMD_KERNEL(void, sum_rows, (const float* a, float* y, int64_t n_red, int64_t begin, int64_t end),
               (a, y, n_red, begin, end)) {
  for (int64_t o = begin; o < end; ++o) {
    const float* row = a + o * n_red;
    double acc = 0;
    for (int64_t i = 0; i < n_red; ++i) acc += row[i];
    y[o] = static_cast<float>(acc);
  }
}

// y[o] = the sum of column o of a (n_red rows of n_out floats), for o in [begin, end), in double;
// the rows are read in order, so each column keeps the reference order.
GS_SIMD_KERNEL(void, sum_columns,
               (const float* a, float* y, int64_t n_red, int64_t n_out, int64_t begin, int64_t end),
               (a, y, n_red, n_out, begin, end)) {
  std::vector<double> acc_storage(static_cast<size_t>(end - begin), 0.0);
  double* __restrict acc = acc_storage.data();
  for (int64_t i = 0; i < n_red; ++i) {
    const float* __restrict row = a + i * n_out + begin;
    for (int64_t o = 0; o < end - begin; ++o) acc[o] += row[o];
  }
  for (int64_t o = begin; o < end; ++o) y[o] = static_cast<float>(acc[o - begin]);
}

// Sum over axes [0, k) or [k, rank) of a contiguous array, in double.
std::optional<Array> reduce_sum(const Array& x, const IntList& axes, const Aval& out) {
  const int64_t r = x.rank(), na = static_cast<int64_t>(axes.size());
  if (na == 0 || x.size() == 0) return std::nullopt;
  bool leading = true, trailing = true;
  for (int64_t i = 0; i < na; ++i) {
    leading = leading && axes[i] == i;
    trailing = trailing && axes[i] == r - na + i;
  }
  if (!leading && !trailing) return std::nullopt;
  const int64_t n_out = shape_size(out.shape), n_red = x.size() / n_out;
  const float* a = x.data<float>();
  Array result = Array::empty(DType::f32, out.shape);
  float* y = result.mutable_data<float>();
  // Threads split the outputs, never one output's sum, so every sum keeps the reference order.
  const bool parallel = x.size() >= (int64_t{1} << 18);
  if (trailing) {
    parallel_ranges(n_out, parallel, [&](int64_t begin, int64_t end) { sum_rows(a, y, n_red, begin, end); });
  } else {
    parallel_ranges(n_out, parallel && n_out >= 16,
                    [&](int64_t begin, int64_t end) { sum_columns(a, y, n_red, n_out, begin, end); });
  }
  return result;
}

// One elementwise primitive as a fused loop of one operation.
std::optional<Array> tiled(PrimId prim, std::span<const Array> in, const Params& params, const Aval& out) {
  std::vector<Aval> avals;
  for (const Array& a : in) avals.push_back({a.shape(), a.dtype()});
  std::optional<FusedGroup> loop = one_op_loop(prim, params, avals, out);
  if (!loop) return std::nullopt;
  return loop->run(std::vector<Array>(in.begin(), in.end()))[0];
}

}  // namespace

std::optional<Array> elementwise(PrimId prim, std::span<const Array> in, const Params& params,
                                 const Aval& out) {
  if (shape_size(out.shape) == 0) return std::nullopt;
  std::optional<Array> r;
  if (prim == P::reduce_sum) {
    if (out.dtype == DType::f32 && in.size() == 1 && in[0].dtype() == DType::f32)
      r = reduce_sum(in[0], params.ints("axes"), out);
  } else {
    r = tiled(prim, in, params, out);
  }
  if (r) ++cpu_backend().counters().loops;
  return r;
}

}  // namespace engine::cpu
