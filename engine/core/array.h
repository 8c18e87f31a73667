// Array: an immutable n-dimensional value in one contiguous row-major buffer.
//
// Copies share the buffer (reference counting through shared_ptr); nothing ever writes into a
// buffer another Array can see. Code that produces a new array allocates it with Array::empty(),
// fills it through mutable_data() while it is still the sole owner, and hands it out.
#pragma once
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/core/dtype.h"
#include "engine/core/error.h"
#include "engine/core/shape.h"

namespace engine {

// Raw storage in host memory, aligned for AVX-512 loads. (Arrays are host-only today; a GPU
// backend will need to say where a buffer lives.)
class Buffer {
 public:
  explicit Buffer(size_t nbytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
};

class Array {
 public:
  Array() = default;  // a null array; valid() is false

  static Array empty(DType dtype, Shape shape);  // uninitialized contents
  static Array zeros(DType dtype, Shape shape);
  template <class T>
  static Array from_vector(const std::vector<T>& values, Shape shape);
  template <class T>
  static Array from_vector(const std::vector<T>& values) {
    return from_vector(values, Shape{static_cast<int64_t>(values.size())});
  }
  static Array scalar(double value, DType dtype = DType::f32);
  // Wraps an existing buffer (shared, not copied); used by kernels that reuse storage.
  Array(std::shared_ptr<Buffer> buffer, DType dtype, Shape shape);

  bool valid() const { return buffer_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t size() const { return size_; }
  size_t nbytes() const { return static_cast<size_t>(size_) * dtype_size(dtype_); }

  const void* raw() const { return buffer_->data(); }
  template <class T>
  const T* data() const {
    check_type(dtype_of<T>());
    return static_cast<const T*>(buffer_->data());
  }
  template <class T>
  std::span<const T> span() const { return {data<T>(), static_cast<size_t>(size_)}; }
  // Writable only while this Array is the buffer's sole owner (i.e. while it is being built).
  void* mutable_raw();
  template <class T>
  T* mutable_data() {
    check_type(dtype_of<T>());
    return static_cast<T*>(mutable_raw());
  }
  const std::shared_ptr<Buffer>& buffer() const { return buffer_; }
  // Writable storage of an array whose buffer only the caller's own arrays share: a kernel that
  // was handed an input's only reference and writes its result over it (Executable::run, in
  // place). Never for an array anyone else might hold.
  void* in_place_raw() const { return buffer_->data(); }

  // Element i of the flattened array converted to double (any dtype); for printing and tests.
  double at_flat(int64_t i) const;
  template <class T>
  std::vector<T> to_vector() const;  // converts element-wise from any dtype
  double item() const;               // the single element of a size-1 array
  Array astype(DType dtype) const;
  Array reshape(Shape shape) const;  // shares the buffer
  bool same_values(const Array& other) const;  // shape, dtype and bytes equal

  std::string str() const;   // NumPy style: [[1. 2.]\n [3. 4.]]
  std::string repr() const;  // JAX style: Array([1., 2.], dtype=float32)
  std::string aval_str() const;  // f32[4,3]

 private:
  void check_type(DType requested) const;
  std::string format(const std::string& sep, size_t indent) const;
  std::shared_ptr<Buffer> buffer_;
  DType dtype_ = DType::f32;
  Shape shape_;
  int64_t size_ = 0;
};

template <class T>
Array Array::from_vector(const std::vector<T>& values, Shape shape) {
  Array a = empty(dtype_of<T>(), std::move(shape));
  GS_CHECK(static_cast<int64_t>(values.size()) == a.size(),
           "from_vector: " + std::to_string(values.size()) + " values do not fill shape (" +
               shape_str(a.shape()) + ")");
  if constexpr (std::is_same_v<T, bool>) {
    bool* out = a.mutable_data<bool>();
    for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  } else if (!values.empty()) {
    std::memcpy(a.mutable_raw(), values.data(), values.size() * sizeof(T));
  }
  return a;
}

template <class T>
std::vector<T> Array::to_vector() const {
  std::vector<T> out(static_cast<size_t>(size_));
  dispatch_dtype(dtype_, [&](auto tag) {
    using S = decltype(tag);
    const S* src = static_cast<const S*>(buffer_->data());
    for (int64_t i = 0; i < size_; ++i) out[i] = static_cast<T>(src[i]);
  });
  return out;
}

// Creation in the spirit of jnp.zeros/ones/full/arange/linspace, on concrete arrays.
Array full(Shape shape, double value, DType dtype = DType::f32);
Array ones(Shape shape, DType dtype = DType::f32);
Array arange(double start, double stop, double step = 1, DType dtype = DType::f32);
Array linspace(double start, double stop, int64_t num, DType dtype = DType::f32);

}  // namespace engine
