// broadcast_in_dim of any dtype as block copies: each output row (innermost axis) is either a
// memcpy of an input row, one value repeated, or (rarely) a strided gather. The reference
// kernel computes an input index per element; eager selu and every bias add in a training step
// broadcast whole arrays, where that loop was the slowest part.
#include <cstring>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/kernels.h"

namespace engine::cpu {

namespace {

template <size_t N>
struct Elem {
  unsigned char bytes[N];
};

// Fills out (row-major over `shape`) from in, reading in[sum(index[d] * in_strides[d])].
template <size_t N>
void broadcast_rows(const Elem<N>* in, Elem<N>* out, const Shape& shape,
                    const std::vector<int64_t>& in_strides) {
  const int rank = static_cast<int>(shape.size());
  const int64_t inner = shape[rank - 1], inner_stride = in_strides[rank - 1];
  const int64_t rows = shape_size(shape) / inner;
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;  // input offset of the current row
  for (int64_t r = 0; r < rows; ++r) {
    Elem<N>* dst = out + r * inner;
    if (inner_stride == 1) {
      std::memcpy(dst, in + offset, static_cast<size_t>(inner) * N);
    } else if (inner_stride == 0) {
      const Elem<N> v = in[offset];
      for (int64_t i = 0; i < inner; ++i) dst[i] = v;
    } else {
      for (int64_t i = 0; i < inner; ++i) dst[i] = in[offset + i * inner_stride];
    }
    // Next row: odometer over the outer axes.
    for (int d = rank - 2; d >= 0; --d) {
      offset += in_strides[d];
      if (++index[d] < shape[d]) break;
      offset -= in_strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

}  // namespace

std::optional<Array> broadcast_in_dim(const Array& x, const Params& params, const Aval& out) {
  if (out.shape.empty() || shape_size(out.shape) == 0 || x.dtype() != out.dtype) return std::nullopt;
  const IntList& dims = params.ints("broadcast_dimensions");
  std::vector<int64_t> in_strides(out.shape.size(), 0);
  const std::vector<int64_t> st = row_major_strides(x.shape());
  for (size_t i = 0; i < dims.size(); ++i)
    if (x.shape()[i] != 1) in_strides[dims[i]] = st[i];
  Array result = Array::empty(out.dtype, out.shape);
  switch (dtype_size(out.dtype)) {
    case 1: broadcast_rows<1>(static_cast<const Elem<1>*>(x.raw()), static_cast<Elem<1>*>(result.mutable_raw()), out.shape, in_strides); break;
    case 4: broadcast_rows<4>(static_cast<const Elem<4>*>(x.raw()), static_cast<Elem<4>*>(result.mutable_raw()), out.shape, in_strides); break;
    case 8: broadcast_rows<8>(static_cast<const Elem<8>*>(x.raw()), static_cast<Elem<8>*>(result.mutable_raw()), out.shape, in_strides); break;
    default: return std::nullopt;
  }
  ++cpu_backend().counters().loops;
  return result;
}

}  // namespace engine::cpu
