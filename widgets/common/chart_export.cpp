#include "widgets/common/chart_export.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSvgGenerator>
#include <qcustomplot.h>

namespace gs {

QString exportPlot(QCustomPlot* plot, const QString& path, int width, int height) {
  const int w = width > 0 ? width : plot->width();
  const int h = height > 0 ? height : plot->height();
  const QString suffix = QFileInfo(path).suffix().toLower();
  bool ok = false;
  if (suffix == "png") {
    ok = plot->savePng(path, w, h, 2.0);
  } else if (suffix == "pdf") {
    ok = plot->savePdf(path, w, h);
  } else if (suffix == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(QSize(w, h));
    svg.setViewBox(QRect(0, 0, w, h));
    svg.setTitle(plot->accessibleName());
    QCPPainter painter;
    if (painter.begin(&svg)) {
      plot->toPainter(&painter, w, h);
      ok = painter.end();
    }
  } else {
    return QObject::tr("Cannot export to '%1': the file name must end in .png, .pdf or .svg").arg(path);
  }
  return ok ? QString() : QObject::tr("Could not write '%1'").arg(path);
}

void exportPlotInteractively(QCustomPlot* plot, QWidget* parent, const QString& suggestedName) {
  QString selected;
  const QString path = QFileDialog::getSaveFileName(
      parent, QObject::tr("Export chart"), suggestedName + ".png",
      QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"), &selected);
  if (path.isEmpty()) return;
  const QString error = exportPlot(plot, path);
  if (!error.isEmpty()) QMessageBox::warning(parent, QObject::tr("Export chart"), error);
}

void addExportMenu(QCustomPlot* plot, const QString& suggestedName) {
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot, suggestedName](const QPoint& at) {
    QMenu menu(plot);
    menu.addAction(QObject::tr("Export chart…"), plot,
                   [plot, suggestedName] { exportPlotInteractively(plot, plot, suggestedName); });
    menu.exec(plot->mapToGlobal(at));
  });
}

}  // namespace gs
