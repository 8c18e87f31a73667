#include "engine/nn/rng.h"

#include <cmath>

#include "engine/numpy.h"
#include "engine/ops/primitive.h"
#include "engine/random/random.h"

namespace engine::nn {

namespace {

uint32_t rotl(uint32_t v, int r) { return (v << r) | (v >> (32 - r)); }

void sha1_block(uint32_t h[5], const uint8_t* p) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i)
    w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 | uint32_t(p[4 * i + 2]) << 8 | p[4 * i + 3];
  for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d), k = 0x5A827999u;
    } else if (i < 40) {
      f = b ^ c ^ d, k = 0x6ED9EBA1u;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
    } else {
      f = b ^ c ^ d, k = 0xCA62C1D6u;
    }
    uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d, d = c, c = rotl(b, 30), b = a, a = t;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

// A u32 scalar tensor.
Tensor u32(uint32_t v) { return Tensor(Array::from_vector(std::vector<uint32_t>{v}, Shape{})); }

Tensor key_word(const Tensor& key, int64_t i) { return reshape(slice(key, {i}, {i + 1}), {}); }

void check_traced_key(const Tensor& key, const char* what) {
  GS_CHECK(key.dtype() == DType::u32 && key.shape() == Shape{2},
           std::string(what) + ": a key must be u32[2], got " + key.aval().str());
}

}  // namespace

std::array<uint8_t, 20> sha1(std::string_view data) {
  uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  std::string msg(data);
  const uint64_t bit_len = uint64_t(data.size()) * 8;
  msg.push_back(char(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(char((bit_len >> (8 * i)) & 0xFF));
  for (size_t off = 0; off < msg.size(); off += 64)
    sha1_block(h, reinterpret_cast<const uint8_t*>(msg.data() + off));
  std::array<uint8_t, 20> out{};
  for (int i = 0; i < 20; ++i) out[i] = uint8_t(h[i / 4] >> (24 - 8 * (i % 4)));
  return out;
}

uint32_t flax_hash(const std::vector<HashItem>& data) {
  std::string bytes;
  for (const HashItem& item : data) {
    if (const auto* s = std::get_if<std::string>(&item)) {
      bytes += *s;
    } else {
      // x.to_bytes((x.bit_length() + 7) // 8, 'big'): no bytes at all for 0.
      uint32_t v = std::get<uint32_t>(item);
      std::string be;
      for (; v != 0; v >>= 8) be.insert(be.begin(), char(v & 0xFF));
      bytes += be;
    }
  }
  std::array<uint8_t, 20> d = sha1(bytes);
  return uint32_t(d[0]) << 24 | uint32_t(d[1]) << 16 | uint32_t(d[2]) << 8 | d[3];
}

namespace {
std::vector<HashItem> hash_data(const std::vector<std::string>& path, uint32_t count) {
  std::vector<HashItem> data(path.begin(), path.end());
  data.emplace_back(count);
  return data;
}
}  // namespace

Array scope_key(const Array& stream_key, const std::vector<std::string>& path, uint32_t count) {
  return random::fold_in(stream_key, flax_hash(hash_data(path, count)));
}

Tensor fold_in(const Tensor& key, uint32_t data) {
  check_traced_key(key, "fold_in");
  if (key.is_concrete()) return Tensor(random::fold_in(key.array(), data));
  // threefry_2x32(key, [0, data]): one block, whose two output words are the new key.
  std::vector<Tensor> in{key_word(key, 0), key_word(key, 1), u32(0), u32(data)};
  Tensors out = bind(PrimId::threefry2x32, in);
  return concatenate({reshape(out[0], {1}), reshape(out[1], {1})});
}

Tensor scope_key(const Tensor& stream_key, const std::vector<std::string>& path, uint32_t count) {
  return fold_in(stream_key, flax_hash(hash_data(path, count)));
}

Tensor bernoulli(const Tensor& key, double p, const Shape& shape) {
  check_traced_key(key, "bernoulli");
  if (key.is_concrete()) return Tensor(random::bernoulli(key.array(), p, shape));
  const int64_t n = shape_size(shape);
  if (n == 0) return Tensor(Array::zeros(DType::boolean, shape));
  Tensor bits;
  if (random::prng_mode() == random::PrngMode::partitionable) {
    // _threefry_random_bits_partitionable: element i hashes the counter pair (0, i) (n < 2^32
    // here) and keeps the xor of the two output words. The mode is read when this is traced.
    std::vector<Tensor> in{key_word(key, 0), key_word(key, 1), u32(0), iota(DType::u32, n)};
    Tensors y = bind(PrimId::threefry2x32, in);
    bits = bind1(PrimId::xor_, {y[0], y[1]});
  } else {
    // JAX's threefry_2x32(key, iota(n)): the counters, padded with one 0 when n is odd, are
    // hashed first half against second half, and the two output halves concatenated.
    const int64_t half = (n + 1) / 2;
    Tensor counts = iota(DType::u32, n);
    if (n % 2) counts = concatenate({counts, reshape(u32(0), {1})});
    std::vector<Tensor> in{key_word(key, 0), key_word(key, 1), slice(counts, {0}, {half}),
                           slice(counts, {half}, {2 * half})};
    Tensors y = bind(PrimId::threefry2x32, in);
    bits = slice(concatenate({y[0], y[1]}), {0}, {n});
  }
  // uniform() is m * 2^-23 exactly for the mantissa bits m = bits >> 9, and p is rounded to f32
  // first, so uniform < p  <=>  m < ceil(p_f32 * 2^23): the same mask without float bit casts.
  Tensor m = bind1(PrimId::shift_right_logical, {bits, u32(9)});
  const double threshold = std::ceil(double(float(p)) * 8388608.0);
  const double clamped = std::min(std::max(threshold, 0.0), 8388608.0);
  return reshape(less(m, u32(uint32_t(clamped))), shape);
}

}  // namespace engine::nn
