#include "widgets/pytree_inspector/weight_images.h"

#include <QPainter>
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "widgets/pytree_inspector/leaf_charts.h"

namespace gs {

namespace {

// (h, w, c) of the image a Dense kernel with `in` inputs reads, or nullopt.
std::optional<std::array<int64_t, 3>> imageOf(int64_t in, const std::optional<engine::Shape>& input) {
  if (input) {
    const engine::Shape& s = *input;
    if (engine::shape_size(s) != in) return std::nullopt;
    if (s.size() == 3) return std::array<int64_t, 3>{s[0], s[1], s[2]};
    if (s.size() == 2) return std::array<int64_t, 3>{s[0], s[1], 1};
  }
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(in))));
  if (!input && side >= 4 && side * side == in) return std::array<int64_t, 3>{side, side, 1};
  return std::nullopt;
}

}  // namespace

std::optional<WeightImages> weightImages(const engine::Array& kernel, const std::optional<engine::Shape>& inputShape,
                                         int maxTiles, int scale) {
  const engine::Shape& s = kernel.shape();
  int64_t th = 0, tw = 0, channels = 0, units = 0;
  QString what;
  if (s.size() == 2) {
    const auto img = imageOf(s[0], inputShape);
    if (!img) return std::nullopt;
    th = (*img)[0];
    tw = (*img)[1];
    channels = (*img)[2];
    units = s[1];
    what = QObject::tr("%1 units of %2×%3").arg(units).arg(tw).arg(th);
    if (channels > 1) what += QObject::tr(", mean over %1 channels").arg(channels);
  } else if (s.size() == 4) {
    th = s[0];
    tw = s[1];
    channels = s[2];
    units = s[3];
    what = QObject::tr("%1 filters of %2×%3, mean over %4 input channel(s)").arg(units).arg(tw).arg(th).arg(channels);
  } else {
    return std::nullopt;
  }
  if (units == 0 || th * tw == 0) return std::nullopt;
  // Both layouts are row-major with the unit last: element ((y * w + x) * c + ch) * units + u.
  const engine::Array a = kernel.astype(engine::DType::f64);
  const double* v = a.data<double>();
  const int shown = static_cast<int>(std::min<int64_t>(units, std::max(1, maxTiles)));
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(shown))));
  const int rows = (shown + cols - 1) / cols;
  const int gap = 1;
  const int tileW = static_cast<int>(tw) * scale, tileH = static_cast<int>(th) * scale;
  QImage out(cols * (tileW + gap) + gap, rows * (tileH + gap) + gap, QImage::Format_RGB32);
  out.fill(QColor(128, 128, 128));
  std::vector<double> tile(static_cast<size_t>(th * tw));
  for (int u = 0; u < shown; ++u) {
    double top = 0;
    for (int64_t p = 0; p < th * tw; ++p) {
      double sum = 0;
      for (int64_t ch = 0; ch < channels; ++ch) sum += v[(p * channels + ch) * units + u];
      tile[static_cast<size_t>(p)] = sum / static_cast<double>(channels);
      if (std::isfinite(tile[static_cast<size_t>(p)])) top = std::max(top, std::abs(tile[static_cast<size_t>(p)]));
    }
    if (top == 0) top = 1;
    const int ox = gap + (u % cols) * (tileW + gap), oy = gap + (u / cols) * (tileH + gap);
    for (int64_t y = 0; y < th; ++y)
      for (int64_t x = 0; x < tw; ++x) {
        const QRgb c = divergingColor(tile[static_cast<size_t>(y * tw + x)] / top).rgb();
        for (int dy = 0; dy < scale; ++dy) {
          auto* line = reinterpret_cast<QRgb*>(out.scanLine(oy + static_cast<int>(y) * scale + dy));
          for (int dx = 0; dx < scale; ++dx) line[ox + static_cast<int>(x) * scale + dx] = c;
        }
      }
  }
  return WeightImages{.image = out, .shown = shown, .total = static_cast<int>(units), .tileWidth = static_cast<int>(tw),
                      .tileHeight = static_cast<int>(th), .what = what};
}

}  // namespace gs
