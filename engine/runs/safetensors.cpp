#include "engine/runs/safetensors.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "engine/core/error.h"

namespace engine::runs {

// The format is little-endian; our buffers are copied as is.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace {

struct DTypeName {
  DType dtype;
  const char* name;
};
constexpr DTypeName kDTypes[] = {{DType::f32, "F32"}, {DType::f64, "F64"}, {DType::i32, "I32"},
                                 {DType::u32, "U32"}, {DType::boolean, "BOOL"}};

const char* st_name(DType d) {
  for (const auto& e : kDTypes)
    if (e.dtype == d) return e.name;
  throw Error("safetensors: no name for dtype " + std::string(dtype_name(d)));
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw Error("safetensors file " + quoted(source) + ": " + what);
}

void put_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t get_u64_le(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& name, const nlohmann::json& j, uint64_t buffer_size,
                  const std::string& source) {
  const std::string where = "tensor " + quoted(name);
  if (!j.is_object()) fail(source, where + " is not a JSON object");
  if (!j.contains("dtype") || !j["dtype"].is_string()) fail(source, where + " has no string 'dtype'");
  Entry e{name, DType::f32, {}, 0, 0};
  const std::string dt = j["dtype"].get<std::string>();
  const auto* known = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                                   [&](const DTypeName& d) { return dt == d.name; });
  if (known == std::end(kDTypes))
    fail(source, where + " has dtype '" + dt + "', which is not supported (F32, F64, I32, U32, BOOL)");
  e.dtype = known->dtype;
  if (!j.contains("shape") || !j["shape"].is_array()) fail(source, where + " has no 'shape' array");
  uint64_t count = 1;
  for (const auto& d : j["shape"]) {
    if (!d.is_number_unsigned()) fail(source, where + " has a shape entry that is not a non-negative integer");
    const uint64_t n = d.get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (n != 0 && count > std::numeric_limits<uint64_t>::max() / n))
      fail(source, where + " has a shape too large to address");
    count *= n;
    e.shape.push_back(static_cast<int64_t>(n));
  }
  const auto& off = j.contains("data_offsets") ? j["data_offsets"] : nlohmann::json();
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    fail(source, where + " needs 'data_offsets': [begin, end] with non-negative integers");
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  if (e.begin > e.end) fail(source, where + " has data_offsets begin " + std::to_string(e.begin) + " > end " + std::to_string(e.end));
  if (e.end > buffer_size)
    fail(source, where + " ends at byte " + std::to_string(e.end) + " of a data buffer of " +
                     std::to_string(buffer_size) + " bytes (file truncated?)");
  const uint64_t elem = dtype_size(e.dtype);
  if (count > std::numeric_limits<uint64_t>::max() / elem || count * elem != e.end - e.begin)
    fail(source, where + " is " + dt + "[" + shape_str(e.shape) + "] but its data_offsets span " +
                     std::to_string(e.end - e.begin) + " bytes");
  return e;
}

Array read_array(const Entry& e, const char* data, const std::string& source) {
  Array a = Array::empty(e.dtype, e.shape);
  const size_t n = static_cast<size_t>(e.end - e.begin);
  if (n == 0) return a;
  const char* src = data + e.begin;
  if (e.dtype == DType::boolean) {
    // Any byte but 0 or 1 is not a valid bool (and undefined behaviour as a C++ bool).
    for (size_t i = 0; i < n; ++i)
      if (src[i] != 0 && src[i] != 1)
        fail(source, "BOOL tensor " + quoted(e.name) + " holds byte " +
                         std::to_string(static_cast<unsigned char>(src[i])) + " at element " + std::to_string(i));
  }
  std::memcpy(a.mutable_raw(), src, n);
  return a;
}

}  // namespace

