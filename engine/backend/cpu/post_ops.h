// Internal to backend/cpu: an elementwise tail (Backend::prepare_with_epilogue) as oneDNN
// post-ops of the matmul or convolution producing its input, and the operands they read.
#pragma once
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "engine/backend/backend.h"

namespace engine::cpu {

// Binary post-op number `post_op` reads the operand of tail op `tail_op`, described by `desc`.
struct PostOpBinding {
  int post_op, tail_op;
  dnnl::memory::desc desc;
};

// The result a tail applies to: its logical dims and its storage (`stored`: the descriptor of
// the user's array, which an operand of the result's shape shares), and which logical dim a row
// operand (repeated along the stored last axis: a bias, a BatchNorm statistic) spans, or -1.
struct PostOpTarget {
  dnnl::memory::desc stored;
  int row_dim = -1;
};

// Appends `tail` to `ops`, or returns false when one step has no post-op. x - v becomes -v + x,
// exactly the same float. With `in_place`, the last step must add the value to an array of the
// result's shape (v + x, x + v, x - v), and becomes a sum post-op: the kernel then writes into
// that array's buffer, which oneDNN reads as the old dst. `key` gets what tells plans apart.
bool append_post_ops(std::span<const EpilogueOp> tail, const PostOpTarget& target, bool in_place,
                     dnnl::post_ops& ops, std::vector<PostOpBinding>& bindings, std::string& key);

// The arguments binding the operands: operands[k] is the array of bindings[k].
void add_post_op_args(std::span<const PostOpBinding> bindings, std::span<const Array* const> operands,
                      std::unordered_map<int, dnnl::memory>& args);

// Per tail op, the kernel input it reads (or -1) and, for constants, a scalar array: what a
// prepared kernel keeps to hand its post-ops their operands at run time.
struct PostOpOperands {
  explicit PostOpOperands(std::span<const EpilogueOp> tail);
  // The operands of `bindings`, from the kernel's inputs.
  std::vector<const Array*> of(std::span<const PostOpBinding> bindings, std::span<const Array> inputs) const;
  std::vector<int> input;
  std::vector<Array> constants;
};

}  // namespace engine::cpu
