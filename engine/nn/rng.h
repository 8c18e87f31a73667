// Flax's per-module PRNG keys (flax/core/scope.py: LazyRng, _fold_in_static; explained in Flax's
// "Randomness and PRNGs in Flax" guide).
//
// make_rng(stream) in the scope at `path` for the count-th time returns
//   fold_in(stream_key, hash(path..., count))
// where hash feeds each string (UTF-8) and each int (big-endian, minimal length) into one SHA-1
// and reads the digest's first 4 bytes as a big-endian uint32. This is the hash without
// flax_fix_rng_separator (the default), so ("ab", "c") and ("a", "bc") collide as in Flax.
//
// Read in google/flax flax/core/scope.py (commit b7cc061): Scope.push gives a child
// LazyRng.create(rng, name), which appends name to the suffix; make_rng does
// `self.rng_counters[name] += 1; return LazyRng.create(self.rngs[name], counter).as_jax_rng()`;
// as_jax_rng is _fold_in_static(rng, suffix): one hashlib.sha1 over every item (str as UTF-8,
// int as x.to_bytes((x.bit_length() + 7) // 8, 'big')), int.from_bytes(digest[:4], 'big'),
// then random.fold_in. Only with FLAX_LAZY_RNG off (flax/configurations.py: flax_lazy_rng
// defaults to True) does LazyRng.create use _legacy_rng_fold_in instead, folding each item on
// its own (a str by its own SHA-1, an int directly), as Flax did before LazyRng. The two give
// different numbers; Flax's "Flax Basics" guide has been published with both, and nn_test
// checks the engine against the current set and the legacy derivation against the old one.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/core/array.h"
#include "engine/core/tensor.h"

namespace engine::nn {

// SHA-1 (FIPS 180-4) of a byte string.
std::array<uint8_t, 20> sha1(std::string_view data);

using HashItem = std::variant<std::string, uint32_t>;
// Flax's produce_hash over (path..., count).
uint32_t flax_hash(const std::vector<HashItem>& data);
// The key of the count-th make_rng call in the scope at path (count starts at 1).
Array scope_key(const Array& stream_key, const std::vector<std::string>& path, uint32_t count);

// The same on a possibly traced key (u32[2] Tensor), built on the threefry2x32 primitive so that
// a jitted training step can take its dropout key as an argument.
Tensor fold_in(const Tensor& key, uint32_t data);
Tensor scope_key(const Tensor& stream_key, const std::vector<std::string>& path, uint32_t count);
// jax.random.bernoulli(key, p, shape) bit for bit (classic threefry, f32 uniform < p), traced.
Tensor bernoulli(const Tensor& key, double p, const Shape& shape);

}  // namespace engine::nn
