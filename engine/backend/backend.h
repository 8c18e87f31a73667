// Backends run primitives on concrete arrays. The eager path of bind() asks the default backend;
// the jit compiler (compile/) asks a backend to compile a whole jaxpr once and run it many times.
// Backends add kernels, never semantics: every result must match the reference backend.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/core/array.h"
#include "engine/ir/params.h"
#include "engine/ops/primitive.h"

namespace engine {

// One equation made ready at compile time for known input and output avals: what depends only
// on shapes (the kernel chosen, oneDNN primitives and layouts, the shape rule's answer) is
// settled once, so that running it only dispatches. Must give execute()'s results.
class PreparedKernel {
 public:
  virtual ~PreparedKernel() = default;
  virtual std::vector<Array> run(std::span<const Array> inputs) const = 0;
};

// One step of an elementwise tail fused into the primitive whose result it consumes
// (Backend::prepare_with_epilogue): the running value v becomes prim(v, operand), or
// prim(operand, v) when !value_first, or prim(v) for a unary op. The operand is the kernel's input
// number `input` (the primitive's own inputs come first; aval `operand`: a scalar, a row repeated
// along the result's last axis, or an array of the result's shape), or a constant (input < 0).
struct EpilogueOp {
  PrimId prim = PrimId::add;  // add, sub, mul, max, min, neg
  bool value_first = true;
  int input = -1;
  Aval operand;
  float constant = 0;  // when input < 0 (and prim is binary)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // One primitive, eagerly. Checks shapes with the primitive's shape rule first.
  virtual std::vector<Array> execute(PrimId prim, std::span<const Array> inputs,
                                     const Params& params) = 0;
  // The equation prim(inputs of avals `in`) -> `out`, prepared (see PreparedKernel). The default
  // calls execute() each time. params must outlive the kernel (the compiled jaxpr owns them).
  virtual std::unique_ptr<PreparedKernel> prepare(PrimId prim, std::span<const Aval> in,
                                                  const Params& params, std::span<const Aval> out);
  // The equation with transposes folded into it (compile/executable.cpp asks for this when a
  // transpose is the only reader or writer around it): input i arrives as stored (aval in[i]) and
  // is read as transpose(input i, in_perms[i]) (an empty perm: as is); the kernel returns
  // transpose(result, out_perm), `out` being the primitive's own (untransposed) result. nullptr,
  // the default, when the backend has no such kernel; the compiler then keeps the transposes.
  virtual std::unique_ptr<PreparedKernel> prepare_permuted(PrimId prim, std::span<const Aval> in,
                                                           std::span<const IntList> in_perms,
                                                           const Params& params, const Aval& out,
                                                           const IntList& out_perm);
  // The equation followed by `tail`, as one kernel (a matmul whose result is scaled, offset and
  // added to another array before it is stored, in one pass: oneDNN post-ops). Its inputs are
  // the equation's then the tail's operands; it returns the tail's result. nullptr, the default,
  // when the backend has no such kernel; the compiler then runs the tail as it was.
  virtual std::unique_ptr<PreparedKernel> prepare_with_epilogue(PrimId prim, std::span<const Aval> in,
                                                                const Params& params, const Aval& out,
                                                                std::span<const EpilogueOp> tail);
};

// The plain-loop reference implementation (each primitive's impl rule).
Backend& reference_backend();

// The backend eager operations run on for the calling thread (reference until a faster one is
// registered; see backend/cpu). Thread-local so that a trainer thread can pick its own.
Backend& default_backend();
void set_default_backend(Backend* backend);  // nullptr restores the process default
Backend* find_backend(const std::string& name);  // "reference", "cpu"; nullptr if unknown
void register_backend(Backend* backend, bool make_process_default);

}  // namespace engine
