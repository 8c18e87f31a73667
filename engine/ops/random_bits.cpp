// The random family: threefry2x32, the one primitive under every jax.random sampler.
//
// threefry2x32(k0, k1, x0, x1) -> (y0, y1), elementwise over u32 operands: each (k0, k1, x0, x1)
// is hashed by the 20-round Threefry-2x32 block function. As in JAX (batching.defbroadcasting),
// operands share one shape except rank-0 ones, which broadcast: the keys are usually scalars.
#include <string>

#include "engine/ops/families.h"
#include "engine/ops/rule_helpers.h"
#include "engine/random/threefry.h"

namespace engine {

namespace {

Avals threefry2x32_shape(std::span<const Aval> in, const Params&) {
  GS_CHECK(in.size() == 4, "threefry2x32 takes 4 operands (k0, k1, x0, x1), got " +
                               std::to_string(in.size()));
  const Shape* shape = nullptr;
  for (size_t i = 0; i < in.size(); ++i) {
    GS_CHECK(in[i].dtype == DType::u32,
             "threefry2x32 operand " + std::to_string(i) + " must be u32, got " + in[i].str());
    if (in[i].rank() == 0) continue;
    if (!shape) {
      shape = &in[i].shape;
    } else {
      GS_CHECK(in[i].shape == *shape, "threefry2x32 operands must have one shape (or be scalars), got " +
                                          in[0].str() + ", " + in[1].str() + ", " + in[2].str() +
                                          ", " + in[3].str());
    }
  }
  Aval out{shape ? *shape : Shape{}, DType::u32};
  return {out, out};
}

std::vector<Array> threefry2x32_impl(std::span<const Array> in, const Params&,
                                     std::span<const Aval> out_avals) {
  Array y0 = Array::empty(DType::u32, out_avals[0].shape);
  Array y1 = Array::empty(DType::u32, out_avals[1].shape);
  const uint32_t* p[4];
  int64_t step[4];
  for (int i = 0; i < 4; ++i) {
    p[i] = in[i].data<uint32_t>();
    step[i] = in[i].rank() == 0 ? 0 : 1;  // a scalar operand is read at index 0 throughout
  }
  uint32_t* o0 = y0.mutable_data<uint32_t>();
  uint32_t* o1 = y1.mutable_data<uint32_t>();
  for (int64_t i = 0, n = y0.size(); i < n; ++i) {
    random::U32x2 r = random::threefry2x32(p[0][i * step[0]], p[1][i * step[1]],
                                           p[2][i * step[2]], p[3][i * step[3]]);
    o0[i] = r.x0;
    o1[i] = r.x1;
  }
  return {y0, y1};
}

const PrimitiveRules kRandomRules[] = {
    {.id = PrimId::threefry2x32,
     .name = "threefry2x32",
     .shape = threefry2x32_shape,
     .impl = threefry2x32_impl,
     .jvp = nullptr,
     .transpose = nullptr,
     .batch = elementwise_batch_rule<PrimId::threefry2x32>,
     .missing_reason = "integer-valued; no derivative (jvp, transpose)"},
};

}  // namespace

std::span<const PrimitiveRules> random_rules() { return kRandomRules; }

}  // namespace engine
