// The IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed): a 4-byte magic (two zero
// bytes, a type code, the number of dimensions), big-endian u32 extents, then big-endian data.
//
// The reader trusts nothing: the magic, the type code, the rank, the extents (their product must
// fit and match the bytes that follow) are checked before anything is allocated, and every error
// names the file and what is wrong with it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/array.h"

namespace engine::data {

struct IdxArray {
  enum class Type : uint8_t { u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E };
  Type type = Type::u8;
  Shape shape;
  std::vector<uint8_t> bytes;  // host-order element bytes (u8 data as is)
};

// Reads a .idx or .idx.gz file (gzip detected from its content, not its name). max_bytes bounds
// the payload a header may claim, so a hostile header cannot make us allocate without limit.
IdxArray read_idx(const std::string& path, uint64_t max_bytes = uint64_t{4} << 30);
// Decodes the bytes of an IDX file already in memory, gzip-compressed or not (what read_idx does
// after reading the file); `what` names them in errors.
IdxArray decode_idx(const std::vector<uint8_t>& content, const std::string& what,
                    uint64_t max_bytes = uint64_t{4} << 30);
// Parses an IDX image already in memory (uncompressed); `what` names it in errors.
IdxArray parse_idx(const std::vector<uint8_t>& content, const std::string& what,
                   uint64_t max_bytes = uint64_t{4} << 30);
// Writes an IDX file (gzip-compressed if gzip is set); for tests and fixtures.
void write_idx(const std::string& path, const IdxArray& array, bool gzip);

// The array's values as f32 (scaled by `scale`, e.g. 1/255 for pixels) or as i32 (labels; a
// value that is not an integer in i32's range, NaN included, is an error naming its index).
Array idx_to_f32(const IdxArray& a, float scale = 1.0f);
Array idx_to_i32(const IdxArray& a);

}  // namespace engine::data
