#include "engine/core/array.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>

#include "engine/core/buffer_pool.h"
#include "engine/core/memory_limit.h"

namespace engine {

namespace {

// Every block starts with a 64-byte header holding the pool it returns to (null for blocks of
// the system allocator), so that data stays 64-byte aligned and Buffer needs no extra field.
constexpr size_t kHeader = 64;
static_assert(sizeof(std::shared_ptr<BufferPool>) <= kHeader);

// aligned_alloc wants a size that is a multiple of the alignment, and never zero.
size_t block_size(size_t nbytes) { return kHeader + (std::max<size_t>(nbytes, 1) + 63) / 64 * 64; }

std::shared_ptr<BufferPool>& pool_of(void* data) {
  return *std::launder(reinterpret_cast<std::shared_ptr<BufferPool>*>(static_cast<char*>(data) - kHeader));
}

int64_t default_max_array_bytes() {
  if (const char* env = std::getenv("GS_MAX_ARRAY_BYTES")) {
    char* end = nullptr;
    long long v = std::strtoll(env, &end, 10);
    if (end != env && *end == '\0' && v > 0) return v;
  }
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(pages) * page;
}

std::atomic<int64_t> g_max_array_bytes{0};  // 0: not set, use the default

std::string bytes_str(uint64_t n) {
  char buf[64];
  const auto u = static_cast<unsigned long long>(n);
  if (n >= (uint64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%llu bytes (%.1f GiB)", u, static_cast<double>(n) / (1 << 30));
  else
    std::snprintf(buf, sizeof buf, "%llu bytes", u);
  return buf;
}

}  // namespace

int64_t max_array_bytes() {
  int64_t v = g_max_array_bytes.load(std::memory_order_relaxed);
  if (v > 0) return v;
  static const int64_t kDefault = default_max_array_bytes();
  return kDefault;
}

void set_max_array_bytes(int64_t bytes) { g_max_array_bytes.store(bytes > 0 ? bytes : 0); }

Buffer::Buffer(size_t nbytes) : nbytes_(nbytes) {
  if (nbytes > static_cast<uint64_t>(max_array_bytes()))
    throw Error("refusing to allocate " + bytes_str(nbytes) + ", more than the limit of " +
                bytes_str(static_cast<uint64_t>(max_array_bytes())) + " (GS_MAX_ARRAY_BYTES)");
  const size_t size = block_size(nbytes);
  BufferPool* pool = BufferPool::for_allocation(size);
  void* block = pool ? pool->take(size) : nullptr;
  if (!block) block = std::aligned_alloc(64, size);
  if (!block) throw Error("out of memory allocating " + std::to_string(nbytes) + " bytes");
  new (block) std::shared_ptr<BufferPool>(pool ? pool->shared_from_this() : nullptr);
  data_ = static_cast<char*>(block) + kHeader;
}

Buffer::~Buffer() {
  std::shared_ptr<BufferPool> pool = std::move(pool_of(data_));
  pool_of(data_).~shared_ptr();
  void* block = static_cast<char*>(data_) - kHeader;
  if (pool) pool->give(block, block_size(nbytes_));
  else std::free(block);
}

Array::Array(std::shared_ptr<Buffer> buffer, DType dtype, Shape shape)
    : buffer_(std::move(buffer)), dtype_(dtype), shape_(std::move(shape)), size_(shape_size(shape_)) {
  GS_CHECK(buffer_ && buffer_->nbytes() >= nbytes(), "buffer too small for array " + aval_str());
}

Array Array::empty(DType dtype, Shape shape) {
  int64_t n = shape_size(shape);
  // Checked here, where the shape is known, so the error names it; n * size cannot overflow
  // once n is below the limit divided by the element size.
  const int64_t limit = max_array_bytes();
  if (n > limit / static_cast<int64_t>(dtype_size(dtype)))
    throw Error("array " + std::string(dtype_name(dtype)) + "[" + shape_str(shape) + "] needs " +
                (static_cast<uint64_t>(n) > UINT64_MAX / dtype_size(dtype)
                     ? std::string("more than 2^64 bytes")
                     : bytes_str(static_cast<uint64_t>(n) * dtype_size(dtype))) +
                ", more than the limit of " + bytes_str(static_cast<uint64_t>(limit)) +
                " (the array size limit: physical memory, or GS_MAX_ARRAY_BYTES)");
  auto buffer = std::make_shared<Buffer>(static_cast<size_t>(n) * dtype_size(dtype));
  return Array(std::move(buffer), dtype, std::move(shape));
}

Array Array::zeros(DType dtype, Shape shape) {
  Array a = empty(dtype, std::move(shape));
  std::memset(a.mutable_raw(), 0, a.nbytes());
  return a;
}

Array Array::scalar(double value, DType dtype) { return full({}, value, dtype); }

void* Array::mutable_raw() {
  GS_CHECK(buffer_.use_count() == 1, "internal: writing into a shared array buffer");
  return buffer_->data();
}

void Array::check_type(DType requested) const {
  GS_CHECK(valid(), "use of a null array");
  if (requested != dtype_)
    throw Error("array is " + aval_str() + " but was read as " + std::string(dtype_name(requested)));
}

double Array::at_flat(int64_t i) const {
  return dispatch_dtype(dtype_, [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(static_cast<const T*>(buffer_->data())[i]);
  });
}

double Array::item() const {
  GS_CHECK(size_ == 1, "item() needs an array with one element, got " + aval_str());
  return at_flat(0);
}

Array Array::astype(DType dtype) const {
  if (dtype == dtype_) return *this;
  Array out = empty(dtype, shape_);
  dispatch_dtype(dtype_, [&](auto src_tag) {
    using S = decltype(src_tag);
    const S* src = static_cast<const S*>(buffer_->data());
    dispatch_dtype(dtype, [&](auto dst_tag) {
      using D = decltype(dst_tag);
      D* dst = static_cast<D*>(out.mutable_raw());
      for (int64_t i = 0; i < size_; ++i) dst[i] = static_cast<D>(src[i]);
    });
  });
  return out;
}

Array Array::reshape(Shape shape) const {
  GS_CHECK(shape_size(shape) == size_, "cannot reshape " + aval_str() + " to (" + shape_str(shape) + ")");
  return Array(buffer_, dtype_, std::move(shape));
}

bool Array::same_values(const Array& other) const {
  return dtype_ == other.dtype_ && shape_ == other.shape_ &&
         std::memcmp(raw(), other.raw(), nbytes()) == 0;
}

std::string Array::aval_str() const {
  return std::string(dtype_name(dtype_)) + "[" + shape_str(shape_) + "]";
}

// ---- printing, following NumPy's default array2string: each element formatted alone (shortest
// round-trip digits, at most 8 after the point), then padded so columns line up.
namespace {

std::string shortest(double v, DType dtype) {
  char buf[64];
  auto res = dtype == DType::f32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v))
                                 : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

struct FloatFormat {
  bool scientific = false;
};

// Shortest round-trip scientific digits, e.g. "1.5e-05"; NumPy later pads mantissas to one width.
std::string shortest_scientific(double v, DType dtype) {
  char buf[64];
  auto res = dtype == DType::f32
                 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v), std::chars_format::scientific)
                 : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  auto e = s.find('e');
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  // At most 8 fractional digits, as NumPy's default precision.
  auto dot = mant.find('.');
  if (dot != std::string::npos && mant.size() - dot - 1 > 8) {
    std::snprintf(buf, sizeof buf, "%.8e", v);
    std::string r(buf);
    e = r.find('e');
    mant = r.substr(0, e);
    exp = r.substr(e + 1);
    while (mant.back() == '0') mant.pop_back();
    if (mant.back() == '.') mant.pop_back();
  }
  char sign = exp[0] == '-' ? '-' : '+';
  std::string digits = exp.substr(exp[0] == '-' || exp[0] == '+' ? 1 : 0);
  while (digits.size() < 2) digits = "0" + digits;
  return mant + "e" + sign + digits;
}

std::string format_float(double v, DType dtype, FloatFormat fmt) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  if (fmt.scientific) return shortest_scientific(v, dtype);
  std::string s = shortest(v, dtype);
  if (s.find('e') != std::string::npos || [&] {
        auto dot = s.find('.');
        return dot != std::string::npos && s.size() - dot - 1 > 8;
      }()) {
    std::snprintf(buf, sizeof buf, "%.8f", v);
    s = buf;
    while (s.back() == '0') s.pop_back();
  }
  if (s.find('.') == std::string::npos) s += ".";
  return s;
}

