#include "widgets/dataset_browser/dataset_browser_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include "engine/core/error.h"
#include "engine/train/config_catalog.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/dataset_browser/class_bar_chart.h"
#include "widgets/dataset_browser/dataset_image_model.h"
#include "widgets/dataset_browser/image_grid_delegate.h"

namespace gs {

DatasetBrowserPanel::DatasetBrowserPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("DatasetBrowserPanel");
  datasetBox_ = named(new QComboBox, tr("Dataset"), tr("The dataset to browse (classification datasets the engine knows)"));
  // The catalog's classification datasets that are installed; "mnist-idx:DIR" is a pattern, so
  // a folder is only shown when set by name (setDatasetName).
  for (const engine::train::DatasetInfo& d : engine::train::dataset_catalog()) {
    if (d.num_classes <= 0 || d.name.find(':') != std::string::npos) continue;
    datasetBox_->addItem(qstr(d.name));
    if (!d.present) datasetBox_->setItemData(datasetBox_->count() - 1, qstr(d.problem), Qt::ToolTipRole);
  }
  splitBox_ = named(new QComboBox, tr("Split"), tr("Show the training or the test examples"));
  splitBox_->addItems({tr("Train"), tr("Test")});
  classBox_ = named(new QComboBox, tr("Class filter"), tr("Show only the examples of one class"));
  classBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  zoom_ = named(new QSlider(Qt::Horizontal), tr("Image size"), tr("The size of each image in the grid"));
  zoom_->setRange(28, 112);
  zoom_->setValue(56);
  zoom_->setMaximumWidth(120);
  status_ = named(new QLabel, tr("Dataset status"), tr("What is shown, or why nothing is"));
  status_->setWordWrap(true);

  model_ = new DatasetImageModel(this);
  delegate_ = new ImageGridDelegate(DatasetImageModel::ImageRole, this);
  grid_ = named(new QListView, tr("Image grid"), tr("The split's images with their class names"));
  grid_->setModel(model_);
  grid_->setItemDelegate(delegate_);
  // A wrapping list with uniform cells: the view computes positions arithmetically and asks the
  // model only for the visible cells, which is what keeps 60,000 images fast.
  grid_->setViewMode(QListView::ListMode);
  grid_->setFlow(QListView::LeftToRight);
  grid_->setWrapping(true);
  grid_->setResizeMode(QListView::Adjust);
  grid_->setUniformItemSizes(true);
  grid_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  grid_->setGridSize(delegate_->cellSize());

