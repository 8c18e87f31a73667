// Weights as pictures: each output unit of a Dense layer that reads an image, its weights
// reshaped to that image (what the unit "looks for"), and each filter of a conv kernel. Tiles are
// scaled to their own max |w| (blue negative, white zero, red positive) and laid out in a grid.
#pragma once
#include <QImage>
#include <QString>
#include <optional>

#include "engine/core/array.h"
#include "engine/core/shape.h"

namespace gs {

struct WeightImages {
  QImage image;
  int shown = 0;    // tiles drawn
  int total = 0;    // output units / filters in the kernel
  int tileWidth = 0, tileHeight = 0;  // in weights (before scaling)
  QString what;     // "512 units of 28×28" / "32 filters of 3×3, mean over 1 input channel"
};

// A Dense kernel (in, out) whose `in` is the model's input image (h, w[, c]: input_shape without
// batch; c > 1 averaged); with no input shape known, `in` a perfect square is taken as s×s. A conv
// kernel (kh, kw, in, out): one tile per output filter, averaged over input channels. Anything
// else: nullopt. At most maxTiles tiles, each weight drawn as scale×scale pixels.
std::optional<WeightImages> weightImages(const engine::Array& kernel, const std::optional<engine::Shape>& inputShape,
                                         int maxTiles = 100, int scale = 2);

}  // namespace gs
