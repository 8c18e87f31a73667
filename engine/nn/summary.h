// The model summary of `gradient-cli model show`, the headless twin of the model builder's shape
// column: what Flax's nn.tabulate(model, rngs)(x) prints, one row per module.
//
//   | path    | module | inputs        | outputs       | params               |
//   |         | Foo    | float32[16,9] | float32[16,2] |                      |
//   | Dense_0 | Dense  | float32[16,9] | float32[16,4] | bias: float32[4]     |
//   |         |        |               |               | kernel: float32[9,4] |
//   |         |        |               |               |                      |
//   |         |        |               |               | 40 (160 B)           |
//   ...                                | Total         | 50 (200 B)           |
//
// Rows are the model itself (path "", as Flax's first row) and then each layer in call order,
// function layers (relu, flatten, pooling) included with their auto-names ("relu_0") so every
// shape change is visible; Flax's table leaves those out, as they are not modules. Variables are
// listed from Module::variable_shapes, so a summary allocates nothing.
#pragma once
#include <string>
#include <vector>

#include "engine/nn/module.h"

namespace engine::nn {

struct CollectionTotal {
  int64_t count = 0;  // elements (saturating)
  int64_t bytes = 0;
};

struct SummaryRow {
  std::string path;  // "Conv_0"; "" for the model itself; "Sequential_0/Dense_1" when nested
  std::string module;  // "Conv", "relu", or the model's name for the first row
  Shape input, output;
  std::vector<VariableShape> variables;  // empty for the first row (the totals are below)
  CollectionTotal params, batch_stats;
};

struct ModelSummary {
  std::vector<SummaryRow> rows;
  CollectionTotal params, batch_stats;  // over all rows
};

// Throws engine::Error naming the layer when the input does not fit ("Conv_1: input (1, 14, 14)
// has rank 3 but Conv needs NHWC (rank 4)"). `name` heads the first row (the spec's name).
ModelSummary summarize(const Module& model, const Shape& input, const std::string& name);

// The summary as a text table (ASCII, one line per variable inside a row, like nn.tabulate's
// cells) followed by "Total Parameters: 824,650 (3.3 MB)".
std::string summary_table(const ModelSummary& summary);

// Flax's tabulate number forms: 824,650 and 3.3 MB (decimal units, one decimal; bytes exact).
std::string count_str(int64_t n);
std::string bytes_str(int64_t bytes);
// "float32[1,28,28,1]" as tabulate writes a shape.
std::string typed_shape_str(DType dtype, const Shape& shape);

}  // namespace engine::nn