  chart_ = new ClassBarChart(tr("Examples"), tr("Class counts"), Qt::Horizontal);
  named(chart_, tr("Class counts chart"), tr("How many examples each class has in this split"));

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Dataset:")));
  bar->addWidget(datasetBox_);
  bar->addWidget(splitBox_);
  bar->addWidget(new QLabel(tr("Class:")));
  bar->addWidget(classBox_);
  bar->addWidget(new QLabel(tr("Size:")));
  bar->addWidget(zoom_);
  bar->addStretch();
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(grid_);
  split->addWidget(chart_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  chart_->setMinimumWidth(280);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(status_);
  layout->addWidget(split, 1);

  connect(datasetBox_, &QComboBox::activated, this, [this] { setDatasetName(datasetBox_->currentText()); });
  connect(splitBox_, &QComboBox::currentIndexChanged, this, [this] { showSplit(); });
  connect(classBox_, &QComboBox::currentIndexChanged, this, [this](int i) {
    model_->setClassFilter(i - 1);
    updateStatus();
  });
  connect(zoom_, &QSlider::valueChanged, this, [this](int v) {
    delegate_->setImageSize(v);
    grid_->setGridSize(delegate_->cellSize());
  });
  updateStatus();
}

DatasetBrowserPanel::~DatasetBrowserPanel() = default;

void DatasetBrowserPanel::setDatasetName(const QString& name) {
  if (job_.busy()) {
    pending_ = name;
    return;
  }
  load(name);
}

void DatasetBrowserPanel::load(const QString& name) {
  name_ = name;
  error_.clear();
  if (datasetBox_->findText(name) < 0) datasetBox_->addItem(name);
  datasetBox_->setCurrentText(name);
  status_->setText(tr("Loading %1…").arg(name));
  job_.start([this, n = stdstr(name)](const std::atomic<bool>&) -> std::function<void()> {
    try {
      auto d = std::make_shared<engine::data::Dataset>(engine::data::load_dataset(n));
      if (d->num_classes <= 0)
        throw engine::Error("dataset '" + n + "' is a regression dataset: it has no classes to browse");
      return [this, d] {
        dataset_ = d;
        emit loaded(name_);
        if (!pending_.isEmpty()) return setDatasetName(std::exchange(pending_, {}));
        QSignalBlocker block(classBox_);
        classBox_->clear();
        classBox_->addItem(tr("All classes"));
        for (const std::string& c : dataset_->class_names) classBox_->addItem(qstr(c));
        showSplit();
      };
    } catch (const std::exception& e) {
      return [this, message = QString::fromUtf8(e.what())] {
        error_ = message;
        dataset_.reset();
        split_.reset();
        model_->clear();
        chart_->clearValues();
        updateStatus();
        emit failed(message);
        if (!pending_.isEmpty()) setDatasetName(std::exchange(pending_, {}));
      };
    }
  });
}

void DatasetBrowserPanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (name_.isEmpty() && !job_.busy() && datasetBox_->count() > 0) setDatasetName(datasetBox_->itemText(0));
}

void DatasetBrowserPanel::setSplit(bool test) { splitBox_->setCurrentIndex(test ? 1 : 0); }
bool DatasetBrowserPanel::showsTest() const { return splitBox_->currentIndex() == 1; }
void DatasetBrowserPanel::setClassFilter(int cls) { classBox_->setCurrentIndex(cls + 1); }
QString DatasetBrowserPanel::errorText() const { return error_; }

void DatasetBrowserPanel::showSplit() {
  if (!dataset_) return updateStatus();
  // An aliasing pointer: the split lives as long as the dataset the model shares.
  split_ = std::shared_ptr<const engine::data::Split>(dataset_, showsTest() ? &dataset_->test : &dataset_->train);
  QStringList names;
  for (const std::string& c : dataset_->class_names) names << qstr(c);
  const int filter = classBox_->currentIndex() - 1;
  // Cells as wide as the longest class name (within reason), so every label reads whole.
  int widest = 0;
  for (const QString& n : names) widest = std::max(widest, grid_->fontMetrics().horizontalAdvance(n));
  delegate_->setMinimumCellWidth(std::min(widest + 10, 160));
  grid_->setGridSize(delegate_->cellSize());
  model_->setSplit(split_, names);
  model_->setClassFilter(filter);
  updateCounts();
  updateStatus();
}

void DatasetBrowserPanel::updateCounts() {
  QVector<double> counts;
  for (int64_t c : model_->classIndex().counts) counts.push_back(static_cast<double>(c));
  chart_->setValues(model_->classNames(), counts);
}

void DatasetBrowserPanel::updateStatus() {
  if (!error_.isEmpty()) {
    status_->setText(tr("Cannot show %1: %2").arg(name_, error_));
  } else if (!dataset_) {
    status_->setText(tr("Choose a dataset above to browse its images."));
  } else {
    const int f = model_->classFilter();
    status_->setText(tr("%1, %2 split: %3 of %4 images%5")
                         .arg(name_, showsTest() ? tr("test") : tr("train"))
                         .arg(QLocale().toString(model_->rowCount()))
                         .arg(QLocale().toString(static_cast<qlonglong>(split_ ? split_->size() : 0)))
                         .arg(f < 0 ? QString() : tr(" (class %1)").arg(model_->classNames().value(f))));
  }
}

}  // namespace gs
