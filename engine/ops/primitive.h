// Primitives: the operations a jaxpr is made of, and the table of rules each one carries.
//
// A primitive is only an id; its meaning lives in one PrimitiveRules value, defined in the file of
// its family under engine/ops/ (elementwise_unary.cpp, reduction.cpp, ...; families.h lists them),
// next to the public function that binds it. registry.cpp builds the table from the families and
// refuses a primitive registered twice; tests/unit/ops_rules_test checks that no rule is missing
// without a reason.
// Names match JAX so that printed jaxprs read the same.
#pragma once
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/ir/params.h"

namespace engine {

#define GS_PRIMITIVES(X)                                                                          \
  /* elementwise unary */                                                                         \
  X(neg) X(sign) X(floor) X(ceil) X(round) X(abs) X(exp) X(log) X(log1p) X(expm1) X(sin) X(cos)   \
  X(tan) X(tanh) X(logistic) X(sqrt) X(rsqrt) X(erf) X(erf_inv) X(integer_pow) X(not_)           \
  X(is_finite) X(stop_gradient) X(convert_element_type)                                           \
  /* elementwise binary */                                                                        \
  X(add) X(sub) X(mul) X(div) X(rem) X(pow) X(max) X(min) X(atan2) X(and_) X(or_) X(xor_)        \
  X(shift_left) X(shift_right_logical) X(eq) X(ne) X(lt) X(le) X(gt) X(ge) X(select_n)            \
  /* creation */                                                                                  \
  X(iota)                                                                                         \
  /* reductions */                                                                                \
  X(reduce_sum) X(reduce_max) X(reduce_min) X(reduce_prod) X(argmax) X(argmin)                    \
  /* shape */                                                                                     \
  X(reshape) X(broadcast_in_dim) X(transpose) X(squeeze) X(slice) X(pad) X(concatenate) X(rev)    \
  /* linear algebra, convolution, pooling */                                                      \
  X(dot_general) X(conv_general_dilated) X(reduce_window_sum) X(reduce_window_max)               \
  X(select_and_scatter_add) X(select_and_gather_add)                                              \
  /* random */                                                                                    \
  X(threefry2x32)

enum class PrimId : uint16_t {
#define GS_ENUM(name) name,
  GS_PRIMITIVES(GS_ENUM)
#undef GS_ENUM
};
#define GS_COUNT(name) +1
inline constexpr int kNumPrimitives = 0 GS_PRIMITIVES(GS_COUNT);
#undef GS_COUNT

using Avals = std::vector<Aval>;
using Tensors = std::vector<Tensor>;

// Shape/dtype rule: output avals from input avals; throws engine::Error naming the shapes at fault.
using ShapeRule = Avals (*)(std::span<const Aval> in, const Params& params);
// Reference kernel: plain loops on concrete arrays; the ground truth every backend is tested against.
using ImplRule = std::vector<Array> (*)(std::span<const Array> in, const Params& params,
                                        std::span<const Aval> out_avals);
// Forward mode: (primal outputs, tangent outputs) from primals and tangents. An undefined
// tangent is a symbolic zero, both in and out. Written with ops, so it works under any trace.
using JvpRule = std::pair<Tensors, Tensors> (*)(std::span<const Tensor> primals,
                                                std::span<const Tensor> tangents, const Params& params);
// For a linear primitive: cotangents of its inputs from cotangents of its outputs. `linear[i]`
// says which inputs are the linear (unknown) ones; the others are given in `args`. Returns one
// entry per input, undefined for non-linear inputs or symbolic zeros.
using TransposeRule = Tensors (*)(std::span<const Tensor> cts, std::span<const Tensor> args,
                                  std::span<const Aval> in_avals, const std::vector<bool>& linear,
                                  const Params& params);
// The f32 loop of an elementwise primitive over n elements (a tile of a fused loop, or a slice of
// whole arrays): out[i] from in[k][i]. Values are float; booleans are 0 and 1 (a fused loop's
// registers hold them so). Built from the same scalar function as the reference kernel
// (ops/tile_kernel.h), so the compiler's fused loops and the cpu backend compute its bits.
using TileRule = void (*)(const float* const* in, float* out, int64_t n, const Params& params);
// Batching: outputs and their batch axes from inputs and theirs (kNotMapped for unbatched ones).
inline constexpr int kNotMapped = -1;
using BatchRule = std::pair<Tensors, std::vector<int>> (*)(std::span<const Tensor> args,
                                                           std::span<const int> dims,
                                                           const Params& params);

struct PrimitiveRules {
  PrimId id;
  std::string_view name;
  ShapeRule shape = nullptr;
  ImplRule impl = nullptr;
  JvpRule jvp = nullptr;
  TransposeRule transpose = nullptr;  // nullptr for primitives that are not linear in any input
  BatchRule batch = nullptr;
  // nullptr for primitives that no fused or cpu loop runs (integer-only ones, non-elementwise ones).
  TileRule tile = nullptr;
  // Why a rule is deliberately absent (e.g. "integer-valued; no derivative"), for the rules test.
  std::string_view missing_reason = {};
};

const PrimitiveRules& rules(PrimId id);
std::string_view prim_name(PrimId id);

// Applies a primitive: appends an equation to the innermost active trace, or runs the kernel of
// the eager backend when no trace is active. The single entry point every op goes through.
Tensors bind(PrimId id, std::span<const Tensor> inputs, const Params& params = {});
inline Tensor bind1(PrimId id, std::initializer_list<Tensor> inputs, const Params& params = {}) {
  return bind(id, std::span<const Tensor>(inputs.begin(), inputs.size()), params)[0];
}

}  // namespace engine
