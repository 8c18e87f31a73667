// The jnp-like API in one include: creation, elementwise math, shapes, reductions, indexing,
// linear algebra. Everything takes and returns engine::Tensor.
#pragma once
#include "engine/core/array.h"
#include "engine/core/tensor.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/indexing_ops.h"
#include "engine/ops/linalg_ops.h"
#include "engine/ops/reduction_ops.h"
#include "engine/ops/shape_ops.h"
#include "engine/ops/window_ops.h"