// Pads every scientific cell's mantissa with zeros to the widest one: [1.5e-05 1.0e+02].
void equalize_mantissas(std::vector<std::string>& cells) {
  size_t frac = 0;
  for (const std::string& c : cells) {
    auto e = c.find('e');
    if (e == std::string::npos) continue;
    auto dot = c.find('.');
    frac = std::max(frac, dot == std::string::npos || dot > e ? 0 : e - dot - 1);
  }
  for (std::string& c : cells) {
    auto e = c.find('e');
    if (e == std::string::npos) continue;
    std::string mant = c.substr(0, e), rest = c.substr(e);
    auto dot = mant.find('.');
    if (dot == std::string::npos) {
      mant += ".";
      dot = mant.size() - 1;
    }
    mant += std::string(frac - (mant.size() - dot - 1), '0');
    c = mant + rest;
  }
}

std::string format_element(const Array& a, int64_t i, FloatFormat fmt) {
  double v = a.at_flat(i);
  switch (a.dtype()) {
    case DType::boolean: return v != 0 ? "True" : "False";
    case DType::i32: return std::to_string(static_cast<int64_t>(v));
    case DType::u32: return std::to_string(static_cast<uint64_t>(v));
    default: return format_float(v, a.dtype(), fmt);
  }
}

struct Printer {
  const Array& a;
  std::vector<std::string> cells;  // formatted element per flat index (empty when elided)
  size_t int_width = 0, frac_width = 0;
  bool summarize = false;
  std::string sep = " ";  // between elements: " " for str(), ", " for repr()
  size_t indent = 0;      // columns before the outermost '[' (repr's "Array(")

