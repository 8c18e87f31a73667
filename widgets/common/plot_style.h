// One look for every chart in the studio: the system palette's colours (light or dark), labelled
// axes, a legend, and one colour per run that stays the same in every chart.
#pragma once
#include <cstdint>

#include <QColor>
#include <QString>

class QCustomPlot;
class QCPGraph;

namespace gs {

// Axis labels, palette colours, a legend in the corner that hides the least data (top right
// first), drag/zoom on x.
void stylePlot(QCustomPlot* plot, const QString& xLabel, const QString& yLabel);
// The i-th colour of a colour-blind-safe categorical palette (Okabe-Ito, then Tableau 10).
QColor seriesColor(int i);
// A run's colour, the same in every chart and every session (chosen by its id).
QColor runColor(int64_t runId);
// A faint copy of a colour, for raw values drawn behind their smoothed line.
QColor faint(const QColor& c);
// Switches y between linear and log-10 ticks.
void setLogY(QCustomPlot* plot, bool log);
// Rescales to the data with a little margin, keeping log axes positive.
void fitAxes(QCustomPlot* plot);

}  // namespace gs
