// dot_general → oneDNN matmul. The operands are described, not copied: lhs as [B, M, K] and rhs
// as [B, K, N] with strides read off their row-major layouts, which works whenever each group of
// axes (batch, free, contracting), taken in dot_general's order, is one stride-compatible block
// of memory. A logical transpose (x^T @ y, x @ y^T, as reverse mode emits) is then only a change
// of strides, which oneDNN's gemm handles natively. The output [B, M, N] is dot_general's own
// row-major layout (batch, lhs free, rhs free).
//
// Without batch axes the product is one call of oneDNN's sgemm instead of the matmul primitive:
// its jit gemm does 32x784x512 (the MLP's forward product) in 71-92 µs where the primitive's
// brgemm, which re-packs plain weights on every call, takes 116-135 µs (session 5's machine, 2
// threads), and the weight gradient with the SGD update in place in 137 µs against 181-200 µs.
// sgemm's alpha and beta take a tail of scalar factors and a final "+ x" or "+ bias row"; other
// tails keep the primitive.
#include <omp.h>

#include <algorithm>
#include <unordered_map>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"
#include "engine/backend/cpu/onednn_cache.h"
#include "engine/backend/cpu/post_ops.h"

namespace engine::cpu {

namespace {

using dnnl::memory;

struct Dim {
  int64_t size = 1, stride = 0;
};

// The axes of `group` (in that order) merged into one dimension, if their row-major strides
// allow it; size-1 axes never matter.
std::optional<Dim> merge(const Shape& shape, const std::vector<int64_t>& strides,
                         const IntList& group) {
  Dim d;
  int64_t prev = -1;
  for (int64_t a : group) {
    if (shape[a] == 1) continue;
    if (prev >= 0 && strides[prev] != strides[a] * shape[a]) return std::nullopt;
    d.size *= shape[a];
    d.stride = strides[a];
    prev = a;
  }
  return d;
}

IntList free_axes(int64_t rank, const IntList& contract, const IntList& batch) {
  IntList out;
  for (int64_t i = 0; i < rank; ++i)
    if (std::find(contract.begin(), contract.end(), i) == contract.end() &&
        std::find(batch.begin(), batch.end(), i) == batch.end())
      out.push_back(i);
  return out;
}

// An operand as [B, X, Y] with strides.
struct MatmulView {
  memory::dims dims, strides;
  memory::desc desc() const { return f32_desc(dims, strides); }
};

// [B, X, Y] of an operand; size-1 dims get the outermost stride so the view stays plain.
std::optional<MatmulView> view(const Shape& shape, const IntList& g0, const IntList& g1, const IntList& g2,
                         std::string& key) {
  auto st = row_major_strides(shape);
  auto d0 = merge(shape, st, g0), d1 = merge(shape, st, g1), d2 = merge(shape, st, g2);
  if (!d0 || !d1 || !d2) return std::nullopt;
  const int64_t total = std::max<int64_t>(shape_size(shape), 1);
  MatmulView v{{d0->size, d1->size, d2->size}, {d0->stride, d1->stride, d2->stride}};
  for (int i = 0; i < 3; ++i)
    if (v.dims[i] == 1) v.strides[i] = total;
  key += key_of(v.dims) + key_of(v.strides);
  return v;
}

// dst = alpha * op(src) @ op(weights) + beta * dst, row-major. alpha is `sign` times the scalar
// operands of the tail's products; a beta of ±1 adds the array the tail ends by adding.
struct Gemm {
  char trans_a = 'N', trans_b = 'N';
  int64_t m = 0, n = 0, k = 0, lda = 0, ldb = 0;
  float sign = 1, beta = 0;
  bool rows = false;  // the added array is one row of N (a bias), repeated down the M rows
};

// op(X) and its leading dimension for a [1, R, C] view: rows or columns must be contiguous.
std::optional<std::pair<char, int64_t>> gemm_operand(const MatmulView& v) {
  if (v.dims[0] != 1) return std::nullopt;
  if (v.strides[2] == 1 || v.dims[2] == 1) return std::make_pair('N', std::max(v.strides[1], v.dims[2]));
  if (v.strides[1] == 1 || v.dims[1] == 1) return std::make_pair('T', std::max(v.strides[2], v.dims[1]));
  return std::nullopt;
}

// The product and its tail as one sgemm call, if they fit one: no batch axes, and a tail of
// negations and products with a scalar, which may end by adding an array x of the result's shape
// or a row of N repeated down the result (v + x, x + v, x - v, v - x). x is then the dst that
// beta scales: in place its own buffer, else a copy (of the row into every row). Whether sgemm
// runs depends on the tail alone, not on whether x is donated, so both give the same bits.
// `operands` gets the scalars' bindings, then x's.
std::optional<Gemm> as_gemm(const MatmulView& src, const MatmulView& wei, std::span<const EpilogueOp> tail, int64_t total,
                            bool rows_are_n, std::vector<PostOpBinding>& operands) {
  auto a = gemm_operand(src), b = gemm_operand(wei);
  if (!a || !b) return std::nullopt;
  Gemm g{a->first, b->first, src.dims[1], wei.dims[2], src.dims[2], a->second, b->second};
  size_t scaled = tail.size();
  if (!tail.empty()) {
    const EpilogueOp& last = tail.back();
    const int64_t size = shape_size(last.operand.shape);
    const bool row = size != total && rows_are_n && size == g.n;
    if ((last.prim == PrimId::add || last.prim == PrimId::sub) && last.input >= 0 &&
        last.operand.dtype == DType::f32 && (size == total || row)) {
      g.rows = row;
      const bool minus_x = last.prim == PrimId::sub && last.value_first;
      g.beta = minus_x ? -1.0f : 1.0f;
      if (last.prim == PrimId::sub && !last.value_first) g.sign = -g.sign;
      scaled = tail.size() - 1;
    }
  }
  for (size_t t = 0; t < scaled; ++t) {
    const EpilogueOp& op = tail[t];
    const bool scalar = op.input < 0 || (op.operand.dtype == DType::f32 && op.operand.rank() == 0);
    if (op.prim == PrimId::neg) g.sign = -g.sign;
    else if (op.prim == PrimId::mul && scalar) operands.push_back({-1, static_cast<int>(t), {}});
    else return std::nullopt;
  }
  if (g.beta != 0) operands.push_back({-1, static_cast<int>(scaled), {}});
  return g;
}

struct MatmulPlan : Plan {
  memory::desc src, weights, dst;
  dnnl::matmul prim;
  std::optional<Gemm> gemm;             // run as sgemm instead of prim
  std::vector<PostOpBinding> bindings;  // the epilogue's operands (for gemm: its scale factors)
};

// The cached plan for these operand avals, or nullptr when oneDNN has no kernel for the case.
std::shared_ptr<const Plan> matmul_plan(const Aval& l, const Aval& r, const Params& params, const Aval& out,
                                        std::span<const EpilogueOp> tail = {}, bool in_place = false) {
  if (l.dtype != DType::f32 || r.dtype != DType::f32 || out.dtype != DType::f32) return nullptr;
  if (shape_size(l.shape) == 0 || shape_size(r.shape) == 0 || shape_size(out.shape) == 0) return nullptr;
  const IntLists& d = params.get<IntLists>("dimension_numbers");
  const IntList &lc = d[0], &rc = d[1], &lb = d[2], &rb = d[3];
  std::string key = "matmul";
  auto src = view(l.shape, lb, free_axes(l.rank(), lc, lb), lc, key);
  auto wei = view(r.shape, rb, rc, free_axes(r.rank(), rc, rb), key);
  if (!src || !wei) return nullptr;
  const memory::dims dst_dims{src->dims[0], src->dims[1], wei->dims[2]};
  const memory::desc dst(dst_dims, memory::data_type::f32, memory::format_tag::abc);
  dnnl::post_ops ops;
  std::vector<PostOpBinding> bindings;
  // A row repeats along the result's last axis, which is N when that axis is all of N.
  const bool rows_are_n = !out.shape.empty() && out.shape.back() == dst_dims[2];
  if (!append_post_ops(tail, {dst, rows_are_n ? 2 : -1}, in_place, ops, bindings, key)) return nullptr;
  return cached_plan(key, [&]() -> std::shared_ptr<Plan> {
    auto p = std::make_shared<MatmulPlan>();
    p->src = src->desc();
    p->weights = wei->desc();
    p->dst = dst;
    std::vector<PostOpBinding> operands;
    if ((p->gemm = as_gemm(*src, *wei, tail, shape_size(out.shape), rows_are_n, operands))) {
      p->bindings = std::move(operands);
      return p;
    }
    p->bindings = bindings;
    try {
      dnnl::primitive_attr attr = user_scratchpad();
      attr.set_post_ops(ops);
      p->prim = dnnl::matmul(dnnl::matmul::primitive_desc(
          dnnl::matmul::desc(p->src, p->weights, p->dst), attr, onednn_engine()));
    } catch (const dnnl::error&) {
      return nullptr;  // a stride pattern (or post-op) oneDNN does not take
    }
    return p;
  });
}

// `g` into `result`. operands: the scalar factors, then (when g.beta is not 0) the added array x,
// which `result` already is when `in_place`.
void run_gemm(const Gemm& g, const Array& l, const Array& r, std::span<const Array* const> operands, bool in_place,
              Array& result) {
  ++cpu_backend().counters().sgemm;
  float alpha = g.sign;
  const size_t scales = operands.size() - (g.beta != 0);
  for (size_t i = 0; i < scales; ++i) alpha *= operands[i]->data<float>()[0];
  float* dst = static_cast<float*>(result.in_place_raw());
  if (g.beta != 0 && !in_place) {
    const float* x = operands.back()->data<float>();
    if (g.rows) {
      for (int64_t row = 0; row < g.m; ++row) std::copy_n(x, g.n, dst + row * g.n);
    } else {
      std::copy_n(x, result.size(), dst);
    }
  }
  // Below about 2 MFLOP a second thread costs more than it saves (64^3: 2.7 µs on one thread,
  // 6.1 µs on two; 128^3: 19 and 15). The thread count is this thread's own setting.
  const bool small = 2.0 * static_cast<double>(g.m * g.n * g.k) < 2e6;
  const int threads = omp_get_max_threads();
  if (small) omp_set_num_threads(1);
  const dnnl_status_t status = dnnl_sgemm(g.trans_a, g.trans_b, g.m, g.n, g.k, alpha, l.data<float>(), g.lda,
                                          r.data<float>(), g.ldb, g.beta, dst, g.n);
  if (small) omp_set_num_threads(threads);
  if (status != dnnl_success) throw Error("internal: oneDNN sgemm failed with status " + std::to_string(status));
}

// operands[k]: the array bound to plan.bindings[k]. `into`: the array an in-place plan adds to
// and overwrites (the caller holds its only reference), else the result is a new array.
Array run_matmul(const Plan& plan, const Array& l, const Array& r, const Aval& out,
                 std::span<const Array* const> operands = {}, const Array* into = nullptr) {
  const auto& mp = static_cast<const MatmulPlan&>(plan);
  Array result = into ? *into : Array::empty(DType::f32, out.shape);
  ++cpu_backend().counters().matmul;
  if (mp.gemm) {
    run_gemm(*mp.gemm, l, r, operands, into != nullptr, result);
    return result;
  }
  dnnl::engine& eng = onednn_engine();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(mp.src, eng, const_cast<void*>(l.raw()))},
                                       {DNNL_ARG_WEIGHTS, memory(mp.weights, eng, const_cast<void*>(r.raw()))},
                                       {DNNL_ARG_DST, memory(mp.dst, eng, result.in_place_raw())}};
  add_post_op_args(mp.bindings, operands, args);
  execute(mp.prim, std::move(args));
  return result;
}

}  // namespace