  // Pads a cell: integer part right-aligned, fractional part left-aligned, as NumPy does.
  std::string pad(const std::string& s) const {
    auto dot = s.find('.');
    size_t ip = dot == std::string::npos ? s.size() : dot;
    size_t fp = dot == std::string::npos ? 0 : s.size() - dot - 1;
    return std::string(int_width - std::min(int_width, ip), ' ') + s +
           std::string(frac_width - std::min(frac_width, fp), ' ');
  }

  bool shown(int64_t idx, int64_t extent) const {
    return !summarize || extent <= 6 || idx < 3 || idx >= extent - 3;
  }

  void print(std::string& out, int axis, int64_t offset, const std::vector<int64_t>& strides) const {
    if (axis == a.rank()) {
      out += pad(cells[offset]);
      return;
    }
    int64_t n = a.shape()[axis];
    out += "[";
    bool first = true;
    for (int64_t i = 0; i < n; ++i) {
      if (!shown(i, n)) {
        if (i == 3) out += (axis == a.rank() - 1) ? sep + "..." : "\n" + std::string(indent + axis + 1, ' ') + "...,";
        continue;
      }
      if (!first) {
        if (axis == a.rank() - 1) {
          out += sep;
        } else {
          out += sep.substr(0, sep.size() - 1) + std::string(a.rank() - axis - 1, '\n') +
                 std::string(indent + axis + 1, ' ');
        }
      }
      first = false;
      print(out, axis + 1, offset + i * strides[axis], strides);
    }
    out += "]";
  }
};

}  // namespace

