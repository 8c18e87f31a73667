// Saves a chart as PNG, PDF or SVG (chosen by the file's suffix), at the size it has on screen.
#pragma once
#include <QString>

class QCustomPlot;
class QWidget;

namespace gs {

// Returns "" on success, else a message naming the file.
QString exportPlot(QCustomPlot* plot, const QString& path, int width = 0, int height = 0);
// Asks for a file name (PNG, PDF, SVG) and saves; shows an error box on failure.
void exportPlotInteractively(QCustomPlot* plot, QWidget* parent, const QString& suggestedName);
// A right-click menu on the chart with "Export chart…" (PNG, PDF, SVG).
void addExportMenu(QCustomPlot* plot, const QString& suggestedName);

}  // namespace gs
