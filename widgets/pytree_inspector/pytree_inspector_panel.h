// PytreeInspectorPanel: the Pytree Inspector (issue #21). A tree of a model's variables (params,
// batch_stats) and optimizer state with shape, dtype, size, bytes and statistics per leaf
// (PytreeModel); the selected leaf as a histogram and, for matrices, a heatmap; Dense weights on
// image inputs and conv kernels as pictures (weight_images.h); and two sources compared leaf by
// leaf (PytreeDiffModel).
//
// Sources, listed in the "Source" box and chosen there: the model at init (the builder's spec and
// a seed), the live run (the Trainer's per-epoch snapshot, replaced each epoch), and the
// checkpoints of one run from the history (read when chosen). The main window feeds them in; the
// panel never talks to a trainer or a database itself.
#pragma once
#include <QString>
#include <QWidget>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/shape.h"
#include "engine/runs/run_store.h"
#include "engine/train/snapshot.h"

class QComboBox;
class QLabel;
class QScrollArea;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTimer;
class QTreeView;

namespace gs {

class LeafHeatmapPlot;
class LeafHistogramPlot;
class PytreeDiffModel;
class PytreeModel;

class PytreeInspectorPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PytreeInspectorPanel(QWidget* parent = nullptr);
  ~PytreeInspectorPanel() override;

  // The builder's model at init for a run with `seed`. An invalid spec leaves a message in the
  // source list's place of that entry (and shows it when chosen).
  void setInitModel(const nlohmann::json& modelSpec, uint64_t seed = 0);
  // The same after kInitDelayMs, the latest call winning: for the builder's every edit, so a
  // burst of edits initializes the model once.
  void scheduleInitModel(const nlohmann::json& modelSpec, uint64_t seed = 0);
  static constexpr int kInitDelayMs = 250;
  // The live run's latest epoch; shown at once when the live entry or the init entry is showing.
  void setLiveSnapshot(std::shared_ptr<const engine::train::TrainSnapshot> snapshot, qint64 runId,
                       const nlohmann::json& modelSpec);
  // One run's checkpoints (replacing the previous run's); read from disk only when chosen.
  void setRunCheckpoints(qint64 runId, const std::vector<engine::runs::Checkpoint>& checkpoints,
                         const nlohmann::json& modelSpec);

  int sourceCount() const;
  QString sourceName(int i) const;
  // Shows source i (the "Source" box follows); returns "" or the error that loading it gave.
  QString showSource(int i);
  // Compares the shown source against source i (-1: no comparison); returns "" or an error.
  QString compareWith(int i);
  // Selects the node at a slash path ("params/Dense_0/kernel"); false when there is none.
  bool selectPath(const QString& slashPath);
  QString selectedPath() const;

  PytreeModel* model() const { return model_; }
  PytreeDiffModel* diffModel() const { return diff_; }
  QTreeView* treeView() const { return tree_; }
  LeafHistogramPlot* histogram() const { return histogram_; }
  LeafHeatmapPlot* heatmap() const { return heatmap_; }
  QLabel* weightImage() const { return weightImage_; }
  QLabel* weightCaption() const { return weightCaption_; }
  QTabWidget* tabs() const { return tabs_; }  // Histogram, Heatmap, Weight images, Compare
  QComboBox* sourceBox() const { return sourceBox_; }
  QComboBox* compareBox() const { return compareBox_; }
  QLabel* statusLabel() const { return status_; }

 signals:
  void errorOccurred(const QString& message);

 private:
  enum class Kind { init, live, checkpoint };
  struct Source {
    Kind kind = Kind::init;
    QString name{};
    qint64 runId = 0;
    std::function<engine::train::TrainSnapshot()> load{};  // checkpoints: read on demand
    std::shared_ptr<const engine::train::TrainSnapshot> snapshot{};  // loaded, or given
    std::optional<engine::Shape> inputShape{};  // the model's input, for weight images
    QString error{};  // why it cannot be shown
  };
  void buildUi();
  void replaceSources(Kind kind, std::vector<Source> sources);
  void refreshBoxes();
  QString load(Source& s);
  void onCurrentChanged();
  void showWeights(const QString& path);
  void updateStatsNote();
  void updateEmptyState();

  std::vector<Source> sources_;
  int shown_ = -1;
  int compared_ = -1;
  PytreeModel* model_;
  PytreeDiffModel* diff_;
  QComboBox* sourceBox_;
  QComboBox* compareBox_;
  QLabel* status_;
  QStackedWidget* stack_;  // empty state / the inspector
  QLabel* empty_;
  QTreeView* tree_;
  QTabWidget* tabs_;
  LeafHistogramPlot* histogram_;
  QLabel* histogramNote_;
  LeafHeatmapPlot* heatmap_;
  QLabel* weightCaption_;
  QLabel* weightImage_;
  QScrollArea* weightScroll_;
  QTableView* diffTable_;
  QLabel* diffNote_;
  bool updatingBoxes_ = false;
  int64_t nonfinite_ = 0;  // of the selected leaf's histogram
  QTimer* initTimer_;
  nlohmann::json pendingSpec_;
  uint64_t pendingSeed_ = 0;
};

// The input shape (without batch) in a model spec, or nullopt.
std::optional<engine::Shape> specInputShape(const nlohmann::json& modelSpec);

}  // namespace gs
