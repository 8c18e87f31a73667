// dot_general: lax's general contraction, the one primitive behind dot, matmul, tensordot and
// Dense layers. Bilinear: its JVP is the sum of two dot_generals and it transposes with respect to
// either operand into another dot_general plus a transpose (JAX's _dot_general_transpose_lhs/rhs).
//
// Params (JAX's names): dimension_numbers = (lhs_contract, rhs_contract, lhs_batch, rhs_batch)
// as four int lists (JAX nests them as ((lc, rc), (lb, rb))), precision (always None here) and
// preferred_element_type (a dtype, or None for the operands' dtype).
#include <algorithm>
#include <array>
#include <numeric>

#include "engine/ops/conv_rules.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/families.h"
#include "engine/ops/linalg_ops.h"
#include "engine/ops/rule_helpers.h"
#include "engine/ops/shape_ops.h"

namespace engine {

namespace {

using P = PrimId;

DotDimensionNumbers dims_of(const Params& params) {
  const IntLists& d = params.get<IntLists>("dimension_numbers");
  GS_CHECK(d.size() == 4, "dot_general: dimension_numbers must hold four axis lists");
  return {d[0], d[1], d[2], d[3]};
}

Params with_dims(const Params& params, const DotDimensionNumbers& d) {
  Params p = params;
  p.set("dimension_numbers", IntLists{d.lhs_contract, d.rhs_contract, d.lhs_batch, d.rhs_batch});
  return p;
}

// preferred_element_type when it names a dtype ("None" otherwise).
DType preferred_or(const Params& params, DType fallback) {
  for (const auto& [k, v] : params.items())
    if (k == "preferred_element_type" && std::holds_alternative<DType>(v))
      return std::get<DType>(v);
  return fallback;
}

// The axes of a rank-`rank` operand that are neither contracted nor batch axes, in order.
IntList free_axes(int64_t rank, const IntList& contract, const IntList& batch) {
  IntList out;
  for (int64_t i = 0; i < rank; ++i)
    if (!contains(contract, i) && !contains(batch, i)) out.push_back(i);
  return out;
}

std::string dims_str(const DotDimensionNumbers& d) {
  return "((" + param_value_str(d.lhs_contract) + ", " + param_value_str(d.rhs_contract) + "), (" +
         param_value_str(d.lhs_batch) + ", " + param_value_str(d.rhs_batch) + "))";
}

Avals dot_general_shape(std::span<const Aval> in, const Params& params) {
  const Aval &l = in[0], &r = in[1];
  DotDimensionNumbers d = dims_of(params);
  const std::string what =
      "dot_general of " + l.str() + " and " + r.str() + " with dimension_numbers " + dims_str(d);
  GS_CHECK(l.dtype == r.dtype, what + ": operands must have one dtype");
  GS_CHECK(l.dtype != DType::boolean, what + ": boolean operands are not supported");
  GS_CHECK(d.lhs_contract.size() == d.rhs_contract.size(),
           what + ": lhs and rhs need as many contracting dimensions");
  GS_CHECK(d.lhs_batch.size() == d.rhs_batch.size(),
           what + ": lhs and rhs need as many batch dimensions");
  auto check_axes = [&](const Aval& a, const IntList& contract, const IntList& batch,
                        const char* side) {
    IntList all = contract;
    all.insert(all.end(), batch.begin(), batch.end());
    for (int64_t v : all)
      GS_CHECK(v >= 0 && v < a.rank(),
               what + ": " + side + " axis " + std::to_string(v) + " out of range");
    std::sort(all.begin(), all.end());
    GS_CHECK(std::adjacent_find(all.begin(), all.end()) == all.end(),
             what + ": an axis of " + side + " is repeated");
  };
  check_axes(l, d.lhs_contract, d.lhs_batch, "lhs");
  check_axes(r, d.rhs_contract, d.rhs_batch, "rhs");
  for (size_t i = 0; i < d.lhs_contract.size(); ++i) {
    int64_t a = l.shape[d.lhs_contract[i]], b = r.shape[d.rhs_contract[i]];
    GS_CHECK(a == b, what + ": contracting dimensions have different sizes " + std::to_string(a) +
                         " and " + std::to_string(b));
  }
  Shape out;
  for (size_t i = 0; i < d.lhs_batch.size(); ++i) {
    int64_t a = l.shape[d.lhs_batch[i]], b = r.shape[d.rhs_batch[i]];
    GS_CHECK(a == b, what + ": batch dimensions have different sizes " + std::to_string(a) +
                         " and " + std::to_string(b));
    out.push_back(a);
  }
  for (int64_t a : free_axes(l.rank(), d.lhs_contract, d.lhs_batch)) out.push_back(l.shape[a]);
  for (int64_t a : free_axes(r.rank(), d.rhs_contract, d.rhs_batch)) out.push_back(r.shape[a]);
  return {{out, preferred_or(params, l.dtype)}};
}

// Copies x with its axes in `order` (a permutation), row-major.
Array permuted(const Array& x, const IntList& order) {
  auto st = row_major_strides(x.shape());
  Shape s;
  std::vector<int64_t> strides;
  for (int64_t a : order) {
    s.push_back(x.shape()[a]);
    strides.push_back(st[a]);
  }
  return gather_strided(x, s, strides);
}

int64_t extent(const Shape& s, const IntList& axes) {
  int64_t n = 1;
  for (int64_t a : axes) n *= s[a];
  return n;
}

// Packs lhs as [B, M, K] and rhs as [B, K, N] (batch, free, contracted), then runs one
// batched matrix product. Floats accumulate in double, integers in int64 (wrapping on the cast).
std::vector<Array> dot_general_kernel(std::span<const Array> in, const Params& params,
                                      std::span<const Aval> out) {
  DotDimensionNumbers d = dims_of(params);
  const Array &l = in[0], &r = in[1];
  IntList lfree = free_axes(l.rank(), d.lhs_contract, d.lhs_batch);
  IntList rfree = free_axes(r.rank(), d.rhs_contract, d.rhs_batch);
  IntList lorder = d.lhs_batch, rorder = d.rhs_batch;
  lorder.insert(lorder.end(), lfree.begin(), lfree.end());
  lorder.insert(lorder.end(), d.lhs_contract.begin(), d.lhs_contract.end());
  rorder.insert(rorder.end(), d.rhs_contract.begin(), d.rhs_contract.end());
  rorder.insert(rorder.end(), rfree.begin(), rfree.end());
  const int64_t B = extent(l.shape(), d.lhs_batch), M = extent(l.shape(), lfree);
  const int64_t K = extent(l.shape(), d.lhs_contract), N = extent(r.shape(), rfree);
  Array a = permuted(l, lorder), b = permuted(r, rorder);
  Array result = Array::empty(out[0].dtype, out[0].shape);
  dispatch_dtype(l.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    std::vector<Acc> acc(static_cast<size_t>(B * M * N), 0);
    for (int64_t bi = 0; bi < B; ++bi)
      for (int64_t m = 0; m < M; ++m) {
        Acc* row = acc.data() + (bi * M + m) * N;
        for (int64_t k = 0; k < K; ++k) {
          Acc x = static_cast<Acc>(pa[(bi * M + m) * K + k]);
          const T* brow = pb + (bi * K + k) * N;
          for (int64_t n = 0; n < N; ++n) row[n] += x * static_cast<Acc>(brow[n]);
        }
      }
    dispatch_dtype(out[0].dtype, [&](auto out_tag) {
      using O = decltype(out_tag);
      O* dst = result.mutable_data<O>();
      for (size_t i = 0; i < acc.size(); ++i) dst[i] = static_cast<O>(acc[i]);
    });
  });
  return {result};
}

std::pair<Tensors, Tensors> dot_general_jvp(std::span<const Tensor> x, std::span<const Tensor> t,
                                            const Params& params) {
  Tensor out = bind1(P::dot_general, {x[0], x[1]}, params);
  Tensor ta = t[0].defined() ? bind1(P::dot_general, {t[0], x[1]}, params) : Tensor();
  Tensor tb = t[1].defined() ? bind1(P::dot_general, {x[0], t[1]}, params) : Tensor();
  return {{out}, {ta.defined() && tb.defined() ? ta + tb : ta.defined() ? ta : tb}};
}

// The cotangent of x in dot_general(x, y) (or of y, with swap_ans, when called with the operands
// and dimension numbers swapped): contract g's y-free axes with y's free axes, batch g with y,
// and permute the result (x_batch, x_kept, x_contract sorted by y_contract) back to x's axes.
Tensor transpose_operand(const Tensor& g_in, const Tensor& y, const Aval& x_aval,
                         const DotDimensionNumbers& d, bool swap_ans, const Params& params) {
  Tensor g = g_in.dtype() == y.dtype() ? g_in : astype(g_in, y.dtype());
  const IntList &xc = d.lhs_contract, &yc = d.rhs_contract, &xb = d.lhs_batch, &yb = d.rhs_batch;
  IntList x_kept = free_axes(x_aval.rank(), xc, xb);
  IntList y_kept = free_axes(y.rank(), yc, yb);
  const int64_t nb = static_cast<int64_t>(xb.size());
  IntList ans_batch(xb.size()), ans_y(y_kept.size());
  std::iota(ans_batch.begin(), ans_batch.end(), 0);
  // g's axes are batch, lhs-free, rhs-free; y's free axes come first when y was the lhs.
  int64_t y_start = swap_ans ? nb : nb + static_cast<int64_t>(x_kept.size());
  std::iota(ans_y.begin(), ans_y.end(), y_start);
  IntList order(xc.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return yc[i] < yc[j]; });
  IntList layout = xb;
  layout.insert(layout.end(), x_kept.begin(), x_kept.end());
  for (int64_t i : order) layout.push_back(xc[i]);
  IntList out_axes(layout.size());
  for (size_t i = 0; i < layout.size(); ++i) out_axes[layout[i]] = static_cast<int64_t>(i);
  Params p = with_dims(params, {ans_y, y_kept, ans_batch, yb});
  p.set("preferred_element_type", x_aval.dtype);
  return transpose(bind1(P::dot_general, {g, y}, p), out_axes);
}

