// The shared chart helpers: smoothing starts unbiased, exports write real files, colours are stable.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <qcustomplot.h>

#include "widgets/common/chart_export.h"
#include "widgets/common/plot_style.h"
#include "widgets/common/smoothing.h"

class CommonTest : public QObject {
  Q_OBJECT
 private slots:
  void emaIsBiasCorrected() {
    // A constant series smooths to itself from the first point on (no pull towards 0).
    for (double v : gs::smooth({2.0, 2.0, 2.0}, 0.9)) QCOMPARE(v, 2.0);
    const std::vector<double> s = gs::smooth({0.0, 1.0}, 0.5);
    // (0.5 * 0 * 0.5 + 0.5 * 1) / (1 - 0.25) = 2/3
    QVERIFY(std::abs(s[1] - 2.0 / 3.0) < 1e-12);
    QCOMPARE(gs::smooth({1.0, 5.0}, 0.0)[1], 5.0);
    // NaN passes through and does not poison what follows.
    const std::vector<double> n = gs::smooth({1.0, NAN, 1.0}, 0.5);
    QVERIFY(std::isnan(n[1]));
    QCOMPARE(n[2], 1.0);
  }
  void runColoursAreStable() {
    QCOMPARE(gs::runColor(3), gs::runColor(3));
    QVERIFY(gs::runColor(1) != gs::runColor(2));
    QCOMPARE(gs::runColor(1), gs::runColor(11));
  }
  void exportsEveryFormat() {
    QCustomPlot plot;
    plot.resize(400, 300);
    gs::stylePlot(&plot, "step", "loss");
    QCPGraph* g = plot.addGraph();
    g->setName("loss");
    g->setData({0, 1, 2}, {3, 2, 1});
    gs::fitAxes(&plot);
    QTemporaryDir dir;
    for (const char* suffix : {"png", "pdf", "svg"}) {
      const QString path = dir.filePath(QString("chart.") + suffix);
      QCOMPARE(gs::exportPlot(&plot, path), QString());
      QVERIFY2(QFileInfo(path).size() > 500, qPrintable(path));
    }
    QVERIFY(gs::exportPlot(&plot, dir.filePath("chart.bmpx")).contains("must end in"));
  }
  // The legend leaves the corner where the curve is: a rising accuracy curve ends top right,
  // where the legend starts; a falling one then frees the top right again, and it goes back.
  void legendMovesClearOfTheData() {
    QCustomPlot plot;
    plot.resize(400, 300);
    gs::stylePlot(&plot, "epoch", "accuracy");
    QCPGraph* g = plot.addGraph();
    g->setName("train");
    std::vector<double> keys, rising, falling;
    for (int i = 0; i <= 100; ++i) {
      keys.push_back(i);
      rising.push_back(i * i / 100.0);  // flat, then steep into the top-right corner
      falling.push_back(100 - i * i / 100.0);
    }
    const QVector<double> k(keys.begin(), keys.end());
    g->setData(k, QVector<double>(rising.begin(), rising.end()));
    gs::fitAxes(&plot);
    plot.replot();  // lays the legend out: its size is known from here on
    plot.replot();
    QCPLayoutInset* inset = plot.axisRect()->insetLayout();
    const Qt::Alignment first = inset->insetAlignment(0);
    QVERIFY2(first == (Qt::AlignTop | Qt::AlignLeft), "a rising curve leaves the top left free");
    g->setData(k, QVector<double>(falling.begin(), falling.end()));
    plot.replot();
    QCOMPARE(inset->insetAlignment(0), Qt::AlignTop | Qt::AlignRight);
  }
  void logAxisStaysPositive() {
    QCustomPlot plot;
    plot.addGraph()->setData({0, 1}, {0.0, 10.0});
    gs::setLogY(&plot, true);
    QVERIFY(plot.yAxis->range().lower > 0);
  }
};

QTEST_MAIN(CommonTest)
#include "common_test.moc"