std::string Array::str() const { return format(" ", 0); }

std::string Array::repr() const {
  return "Array(" + format(", ", 6) + ", dtype=" + std::string(dtype_long_name(dtype_)) + ")";
}

std::string Array::format(const std::string& sep, size_t indent) const {
  if (!valid()) return "<null array>";
  Printer p{*this, std::vector<std::string>(size_), 0, 0, size_ > 1000, sep, indent};
  auto strides = row_major_strides(shape_);
  FloatFormat fmt;
  if (is_floating(dtype_)) {
    double max_abs = 0, min_abs = INFINITY;
    for (int64_t i = 0; i < size_; ++i) {
      double v = std::fabs(at_flat(i));
      if (!std::isfinite(v)) continue;
      max_abs = std::max(max_abs, v);
      if (v != 0) min_abs = std::min(min_abs, v);
    }
    fmt.scientific = max_abs >= 1e8 || (min_abs < 1e-4 && min_abs != INFINITY) ||
                     (min_abs != INFINITY && max_abs / min_abs > 1e3);
  }
  for (int64_t i = 0; i < size_; ++i) {
    std::string s = format_element(*this, i, fmt);
    auto dot = s.find('.');
    if (!is_floating(dtype_) || dot == std::string::npos) {
      p.int_width = std::max(p.int_width, s.size());
    } else {
      p.int_width = std::max(p.int_width, dot);
      p.frac_width = std::max(p.frac_width, s.size() - dot - 1);
    }
    p.cells[i] = std::move(s);
  }
  if (fmt.scientific) {
    equalize_mantissas(p.cells);
    p.int_width = p.frac_width = 0;
    for (const std::string& c : p.cells) {
      auto dot = c.find('.');
      if (dot == std::string::npos) continue;
      p.int_width = std::max(p.int_width, dot);
      p.frac_width = std::max(p.frac_width, c.size() - dot - 1);
    }
  }
  std::string out;
  p.print(out, 0, 0, strides);
  return out;
}

Array full(Shape shape, double value, DType dtype) {
  Array a = Array::empty(dtype, std::move(shape));
  dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    // Converting NaN or an out-of-range double to an integer is undefined behaviour; JAX refuses
    // such Python ints too ("too large to convert to int32").
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      GS_CHECK(value >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
                   value <= static_cast<double>(std::numeric_limits<T>::max()),
               [&] {
                 char buf[32];
                 std::snprintf(buf, sizeof buf, "%.9g", value);
                 return std::string(buf);
               }() + " is not representable as " + std::string(dtype_name(dtype)));
    }
    T* p = static_cast<T*>(a.mutable_raw());
    std::fill(p, p + a.size(), static_cast<T>(value));
  });
  return a;
}

Array ones(Shape shape, DType dtype) { return full(std::move(shape), 1, dtype); }

Array arange(double start, double stop, double step, DType dtype) {
  GS_CHECK(step != 0, "arange: step must not be zero");
  // The count is checked as a double first: converting a NaN or a count beyond int64 is undefined.
  const double count = std::ceil((stop - start) / step);
  GS_CHECK(std::isfinite(count) && count < 0x1p62,
           "arange(" + std::to_string(start) + ", " + std::to_string(stop) + ", " + std::to_string(step) +
               ") does not have a finite number of elements that fits in 64 bits");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  Array a = Array::empty(dtype, {n});
  dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(a.mutable_raw());
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return a;
}

Array linspace(double start, double stop, int64_t num, DType dtype) {
  GS_CHECK(num >= 0, "linspace: num must be non-negative, got " + std::to_string(num));
  Array a = Array::empty(dtype, {num});
  double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0;
  dispatch_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(a.mutable_raw());
    for (int64_t i = 0; i < num; ++i)
      p[i] = static_cast<T>(i == num - 1 && num > 1 ? stop : start + static_cast<double>(i) * step);
  });
  return a;
}

}  // namespace engine
