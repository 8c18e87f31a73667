// Transposition: evaluating a linear jaxpr backwards, from output cotangents to input cotangents.
//
// The inputs of the jaxpr are split into linear ones (the tangents of linearize) and non-linear
// ones (residuals, given by value). Walking the equations in reverse, each one that depends on a
// linear input hands the cotangents of its outputs to its primitive's TransposeRule; cotangents
// reaching one variable from several uses are summed. Like every interpreter here it binds in the
// current context, so the transpose runs eagerly or is traced into an enclosing jaxpr (grad of
// grad, jit of grad).
#pragma once
#include <span>
#include <vector>

#include "engine/ir/jaxpr.h"

namespace engine {

// linear: one flag per invar. args: one value per invar, read only where linear[i] is false.
// cts: one cotangent per outvar; an undefined Tensor is a symbolic zero. Returns one cotangent per
// invar: undefined for non-linear inputs, for integer or boolean ones and for symbolic zeros.
// Throws engine::Error naming the primitive when a linear value flows through one that has no
// transpose rule (the function was not linear in it).
Tensors backward_pass(const Jaxpr& jaxpr, std::span<const Tensor> consts, std::span<const Tensor> args,
                      const std::vector<bool>& linear, std::span<const Tensor> cts);

// The same walk one linear equation at a time (backward_pass is this run to the end), for the
// Autodiff Lab's steppers. The jaxpr must outlive the object. With keep_cotangents, the
// cotangent of every variable stays readable after its equation ran (backward_pass frees them).
class BackwardPass {
 public:
  BackwardPass(const Jaxpr& jaxpr, std::span<const Tensor> consts, std::span<const Tensor> args,
               const std::vector<bool>& linear, std::span<const Tensor> cts, bool keep_cotangents);
  // The equations that take a linear input, in the (reverse) order they are transposed.
  const std::vector<size_t>& order() const { return order_; }
  size_t position() const { return pos_; }  // how many of them have been transposed
  bool finished() const { return pos_ == order_.size(); }
  // Transposes the next one (order()[position()]); returns its index in the jaxpr.
  size_t step();
  // The cotangent accumulated so far for a variable (undefined: zero, or not linear).
  const Tensor& cotangent(int var) const { return ct_[var]; }
  // The primal value of a non-linear variable (consts, args and what was computed from them).
  const Tensor& primal(int var) const { return primal_[var]; }
  bool is_linear(int var) const { return is_linear_[var]; }
  // One cotangent per invar: undefined for non-linear ones and zeros (valid once finished()).
  Tensors input_cotangents() const;

 private:
  void accumulate(int var, const Tensor& c);
  const Jaxpr& j_;
  std::vector<bool> linear_, is_linear_;
  std::vector<Tensor> primal_, ct_;
  std::vector<size_t> order_;
  size_t pos_ = 0;
  bool keep_;
};

}  // namespace engine
