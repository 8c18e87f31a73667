// The families of primitives, one per file under engine/ops/. registry.cpp lists them.
#pragma once
#include <span>

#include "engine/ops/primitive.h"

namespace engine {

std::span<const PrimitiveRules> elementwise_unary_rules();   // ops/elementwise_unary.cpp
std::span<const PrimitiveRules> elementwise_binary_rules();  // ops/elementwise_binary.cpp
std::span<const PrimitiveRules> shape_rules();       // ops/shape.cpp: reshape, broadcast_in_dim, transpose, squeeze
std::span<const PrimitiveRules> indexing_rules();    // ops/indexing.cpp: slice, pad, concatenate, rev, iota
std::span<const PrimitiveRules> reduction_rules();   // ops/reduction.cpp
std::span<const PrimitiveRules> linalg_rules();      // ops/linalg.cpp: dot_general, conv
std::span<const PrimitiveRules> window_rules();      // ops/window.cpp: reduce_window_*, pooling
std::span<const PrimitiveRules> random_rules();      // ops/random_bits.cpp: threefry2x32

bool has_rules(PrimId id);

}  // namespace engine
