// Tensor: what user functions compute with. Either a concrete Array, or a variable of the jaxpr
// being traced (a Tracer). Every jnp-like operation takes Tensors and binds a primitive: eagerly on
// concrete inputs, or by appending an equation to the innermost active trace (see ir/trace.h).
//
// A default-constructed Tensor is "undefined"; transformations use it for a symbolic zero (a
// tangent or cotangent known to be zero that was never materialized).
#pragma once
#include <memory>

#include "engine/core/array.h"

namespace engine {

// Abstract value: what tracing knows about a tensor.
struct Aval {
  Shape shape;
  DType dtype = DType::f32;
  std::string str() const { return std::string(dtype_name(dtype)) + "[" + shape_str(shape) + "]"; }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t size() const { return shape_size(shape); }
  bool operator==(const Aval&) const = default;
};

// A variable of one trace. trace_id names the trace; a tracer used after its trace ended (leaked
// out of a transformed function) is detected by that id no longer being active.
struct Tracer {
  uint64_t trace_id;
  int var;
  Aval aval;
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(Array value) : value_(std::move(value)) {}  // NOLINT: arrays are tensors
  explicit Tensor(std::shared_ptr<const Tracer> tracer) : tracer_(std::move(tracer)) {}

  bool defined() const { return tracer_ || value_.valid(); }
  bool is_concrete() const { return !tracer_ && value_.valid(); }
  bool is_traced() const { return tracer_ != nullptr; }

  const Shape& shape() const { return tracer_ ? tracer_->aval.shape : value_.shape(); }
  DType dtype() const { return tracer_ ? tracer_->aval.dtype : value_.dtype(); }
  Aval aval() const { return {shape(), dtype()}; }
  int rank() const { return static_cast<int>(shape().size()); }
  int64_t size() const { return shape_size(shape()); }

  // The concrete value; throws a clear error if this tensor is being traced (e.g. Python-style
  // control flow on a traced value inside jit or grad).
  const Array& array() const;
  const std::shared_ptr<const Tracer>& tracer() const { return tracer_; }
  double item() const { return array().item(); }
  std::string str() const;  // the array's NumPy text, or "Traced<f32[4]>"

 private:
  Array value_;
  std::shared_ptr<const Tracer> tracer_;
};

}  // namespace engine
