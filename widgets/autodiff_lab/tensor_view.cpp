#include "widgets/autodiff_lab/tensor_view.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace gs {

QString tensorSummary(const engine::Tensor& t, int maxValues) {
  if (!t.defined()) return QStringLiteral("—");
  if (!t.is_concrete()) return QString::fromStdString(t.aval().str());
  std::vector<double> v = t.array().astype(engine::DType::f64).to_vector<double>();
  auto num = [](double x) { return QString::number(x, 'g', 5); };
  if (t.rank() == 0) return num(v[0]);
  if (static_cast<int>(v.size()) <= maxValues && t.rank() == 1) {
    QStringList parts;
    for (double x : v) parts << num(x);
    return "[" + parts.join(", ") + "]";
  }
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return QStringLiteral("%1 (%2 values, |max| %3)")
      .arg(QString::fromStdString(t.aval().str()))
      .arg(v.size())
      .arg(num(m));
}

TensorView::TensorView(QWidget* parent) : QWidget(parent) {
  setHint(tr("Select a variable to see its value"));
}

void TensorView::setHint(const QString& hint) {
  values_.clear();
  rows_ = cols_ = 0;
  hint_ = hint;
  title_.clear();
  update();
}

void TensorView::setTensor(const engine::Tensor& t, const QString& title) {
  if (!t.defined() || !t.is_concrete()) {
    setHint(title + ": " + tr("not computed yet (or zero)"));
    return;
  }
  hint_.clear();
  title_ = title + "  " + QString::fromStdString(t.aval().str());
  std::vector<double> all = t.array().astype(engine::DType::f64).to_vector<double>();
  scalar_ = t.rank() == 0;
  cols_ = t.rank() >= 1 ? static_cast<int>(t.shape().back()) : 1;
  rows_ = t.rank() >= 2 ? static_cast<int>(t.shape()[t.rank() - 2]) : 1;
  values_.assign(all.begin(), all.begin() + std::min<size_t>(all.size(), size_t(rows_) * cols_));
  if (t.rank() > 2) title_ += tr("  (first slice)");
  update();
}

void TensorView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  p.setPen(palette().text().color());
  if (!hint_.isEmpty() || values_.empty()) {
    p.drawText(rect().adjusted(6, 6, -6, -6), Qt::AlignCenter | Qt::TextWordWrap, hint_);
    return;
  }
  const int top = fontMetrics().height() + 6;
  p.drawText(QRect(4, 2, width() - 8, top), Qt::AlignLeft | Qt::AlignVCenter, title_);
  if (scalar_) {
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 1.6);
    p.setFont(f);
    p.drawText(rect().adjusted(0, top, 0, 0), Qt::AlignCenter, QString::number(values_[0], 'g', 6));
    return;
  }
  double m = 0;
  for (double x : values_) m = std::max(m, std::abs(x));
  if (m == 0) m = 1;
  const QRectF area(4, top, width() - 8, height() - top - 4);
  const double cw = area.width() / cols_, ch = std::min(area.height() / rows_, std::max(cw, 18.0));
  const bool numbers = cw >= 34 && ch >= 14;
  QFont small = font();
  small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
  p.setFont(small);
  for (int r = 0; r < rows_; ++r)
    for (int c = 0; c < cols_; ++c) {
      const double x = values_[size_t(r) * cols_ + c], a = std::min(1.0, std::abs(x) / m);
      QColor col = x >= 0 ? QColor::fromRgbF(1, 1 - 0.75 * a, 1 - 0.75 * a) : QColor::fromRgbF(1 - 0.75 * a, 1 - 0.55 * a, 1);
      QRectF cell(area.left() + c * cw, area.top() + r * ch, cw, ch);
      p.fillRect(cell, col);
      p.setPen(QColor(200, 200, 200));
      p.drawRect(cell);
      if (numbers) {
        p.setPen(Qt::black);
        p.drawText(cell, Qt::AlignCenter, QString::number(x, 'g', 3));
      }
    }
}

}  // namespace gs
