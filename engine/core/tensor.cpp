#include "engine/core/tensor.h"

namespace engine {

const Array& Tensor::array() const {
  if (tracer_)
    throw Error("a concrete value was needed but the tensor " + tracer_->aval.str() +
                " is being traced (under jit, grad, vmap, ...); use a primitive such as where() "
                "instead of reading its value");
  GS_CHECK(value_.valid(), "use of an undefined tensor");
  return value_;
}

std::string Tensor::str() const {
  if (tracer_) return "Traced<" + tracer_->aval.str() + ">";
  if (!value_.valid()) return "<undefined>";
  return value_.str();
}

}  // namespace engine
