#include "engine/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

namespace engine::data {

namespace {

size_t type_size(IdxArray::Type t) {
  switch (t) {
    case IdxArray::Type::u8:
    case IdxArray::Type::i8: return 1;
    case IdxArray::Type::i16: return 2;
    case IdxArray::Type::i32:
    case IdxArray::Type::f32: return 4;
    case IdxArray::Type::f64: return 8;
  }
  return 0;
}

bool known_type(uint8_t code) {
  return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E;
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

bool is_gzip(const std::vector<uint8_t>& head) { return head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b; }

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GS_CHECK(in, "cannot open '" + path + "': " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Inflates a gzip stream, stopping once more than `limit` bytes come out (the header then
// claims less than the file holds, which parse_idx reports as trailing data).
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::string& what, uint64_t limit) {
  z_stream zs{};
  GS_CHECK(inflateInit2(&zs, 15 + 32) == Z_OK, "zlib could not start for " + what);
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  std::vector<uint8_t> out;
  uint8_t chunk[1 << 16];
  for (;;) {
    zs.next_out = chunk;
    zs.avail_out = sizeof chunk;
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.insert(out.end(), chunk, chunk + (sizeof chunk - zs.avail_out));
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw Error(what + " is not a valid gzip file (" + (zs.msg ? zs.msg : "corrupt data") + ")");
    if (rc == Z_BUF_ERROR && zs.avail_in == 0)
      throw Error(what + " is truncated: the gzip stream ends early");
    if (out.size() > limit + 16 + 4 * 255) break;
  }
  return out;
}

}  // namespace

IdxArray parse_idx(const std::vector<uint8_t>& c, const std::string& what, uint64_t max_bytes) {
  GS_CHECK(c.size() >= 4, what + " is too short to be an IDX file (" + std::to_string(c.size()) + " bytes)");
  GS_CHECK(c[0] == 0 && c[1] == 0, what + " is not an IDX file (bad magic number)");
  GS_CHECK(known_type(c[2]), what + ": unknown IDX element type code 0x" +
                                 [&] { char b[8]; std::snprintf(b, sizeof b, "%02x", c[2]); return std::string(b); }());
  int rank = c[3];
  GS_CHECK(rank >= 1 && rank <= 8, what + ": IDX rank " + std::to_string(rank) + " is not supported (1 to 8)");
  size_t header = 4 + 4 * static_cast<size_t>(rank);
  GS_CHECK(c.size() >= header, what + " is truncated inside its header");
  IdxArray a;
  a.type = static_cast<IdxArray::Type>(c[2]);
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    uint32_t d = read_be32(&c[4 + 4 * i]);
    a.shape.push_back(d);
    if (d != 0 && count > max_bytes / d) count = max_bytes + 1;  // saturate: refused below
    else count *= d;
  }
  uint64_t need = count * type_size(a.type);
  GS_CHECK(count <= max_bytes && need <= max_bytes,
           what + ": header claims shape (" + shape_str(a.shape) + "), more than the " +
               std::to_string(max_bytes) + "-byte limit");
  uint64_t have = c.size() - header;
  GS_CHECK(have >= need, what + " is truncated: header says shape (" + shape_str(a.shape) + ") = " +
                             std::to_string(need) + " bytes of data but only " + std::to_string(have) +
                             " follow");
  GS_CHECK(have == need, what + " has " + std::to_string(have - need) +
                             " bytes of trailing data after shape (" + shape_str(a.shape) + ")");
  a.bytes.assign(c.begin() + header, c.end());
  // Big-endian to host order, element by element.
  size_t w = type_size(a.type);
  if (w > 1)
    for (size_t i = 0; i < a.bytes.size(); i += w) std::reverse(a.bytes.begin() + i, a.bytes.begin() + i + w);
  return a;
}

IdxArray decode_idx(const std::vector<uint8_t>& content, const std::string& what, uint64_t max_bytes) {
  if (is_gzip(content)) return parse_idx(gunzip(content, what, max_bytes), what, max_bytes);
  return parse_idx(content, what, max_bytes);
}

IdxArray read_idx(const std::string& path, uint64_t max_bytes) {
  return decode_idx(read_file(path), "'" + path + "'", max_bytes);
}

void write_idx(const std::string& path, const IdxArray& a, bool gzip) {
  std::vector<uint8_t> out{0, 0, static_cast<uint8_t>(a.type), static_cast<uint8_t>(a.shape.size())};
  for (int64_t d : a.shape)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(d) >> s));
  size_t w = type_size(a.type);
  for (size_t i = 0; i < a.bytes.size(); i += w)
    for (size_t k = 0; k < w; ++k) out.push_back(a.bytes[i + w - 1 - k]);
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    GS_CHECK(f, "cannot write '" + path + "'");
    int ok = gzwrite(f, out.data(), static_cast<unsigned>(out.size()));
    gzclose(f);
    GS_CHECK(ok == static_cast<int>(out.size()), "writing '" + path + "' failed");
  } else {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    GS_CHECK(f.good(), "writing '" + path + "' failed");
  }
}

template <class Fn>
static void for_each_value(const IdxArray& a, Fn fn) {
  size_t n = a.bytes.size() / type_size(a.type);
  const uint8_t* p = a.bytes.data();
  for (size_t i = 0; i < n; ++i) {
    double v = 0;
    switch (a.type) {
      case IdxArray::Type::u8: v = p[i]; break;
      case IdxArray::Type::i8: v = static_cast<int8_t>(p[i]); break;
      case IdxArray::Type::i16: { int16_t x; std::memcpy(&x, p + 2 * i, 2); v = x; break; }
      case IdxArray::Type::i32: { int32_t x; std::memcpy(&x, p + 4 * i, 4); v = x; break; }
      case IdxArray::Type::f32: { float x; std::memcpy(&x, p + 4 * i, 4); v = x; break; }
      case IdxArray::Type::f64: { double x; std::memcpy(&x, p + 8 * i, 8); v = x; break; }
    }
    fn(i, v);
  }
}

Array idx_to_f32(const IdxArray& a, float scale) {
  Array out = Array::empty(DType::f32, a.shape);
  float* dst = out.mutable_data<float>();
  for_each_value(a, [&](size_t i, double v) { dst[i] = static_cast<float>(v) * scale; });
  return out;
}

Array idx_to_i32(const IdxArray& a) {
  Array out = Array::empty(DType::i32, a.shape);
  int32_t* dst = out.mutable_data<int32_t>();
  for_each_value(a, [&](size_t i, double v) {
    // Converting a NaN or an out-of-range double to int32 is undefined behaviour: refuse it.
    GS_CHECK(v == std::floor(v) && v >= -2147483648.0 && v <= 2147483647.0,
             "IDX element " + std::to_string(i) + " is " + std::to_string(v) + ", not an integer in int32's range");
    dst[i] = static_cast<int32_t>(v);
  });
  return out;
}

}  // namespace engine::data
