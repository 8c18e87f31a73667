// DatasetBrowserPanel: the Dataset panel (issue #21): the images of a classification dataset's
// train or test split as a grid with their class names, filtered by class, and the class counts
// as a bar chart. The dataset loads on a worker thread (Fashion-MNIST's 70,000 images take about
// a second); the grid paints only the cells on screen.
#pragma once
#include <QString>
#include <QWidget>
#include <memory>

#include "engine/data/dataset.h"
#include "widgets/common/background_job.h"

class QComboBox;
class QLabel;
class QListView;
class QShowEvent;
class QSlider;

namespace gs {

class ClassBarChart;
class DatasetImageModel;
class ImageGridDelegate;

class DatasetBrowserPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetBrowserPanel(QWidget* parent = nullptr);
  ~DatasetBrowserPanel() override;

  // Loads a dataset by the name a run config uses ("fashion-mnist", "mnist-idx:DIR"), off the GUI
  // thread; loaded() or failed() follows. A name asked for while one loads waits for it.
  void setDatasetName(const QString& name);
  QString datasetName() const { return name_; }
  void setSplit(bool test);  // false: train
  bool showsTest() const;
  void setClassFilter(int cls);  // -1: all classes
  bool isLoading() const { return job_.busy(); }
  QString errorText() const;  // "" unless the last load failed

  DatasetImageModel* imageModel() const { return model_; }
  QListView* grid() const { return grid_; }
  ClassBarChart* countsChart() const { return chart_; }
  QComboBox* datasetBox() const { return datasetBox_; }
  QComboBox* splitBox() const { return splitBox_; }
  QComboBox* classBox() const { return classBox_; }

 protected:
  // The first time the panel is shown without a dataset, it loads the first one of its list (70,000
  // images take memory and a second or more, so not before someone looks).
  void showEvent(QShowEvent* event) override;

 signals:
  void loaded(const QString& name);
  void failed(const QString& message);

 private:
  void load(const QString& name);
  void showSplit();
  void updateCounts();
  void updateStatus();

  BackgroundJob job_{this};
  QString name_, pending_, error_;
  std::shared_ptr<const engine::data::Dataset> dataset_;
  std::shared_ptr<const engine::data::Split> split_;  // aliases dataset_'s train or test

  DatasetImageModel* model_;
  ImageGridDelegate* delegate_;
  QListView* grid_;
  ClassBarChart* chart_;
  QComboBox* datasetBox_;
  QComboBox* splitBox_;
  QComboBox* classBox_;
  QSlider* zoom_;
  QLabel* status_;
};

}  // namespace gs