std::string safetensors_bytes(const TensorList& tensors, const Metadata& metadata) {
  std::vector<const std::pair<std::string, Array>*> sorted;
  std::set<std::string> seen;
  for (const auto& t : tensors) {
    GS_CHECK(!t.first.empty(), "save_safetensors: a tensor has an empty name");
    GS_CHECK(t.first != "__metadata__", "save_safetensors: '__metadata__' is reserved, not a tensor name");
    GS_CHECK(seen.insert(t.first).second, "save_safetensors: tensor name " + quoted(t.first) + " is used twice");
    GS_CHECK(t.second.valid(), "save_safetensors: tensor " + quoted(t.first) + " is a null array");
    sorted.push_back(&t);
  }
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  // ordered_json keeps insertion order: __metadata__ first, then tensors by name, and within an
  // entry dtype, shape, data_offsets (the field order of the reference Rust writer).
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto* t : sorted) {
    const Array& a = t->second;
    nlohmann::ordered_json entry;
    entry["dtype"] = st_name(a.dtype());
    entry["shape"] = a.shape();
    entry["data_offsets"] = {offset, offset + a.nbytes()};
    header[t->first] = std::move(entry);
    offset += a.nbytes();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("save_safetensors: a tensor name or metadata string is not valid UTF-8 (") + e.what() + ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data buffer then starts 8-byte aligned
  std::string out;
  out.reserve(8 + text.size() + offset);
  put_u64_le(out, text.size());
  out += text;
  for (const auto* t : sorted)
    out.append(static_cast<const char*>(t->second.raw()), t->second.nbytes());
  return out;
}

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 8)
    fail(source, "only " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  const uint64_t n = get_u64_le(bytes.data());
  if (n > kMaxSafetensorsHeader)
    fail(source, "header length " + std::to_string(n) + " exceeds the 100 MB limit (corrupt or not safetensors)");
  if (n > bytes.size() - 8)
    fail(source, "header length " + std::to_string(n) + " runs past the end of the file (" +
                     std::to_string(bytes.size()) + " bytes)");
  const nlohmann::json header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n),
                                                      nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) fail(source, "the header is not valid JSON");
  if (!header.is_object()) fail(source, "the header is not a JSON object");
  const uint64_t buffer_size = bytes.size() - 8 - n;
  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) fail(source, "__metadata__ is not a JSON object");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) fail(source, "__metadata__ entry " + quoted(k) + " is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(key, value, buffer_size, source));
  }
  // The data must be covered exactly once: no overlap, no gap, nothing after the last tensor.
  std::vector<const Entry*> by_offset;
  for (const Entry& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return std::tie(a->begin, a->end) < std::tie(b->begin, b->end); });
  uint64_t covered = 0;
  for (size_t i = 0; i < by_offset.size(); ++i) {
    const Entry& e = *by_offset[i];
    if (e.begin < covered)
      fail(source, "tensor " + quoted(e.name) + " overlaps tensor " + quoted(by_offset[i - 1]->name));
    if (e.begin > covered)
      fail(source, "bytes " + std::to_string(covered) + ".." + std::to_string(e.begin) +
                       " before tensor " + quoted(e.name) + " belong to no tensor");
    covered = e.end;
  }
  if (covered != buffer_size)
    fail(source, "the data buffer has " + std::to_string(buffer_size) + " bytes but the tensors cover " +
                     std::to_string(covered));
  const char* data = bytes.data() + 8 + n;
  for (const Entry& e : entries) out.tensors.emplace_back(e.name, read_array(e, data, source));
  return out;  // entries came from a sorted JSON object, so tensors are in name order
}

void save_safetensors(const std::string& path, const TensorList& tensors, const Metadata& metadata) {
  const std::string bytes = safetensors_bytes(tensors, metadata);
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error("save_safetensors: cannot create '" + tmp + "': " + std::strerror(errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 &&
            fsync(fileno(f)) == 0;
  const int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    throw Error("save_safetensors: cannot write '" + tmp + "': " + std::strerror(err));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error("save_safetensors: cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  }
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("safetensors file " + quoted(path) + ": cannot open: " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const auto size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  // Check the header length before reading a possibly huge file into memory.
  char len[8];
  if (size >= 8 && in.read(len, 8) && get_u64_le(len) > kMaxSafetensorsHeader)
    fail(path, "header length " + std::to_string(get_u64_le(len)) + " exceeds the 100 MB limit (corrupt or not safetensors)");
  std::string bytes(size, '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) fail(path, "read error");
  return parse_safetensors(bytes, path);
}

}  // namespace engine::runs
