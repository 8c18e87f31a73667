// Internal to backend/cpu: the fast kernels. Each returns std::nullopt when its case has no fast
// kernel (another dtype, layout or parameter), and the backend then runs the reference kernel.
#pragma once
#include <optional>
#include <span>

#include "engine/backend/backend.h"
#include "engine/core/array.h"
#include "engine/ir/params.h"
#include "engine/ops/primitive.h"

namespace engine::cpu {

// dot_general as one oneDNN (batched) matmul over strided views of the operands.
std::optional<Array> dot_general(std::span<const Array> in, const Params& params, const Aval& out);
// ... with the oneDNN primitive chosen now, for a compiled step, and `tail` applied to its result
// as post-ops (Backend::prepare_with_epilogue); nullptr when it has no kernel.
std::unique_ptr<PreparedKernel> prepare_dot_general(std::span<const Aval> in, const Params& params,
                                                    const Aval& out, std::span<const EpilogueOp> tail = {});
// conv_general_dilated as oneDNN convolution forward, or as backward-weights (see conv.cpp).
std::optional<Array> conv(std::span<const Array> in, const Params& params, const Aval& out);
// ... prepared for a compiled step, reading input i as transpose(input i, in_perms[i]) (empty:
// as is) and returning transpose(conv result `out`, out_perm); nullptr when it has no kernel.
std::unique_ptr<PreparedKernel> prepare_conv(std::span<const Aval> in, std::span<const IntList> in_perms,
                                             const Params& params, const Aval& out, const IntList& out_perm);
// ... as one forward convolution followed by `tail` as post-ops (Backend::prepare_with_epilogue);
// nullptr when the conv is not a forward one or a step has no post-op.
std::unique_ptr<PreparedKernel> prepare_conv_with_epilogue(std::span<const Aval> in, const Params& params,
                                                           const Aval& out, std::span<const EpilogueOp> tail);
// reduce_window_sum / reduce_window_max over (N, spatial..., C) as oneDNN pooling.
std::optional<Array> pooling(PrimId prim, const Array& x, const Params& params, const Aval& out);
// broadcast_in_dim of any dtype as row copies and fills.
std::optional<Array> broadcast_in_dim(const Array& x, const Params& params, const Aval& out);
// transpose of an f32 array as one oneDNN reorder.
std::optional<Array> transpose(const Array& x, const Params& params, const Aval& out);
// Elementwise primitives with a tile kernel, on f32 and bool arrays of one shape (or rank-0
// scalars), and f32 reduce_sum over leading or trailing axes; nullopt for anything else.
std::optional<Array> elementwise(PrimId prim, std::span<const Array> in, const Params& params,
                                 const Aval& out);

}  // namespace engine::cpu
