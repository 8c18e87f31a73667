#include "engine/backend/cpu/post_ops.h"

#include <unordered_map>

#include "engine/backend/cpu/onednn_cache.h"

namespace engine::cpu {

using dnnl::memory;

bool append_post_ops(std::span<const EpilogueOp> tail, const PostOpTarget& target, bool in_place,
                     dnnl::post_ops& ops, std::vector<PostOpBinding>& bindings, std::string& key) {
  const memory::dims dst = target.stored.dims();
  int64_t total = 1;
  for (int64_t d : dst) total *= d;
  if (in_place) {
    if (tail.empty()) return false;
    const EpilogueOp& last = tail.back();
    const bool adds = last.prim == PrimId::add || (last.prim == PrimId::sub && !last.value_first);
    if (!adds || last.input < 0 || last.operand.dtype != DType::f32 || shape_size(last.operand.shape) != total)
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
    const int64_t size = op.input >= 0 ? shape_size(op.operand.shape) : 1;
    if (op.input >= 0 && op.operand.dtype != DType::f32) return false;
    memory::desc desc;
    if (size == total && size > 1) {
      desc = target.stored;
    } else {
      memory::dims dims(dst.size(), 1);
      if (size > 1) {
        if (target.row_dim < 0 || dst[target.row_dim] != size) return false;
        dims[target.row_dim] = size;
      }
      desc = f32_desc(dims, row_major_strides(Shape(dims.begin(), dims.end())));
    }
    key += key_of(desc.dims());
    ops.append_binary(alg, desc);
    bindings.push_back({ops.len() - 1, static_cast<int>(t), desc});
  }
  return true;
}

void add_post_op_args(std::span<const PostOpBinding> bindings, std::span<const Array* const> operands,
                      std::unordered_map<int, memory>& args) {
  for (size_t k = 0; k < bindings.size(); ++k)
    args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(bindings[k].post_op) | DNNL_ARG_SRC_1,
                 memory(bindings[k].desc, onednn_engine(), const_cast<void*>(operands[k]->raw())));
}

PostOpOperands::PostOpOperands(std::span<const EpilogueOp> tail) {
  for (const EpilogueOp& op : tail) {
    input.push_back(op.input);
    constants.push_back(op.input >= 0 ? Array() : Array::scalar(op.constant));
  }
}

std::vector<const Array*> PostOpOperands::of(std::span<const PostOpBinding> bindings,
                                             std::span<const Array> inputs) const {
  std::vector<const Array*> out;
  for (const PostOpBinding& b : bindings) {
    const auto t = static_cast<size_t>(b.tail_op);
    out.push_back(input[t] >= 0 ? &inputs[static_cast<size_t>(input[t])] : &constants[t]);
  }
  return out;
}

}  // namespace engine::cpu
