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
  // Binary post-ops: post-op number `post_op` reads the operand of tail op `tail_op`.
  struct Binding {
    int post_op, tail_op;
    memory::desc desc;
  };
  std::vector<Binding> bindings;
};

// The epilogue as oneDNN post-ops on the [B, M, N] result, or false when one step has none. A
// row operand (repeated along the result's last axis) needs that axis to be all of N. x - v
// becomes -v + x, exactly the same float. With `in_place`, the last step must add the value to
// an array of the result's shape (v + x, x + v, x - v), and becomes a sum post-op: the kernel
// then writes into that array's buffer, which oneDNN reads as the old dst.
bool append_post_ops(std::span<const EpilogueOp> tail, const memory::dims& dst, bool rows_are_n, bool in_place,
                     dnnl::post_ops& ops, std::vector<MatmulPlan::Binding>& bindings, std::string& key) {
  if (in_place) {
    if (tail.empty()) return false;
    const EpilogueOp& last = tail.back();
    const bool adds = last.prim == PrimId::add || (last.prim == PrimId::sub && !last.value_first);
    if (!adds || last.input < 0 || last.operand.dtype != DType::f32 ||
        shape_size(last.operand.shape) != dst[0] * dst[1] * dst[2])
      return false;
    // An earlier post-op reading the same array would read it while it is being overwritten.
    for (size_t t = 0; t + 1 < tail.size(); ++t)
      if (tail[t].input == last.input) return false;
    key += "|inplace";
  }
  for (size_t t = 0; t < tail.size(); ++t) {
    const EpilogueOp& op = tail[t];
    key += "|" + std::to_string(static_cast<int>(op.prim)) + (op.value_first ? "a" : "b");
    if (in_place && t + 1 == tail.size()) {
      if (op.prim == PrimId::sub) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, -1.0f, 0.0f);
      ops.append_sum(1.0f);
      continue;
    }
    if (op.prim == PrimId::neg) {
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, -1.0f, 0.0f);
      continue;
    }
    dnnl::algorithm alg;
    switch (op.prim) {
      case PrimId::add: alg = dnnl::algorithm::binary_add; break;
      case PrimId::sub: alg = dnnl::algorithm::binary_sub; break;
      case PrimId::mul: alg = dnnl::algorithm::binary_mul; break;
      case PrimId::max: alg = dnnl::algorithm::binary_max; break;
      case PrimId::min: alg = dnnl::algorithm::binary_min; break;
      default: return false;
    }
    if (op.prim == PrimId::sub && !op.value_first) {
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, -1.0f, 0.0f);
      alg = dnnl::algorithm::binary_add;
    }
    memory::dims dims{1, 1, 1};
    const int64_t size = op.input >= 0 ? shape_size(op.operand.shape) : 1;
    if (op.input >= 0 && op.operand.dtype != DType::f32) return false;
    if (size == dst[0] * dst[1] * dst[2] && size > 1) dims = dst;
    else if (size == dst[2] && size > 1 && rows_are_n) dims = {1, 1, dst[2]};
    else if (size != 1) return false;
    key += key_of(dims);
    memory::desc desc(dims, memory::data_type::f32, memory::format_tag::abc);
    ops.append_binary(alg, desc);
    bindings.push_back({ops.len() - 1, static_cast<int>(t), desc});
  }
  return true;
}

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
  dnnl::post_ops ops;
  std::vector<MatmulPlan::Binding> bindings;
  const bool rows_are_n = !out.shape.empty() && out.shape.back() == dst_dims[2];
  if (!append_post_ops(tail, dst_dims, rows_are_n, in_place, ops, bindings, key)) return nullptr;
  return cached_plan(key, [&]() -> std::shared_ptr<Plan> {
    auto p = std::make_shared<MatmulPlan>();
    p->src = *src;
    p->weights = *wei;
    p->dst = memory::desc(dst_dims, memory::data_type::f32, memory::format_tag::abc);
    p->bindings = bindings;
    try {
      dnnl::primitive_attr attr;
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
  for (size_t k = 0; k < mp.bindings.size(); ++k)
    args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(mp.bindings[k].post_op) | DNNL_ARG_SRC_1,
                 memory(mp.bindings[k].desc, eng, const_cast<void*>(operands[k]->raw())));
  dnnl::stream& s = onednn_stream();
  mp.prim.execute(s, args);
  s.wait();
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
      : plan_(std::move(plan)), in_place_(std::move(in_place)), out_(out) {
    for (const EpilogueOp& op : tail) {
      operand_input_.push_back(op.input);
      constants_.push_back(op.input >= 0 ? Array() : Array::scalar(op.constant));
    }
  }
  std::vector<Array> run(std::span<const Array> in) const override {
    const Array* into = nullptr;
    if (in_place_) {
      const Array& x = in[static_cast<size_t>(operand_input_.back())];
      if (x.buffer().use_count() == 1) into = &x;
    }
    const Plan& plan = into ? *in_place_ : *plan_;
    std::vector<const Array*> operands;
    for (const auto& b : static_cast<const MatmulPlan&>(plan).bindings) {
      const auto t = static_cast<size_t>(b.tail_op);
      operands.push_back(operand_input_[t] >= 0 ? &in[static_cast<size_t>(operand_input_[t])] : &constants_[t]);
    }
    return {run_matmul(plan, in[0], in[1], out_, operands, into)};
  }

 private:
  std::shared_ptr<const Plan> plan_, in_place_;  // in_place_ may be null
  Aval out_;
  std::vector<int> operand_input_;  // per tail op: the kernel input it reads, or -1: constants_
  std::vector<Array> constants_;
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
