// dot_general → oneDNN matmul. The operands are described, not copied: lhs as [B, M, K] and rhs
// as [B, K, N] with strides read off their row-major layouts, which works whenever each group of
// axes (batch, free, contracting), taken in dot_general's order, is one stride-compatible block
// of memory. A logical transpose (x^T @ y, x @ y^T, as reverse mode emits) is then only a change
// of strides, which oneDNN's gemm handles natively. The output [B, M, N] is dot_general's own
// row-major layout (batch, lhs free, rhs free).
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

// [B, X, Y] of an operand; size-1 dims get the outermost stride so the view stays plain.
std::optional<memory::desc> view(const Shape& shape, const IntList& g0, const IntList& g1,
                                 const IntList& g2, std::string& key) {
  auto st = row_major_strides(shape);
  auto d0 = merge(shape, st, g0), d1 = merge(shape, st, g1), d2 = merge(shape, st, g2);
  if (!d0 || !d1 || !d2) return std::nullopt;
  const int64_t total = std::max<int64_t>(shape_size(shape), 1);
  memory::dims dims{d0->size, d1->size, d2->size}, strides{d0->stride, d1->stride, d2->stride};
  for (int i = 0; i < 3; ++i)
    if (dims[i] == 1) strides[i] = total;
  key += key_of(dims) + key_of(strides);
  return f32_desc(dims, strides);
}

struct MatmulPlan : Plan {
  memory::desc src, weights, dst;
  dnnl::matmul prim;
  std::vector<PostOpBinding> bindings;  // the epilogue's operands
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
  const memory::dims dst_dims{src->dims()[0], src->dims()[1], wei->dims()[2]};
  const memory::desc dst(dst_dims, memory::data_type::f32, memory::format_tag::abc);
  dnnl::post_ops ops;
  std::vector<PostOpBinding> bindings;
  // A row repeats along the result's last axis, which is N when that axis is all of N.
  const bool rows_are_n = !out.shape.empty() && out.shape.back() == dst_dims[2];
  if (!append_post_ops(tail, {dst, rows_are_n ? 2 : -1}, in_place, ops, bindings, key)) return nullptr;
  return cached_plan(key, [&]() -> std::shared_ptr<Plan> {
    auto p = std::make_shared<MatmulPlan>();
    p->src = *src;
    p->weights = *wei;
    p->dst = dst;
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

// operands[k]: the array bound to plan.bindings[k]. `into`: the array an in-place plan adds to
// and overwrites (the caller holds its only reference), else the result is a new array.
Array run_matmul(const Plan& plan, const Array& l, const Array& r, const Aval& out,
                 std::span<const Array* const> operands = {}, const Array* into = nullptr) {
  const auto& mp = static_cast<const MatmulPlan&>(plan);
  Array result = into ? *into : Array::empty(DType::f32, out.shape);
  dnnl::engine& eng = onednn_engine();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(mp.src, eng, const_cast<void*>(l.raw()))},
                                       {DNNL_ARG_WEIGHTS, memory(mp.weights, eng, const_cast<void*>(r.raw()))},
                                       {DNNL_ARG_DST, memory(mp.dst, eng, result.in_place_raw())}};
  add_post_op_args(mp.bindings, operands, args);
  execute(mp.prim, std::move(args));
  ++cpu_backend().counters().matmul;
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
