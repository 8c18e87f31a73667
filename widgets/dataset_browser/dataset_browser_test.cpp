// Dataset panel: the image model under QAbstractItemModelTester, the grid, split switch, class
// filter and counts chart on a fixture of IDX files written here (4x4 images, known labels),
// the error state of a missing folder, and (where Debian's dataset-fashion-mnist is installed)
// the time to show its 60,000 training images.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QElapsedTimer>
#include <QListView>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include "engine/data/idx.h"
#include "engine/train/config_catalog.h"
#include "widgets/dataset_browser/class_bar_chart.h"
#include "widgets/dataset_browser/dataset_browser_panel.h"
#include "widgets/dataset_browser/dataset_image_model.h"

using namespace gs;
using engine::data::IdxArray;

namespace {
// n images of 4x4 whose pixel k is k * 10 + label, labels given.
void writeSplit(const QString& dir, const QString& prefix, const std::vector<uint8_t>& labels) {
  const int64_t n = static_cast<int64_t>(labels.size());
  IdxArray images{IdxArray::Type::u8, {n, 4, 4}, {}};
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 16; ++k) images.bytes.push_back(static_cast<uint8_t>(k * 10 + labels[static_cast<size_t>(i)]));
  engine::data::write_idx((dir + "/" + prefix + "-images-idx3-ubyte").toStdString(), images, false);
  IdxArray l{IdxArray::Type::u8, {n}, labels};
  engine::data::write_idx((dir + "/" + prefix + "-labels-idx1-ubyte").toStdString(), l, true);
}
}  // namespace

class DatasetBrowserTest : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    // train: 7 examples of classes 3, 3, 0, 9, 3, 1, 0; test: 3 examples.
    writeSplit(dir_.path(), "train", {3, 3, 0, 9, 3, 1, 0});
    writeSplit(dir_.path(), "t10k", {5, 5, 2});
  }

  void gridFilterAndCountsOnAFixture() {
    DatasetBrowserPanel panel;
    QAbstractItemModelTester tester(panel.imageModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(&panel, &DatasetBrowserPanel::loaded);
    panel.setDatasetName("mnist-idx:" + dir_.path());  // before show(), which would load the default
    panel.resize(900, 600);
    panel.show();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    DatasetImageModel* m = panel.imageModel();
    QCOMPARE(m->rowCount(), 7);
    QCOMPARE(m->index(0).data().toString(), QString("3"));
    QCOMPARE(m->index(3).data(DatasetImageModel::LabelRole).toInt(), 9);
    // The image of example 3: pixel k = 4 y + x holds (k * 10 + 9) / 255 -> byte k * 10 + 9.
    const QImage img = m->index(3).data(DatasetImageModel::ImageRole).value<QImage>();
    QCOMPARE(img.size(), QSize(4, 4));
    QCOMPARE(qGray(img.pixel(/*x=*/2, /*y=*/1)), 6 * 10 + 9);
    // Counts: the chart has one bar per class with its count.
    QCOMPARE(m->classIndex().counts, (std::vector<int64_t>{2, 1, 0, 3, 0, 0, 0, 0, 0, 1}));
    QCPBarsDataContainer* bars = panel.countsChart()->bars()->data().data();
    QCOMPARE(bars->size(), 10);
    QCOMPARE(bars->at(3)->value, 3.0);
    QVERIFY(!panel.countsChart()->xAxis->label().isEmpty());
    QVERIFY(!panel.countsChart()->yAxis->label().isEmpty());
    // Filter by class 3: rows 0, 1, 4 of the file.
    panel.setClassFilter(3);
    QCOMPARE(m->rowCount(), 3);
    QCOMPARE(m->exampleAt(2), int64_t{4});
    QCOMPARE(m->index(2).data(DatasetImageModel::ExampleRole).toLongLong(), 4LL);
    // The grid paints without asking more than the visible rows (and does not crash doing it).
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(!panel.grid()->visualRect(m->index(0)).isEmpty());
    // Test split: its own examples and counts; the class filter is kept.
    panel.setClassFilter(-1);
    panel.setSplit(true);
    QCOMPARE(m->rowCount(), 3);
    QCOMPARE(m->index(2).data().toString(), QString("2"));
    QCOMPARE(bars->at(5)->value, 2.0);
    panel.setClassFilter(5);
    QCOMPARE(m->rowCount(), 2);
  }

  void fashionClassNames() {
    // Fashion-MNIST's names come with the dataset (when installed): check on the catalog row too.
    const engine::train::DatasetInfo d = engine::train::describe_dataset("fashion-mnist", {}, false);
    QCOMPARE(d.class_names.front(), std::string("T-shirt/top"));
    QCOMPARE(d.class_names.back(), std::string("Ankle boot"));
  }

  void missingFolderIsAnErrorState() {
    DatasetBrowserPanel panel;
    QSignalSpy failed(&panel, &DatasetBrowserPanel::failed);
    panel.setDatasetName("mnist-idx:" + dir_.path() + "/nope");
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 20000);
    QVERIFY2(panel.errorText().contains("/nope"), qPrintable(panel.errorText()));
    QCOMPARE(panel.imageModel()->rowCount(), 0);
    // A regression dataset is refused by name.
    panel.setDatasetName("synthetic-regression:10");
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 20000);
    QVERIFY(panel.errorText().contains("regression"));
  }

  // Not a bench (no assertion on time): prints how long 60,000 Fashion-MNIST images take to show.
  void fashionMnistTiming() {
    if (!engine::train::describe_dataset("fashion-mnist").present) QSKIP("dataset-fashion-mnist is not installed");
    DatasetBrowserPanel panel;
    panel.resize(1200, 800);
    QSignalSpy loaded(&panel, &DatasetBrowserPanel::loaded);
    QElapsedTimer t;
    t.start();
    panel.show();  // loads the first dataset of its list, Fashion-MNIST
    QCOMPARE(panel.datasetName(), QString("fashion-mnist"));
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
    const qint64 loadMs = t.elapsed();
    // From the model reset (on the GUI thread) to the first grid painted, laid out to the end.
    t.restart();
    panel.setSplit(true);
    panel.setSplit(false);
    QCoreApplication::processEvents();
    panel.grid()->repaint();
    const qint64 showMs = t.elapsed();
    QVERIFY(panel.grid()->verticalScrollBar()->maximum() > 1000);
    t.restart();
    panel.grid()->scrollToBottom();
    panel.grid()->repaint();
    const qint64 scrollMs = t.elapsed();
    QCOMPARE(panel.imageModel()->rowCount(), 60000);
    QCOMPARE(panel.imageModel()->classNames().value(9), QString("Ankle boot"));
    qInfo("fashion-mnist: load %lld ms (worker thread), grid of 60,000 shown %lld ms, scroll to end %lld ms", loadMs,
          showMs, scrollMs);
  }
};

QTEST_MAIN(DatasetBrowserTest)
#include "dataset_browser_test.moc"