Tensors dot_general_transpose(std::span<const Tensor> cts, std::span<const Tensor> args,
                              std::span<const Aval> avals, const std::vector<bool>& linear,
                              const Params& params) {
  GS_CHECK(!(linear[0] && linear[1]), "internal: dot_general transposed in both operands");
  if (!cts[0].defined()) return {Tensor(), Tensor()};
  DotDimensionNumbers d = dims_of(params);
  if (linear[0]) return {transpose_operand(cts[0], args[1], avals[0], d, false, params), Tensor()};
  DotDimensionNumbers swapped{d.rhs_contract, d.lhs_contract, d.rhs_batch, d.lhs_batch};
  return {Tensor(), transpose_operand(cts[0], args[0], avals[1], swapped, true, params)};
}

IntList bumped(const IntList& axes, int64_t at) {
  IntList out;
  for (int64_t a : axes) out.push_back(a >= at ? a + 1 : a);
  return out;
}

int64_t count_below(const IntList& axes, int64_t v) {
  return std::count_if(axes.begin(), axes.end(), [&](int64_t a) { return a < v; });
}

// vmap of dot_general: two batched operands get a new leading batch dimension pair; a single
// batched operand keeps its vmapped axis as one more free axis, so the other stays unbatched.
std::pair<Tensors, std::vector<int>> dot_general_batch(std::span<const Tensor> args,
                                                       std::span<const int> dims,
                                                       const Params& params) {
  DotDimensionNumbers d = dims_of(params);
  const int ld = dims[0], rd = dims[1];
  if (ld != kNotMapped && rd != kNotMapped) {
    Tensor l = move_batch_axis_to_front(args[0], ld), r = move_batch_axis_to_front(args[1], rd);
    DotDimensionNumbers nd{bumped(d.lhs_contract, 0), bumped(d.rhs_contract, 0), {0}, {0}};
    for (int64_t a : bumped(d.lhs_batch, 0)) nd.lhs_batch.push_back(a);
    for (int64_t a : bumped(d.rhs_batch, 0)) nd.rhs_batch.push_back(a);
    return {{bind1(P::dot_general, {l, r}, with_dims(params, nd))}, {0}};
  }
  const int64_t nb = static_cast<int64_t>(d.lhs_batch.size());
  if (ld != kNotMapped) {
    DotDimensionNumbers nd{bumped(d.lhs_contract, ld), d.rhs_contract, bumped(d.lhs_batch, ld),
                           d.rhs_batch};
    IntList lfree = free_axes(args[0].rank(), nd.lhs_contract, nd.lhs_batch);
    int out_dim = static_cast<int>(nb + count_below(lfree, ld));
    return {{bind1(P::dot_general, {args[0], args[1]}, with_dims(params, nd))}, {out_dim}};
  }
  DotDimensionNumbers nd{d.lhs_contract, bumped(d.rhs_contract, rd), d.lhs_batch,
                         bumped(d.rhs_batch, rd)};
  IntList rfree = free_axes(args[1].rank(), nd.rhs_contract, nd.rhs_batch);
  int64_t lfree =
      static_cast<int64_t>(free_axes(args[0].rank(), d.lhs_contract, d.lhs_batch).size());
  int out_dim = static_cast<int>(nb + lfree + count_below(rfree, rd));
  return {{bind1(P::dot_general, {args[0], args[1]}, with_dims(params, nd))}, {out_dim}};
}

const PrimitiveRules kDotGeneral{.id = P::dot_general,
                                 .name = "dot_general",
                                 .shape = dot_general_shape,
                                 .impl = dot_general_kernel,
                                 .jvp = dot_general_jvp,
                                 .transpose = dot_general_transpose,
                                 .batch = dot_general_batch};

}  // namespace

std::span<const PrimitiveRules> linalg_rules() {
  static const std::array rules = {kDotGeneral, conv_general_dilated_rules()};
  return rules;
}

Tensor dot_general(const Tensor& lhs, const Tensor& rhs, const DotDimensionNumbers& dims,
                   std::optional<DType> preferred_element_type) {
  ParamValue pref = preferred_element_type ? ParamValue(*preferred_element_type)
                                           : ParamValue(std::string("None"));
  return bind1(P::dot_general, {lhs, rhs},
               Params{{"dimension_numbers", IntLists{dims.lhs_contract, dims.rhs_contract,
                                                     dims.lhs_batch, dims.rhs_batch}},
                      {"precision", std::string("None")},
                      {"preferred_element_type", pref}});
}

}  // namespace engine