std::optional<Array> dot_general(std::span<const Array> in, const Params& params, const Aval& out) {
  auto plan = matmul_plan({in[0].shape(), in[0].dtype()}, {in[1].shape(), in[1].dtype()}, params, out);
  if (!plan) return std::nullopt;
  return run_matmul(*plan, in[0], in[1], out);
}

namespace {

// The plans are looked up once, at compile time; so are the epilogue's constants. An epilogue
// ending in "+ x" also gets an in-place plan, run when the kernel holds x's only reference.
class MatmulKernel final : public PreparedKernel {
 public:
  MatmulKernel(std::shared_ptr<const Plan> plan, std::shared_ptr<const Plan> in_place, const Aval& out,
               std::span<const EpilogueOp> tail)
      : plan_(std::move(plan)), in_place_(std::move(in_place)), out_(out), operands_(tail) {}
  std::vector<Array> run(std::span<const Array> in) const override {
    const Array* into = nullptr;
    if (in_place_) {
      const Array& x = in[static_cast<size_t>(operands_.input.back())];
      if (x.buffer().use_count() == 1) into = &x;
    }
    const auto& plan = static_cast<const MatmulPlan&>(into ? *in_place_ : *plan_);
    return {run_matmul(plan, in[0], in[1], out_, operands_.of(plan.bindings, in), into)};
  }

 private:
  std::shared_ptr<const Plan> plan_, in_place_;  // in_place_ may be null
  Aval out_;
  PostOpOperands operands_;
};

}  // namespace

std::unique_ptr<PreparedKernel> prepare_dot_general(std::span<const Aval> in, const Params& params,
                                                    const Aval& out, std::span<const EpilogueOp> tail) {
  auto plan = matmul_plan(in[0], in[1], params, out, tail);
  if (!plan) return nullptr;
  auto in_place = tail.empty() ? nullptr : matmul_plan(in[0], in[1], params, out, tail, /*in_place=*/true);
  return std::make_unique<MatmulKernel>(std::move(plan), std::move(in_place), out, tail);
}

}  // namespace engine::cpu
