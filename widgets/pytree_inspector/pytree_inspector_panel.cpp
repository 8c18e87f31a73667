#include "widgets/pytree_inspector/pytree_inspector_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>
#include <exception>

#include "engine/core/error.h"
#include "engine/tree/key_path.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/pytree_inspector/leaf_charts.h"
#include "widgets/pytree_inspector/pytree_diff_model.h"
#include "widgets/pytree_inspector/pytree_model.h"
#include "widgets/pytree_inspector/weight_images.h"

namespace gs {

using engine::train::TrainSnapshot;

namespace {
// 8×8 tiles: 28×28 units drawn at 2 pixels a weight still fit a half-screen tab.
constexpr int kWeightTiles = 64;
}  // namespace

std::optional<engine::Shape> specInputShape(const nlohmann::json& modelSpec) {
  if (!modelSpec.is_object() || !modelSpec.contains("input_shape") || !modelSpec["input_shape"].is_array())
    return std::nullopt;
  engine::Shape s;
  for (const auto& d : modelSpec["input_shape"]) {
    if (!d.is_number_integer()) return std::nullopt;
    s.push_back(d.get<int64_t>());
  }
  return s;
}

PytreeInspectorPanel::PytreeInspectorPanel(QWidget* parent) : QWidget(parent) {
  model_ = new PytreeModel(this);
  diff_ = new PytreeDiffModel(this);
  buildUi();
  initTimer_ = new QTimer(this);
  initTimer_->setSingleShot(true);
  initTimer_->setInterval(kInitDelayMs);
  connect(initTimer_, &QTimer::timeout, this, [this] { setInitModel(pendingSpec_, pendingSeed_); });
  updateEmptyState();
}

void PytreeInspectorPanel::scheduleInitModel(const nlohmann::json& modelSpec, uint64_t seed) {
  pendingSpec_ = modelSpec;
  pendingSeed_ = seed;
  initTimer_->start();
}

PytreeInspectorPanel::~PytreeInspectorPanel() = default;

void PytreeInspectorPanel::buildUi() {
  sourceBox_ = named(new QComboBox, tr("Source"),
                     tr("Which tree to inspect: the model at init, the live run's latest epoch, or a checkpoint of "
                        "the run selected in Run History"));
  compareBox_ = named(new QComboBox, tr("Compare with"),
                      tr("Compare the shown tree leaf by leaf against another source (differences are shown − "
                         "other)"));
  sourceBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  compareBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  status_ = named(new QLabel, tr("Tree summary"), tr("Parameters and memory of the shown tree"));
  auto* top = new QHBoxLayout;
  auto* sourceLabel = new QLabel(tr("&Source:"));
  sourceLabel->setBuddy(sourceBox_);
  auto* compareLabel = new QLabel(tr("Compare &with:"));
  compareLabel->setBuddy(compareBox_);
  top->addWidget(sourceLabel);
  top->addWidget(sourceBox_);
  top->addSpacing(12);
  top->addWidget(compareLabel);
  top->addWidget(compareBox_);
  top->addSpacing(12);
  top->addWidget(status_, 1);

  tree_ = named(new QTreeView, tr("Pytree"),
                tr("The variables (params, batch_stats) and optimizer state: select a leaf to plot its values"));
  tree_->setModel(model_);
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  tree_->header()->setStretchLastSection(false);
  tree_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);

  histogram_ = named(new LeafHistogramPlot, tr("Leaf histogram"), tr("Histogram of the selected leaf's values"));
  histogramNote_ = named(new QLabel, tr("Leaf statistics"), tr("Statistics of the selected leaf"));
  histogramNote_->setWordWrap(true);
  auto* histPage = new QWidget;
  auto* histLayout = new QVBoxLayout(histPage);
  histLayout->addWidget(histogram_, 1);
  histLayout->addWidget(histogramNote_);
  heatmap_ = named(new LeafHeatmapPlot, tr("Leaf heatmap"),
                   tr("The selected matrix, rows down and columns across (conv kernels as (kh·kw·in, out))"));
  weightCaption_ = named(new QLabel, tr("Weight images caption"), tr("Which kernel the images show"));
  weightCaption_->setWordWrap(true);
  weightImage_ = named(new QLabel, tr("Weight images"),
                       tr("Each output unit's weights as an image of the input (Dense on images), or each conv "
                          "filter; blue negative, red positive, each scaled to its own largest |w|"));
  weightImage_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  weightScroll_ = new QScrollArea;
  weightScroll_->setWidget(weightImage_);
  weightScroll_->setWidgetResizable(true);
  auto* weightPage = new QWidget;
  auto* weightLayout = new QVBoxLayout(weightPage);
  weightLayout->addWidget(weightCaption_);
  weightLayout->addWidget(weightScroll_, 1);

  diffTable_ = named(new QTableView, tr("Leaf differences"), tr("Each leaf of the shown tree minus the compared one"));
  diffTable_->setModel(diff_);
  diffTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  diffTable_->verticalHeader()->hide();
  diffTable_->verticalHeader()->setDefaultSectionSize(diffTable_->fontMetrics().height() + 6);
  diffNote_ = named(new QLabel(tr("Choose a source in \"Compare with\" to see each leaf's change against it.")),
                    tr("Comparison summary"), tr("Which two trees are compared and how many leaves changed"));
  diffNote_->setWordWrap(true);
  auto* diffPage = new QWidget;
  auto* diffLayout = new QVBoxLayout(diffPage);
  diffLayout->addWidget(diffNote_);
  diffLayout->addWidget(diffTable_, 1);

  tabs_ = named(new QTabWidget, tr("Leaf views"), tr("Views of the selected leaf and the comparison"));
  tabs_->addTab(histPage, tr("Histogram"));
  tabs_->addTab(heatmap_, tr("Heatmap"));
  tabs_->addTab(weightPage, tr("Weight images"));
  tabs_->addTab(diffPage, tr("Compare"));

  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(tree_);
  split->addWidget(tabs_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);

  empty_ = named(new QLabel, tr("Inspector empty state"), tr("What to do to see a tree"));
  empty_->setAlignment(Qt::AlignCenter);
  empty_->setWordWrap(true);
  stack_ = new QStackedWidget;
  stack_->addWidget(empty_);
  stack_->addWidget(split);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(stack_, 1);

  connect(sourceBox_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (!updatingBoxes_ && i != shown_) showSource(i);
  });
  connect(compareBox_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (!updatingBoxes_) compareWith(i - 1);
  });
  connect(tree_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] { onCurrentChanged(); });
  // The weight grid's size depends on its view, which is laid out only once its tab shows.
  connect(tabs_, &QTabWidget::currentChanged, this, [this](int tab) {
    if (tab == 2) QTimer::singleShot(0, this, [this] { showWeights(selectedPath()); });
  });
  // Late statistics change only the note under the histogram; the plots stay as they are.
  connect(model_, &PytreeModel::statsComputed, this, [this] { updateStatsNote(); });
}

int PytreeInspectorPanel::sourceCount() const { return static_cast<int>(sources_.size()); }

QString PytreeInspectorPanel::sourceName(int i) const {
  return i >= 0 && i < sourceCount() ? sources_[static_cast<size_t>(i)].name : QString();
}

void PytreeInspectorPanel::replaceSources(Kind kind, std::vector<Source> fresh) {
  auto key = [this](int i) -> std::optional<std::pair<Kind, QString>> {
    if (i < 0 || i >= sourceCount()) return std::nullopt;
    return std::make_pair(sources_[static_cast<size_t>(i)].kind, sources_[static_cast<size_t>(i)].name);
  };
  const auto shownKey = key(shown_), comparedKey = key(compared_);
  std::vector<Source> next;
  for (Kind k : {Kind::init, Kind::live, Kind::checkpoint}) {
    if (k == kind) {
      for (Source& s : fresh) next.push_back(std::move(s));
    } else {
      for (Source& s : sources_)
        if (s.kind == k) next.push_back(std::move(s));
    }
  }
  sources_ = std::move(next);
  auto find = [this](const std::optional<std::pair<Kind, QString>>& k) {
    if (!k) return -1;
    for (int i = 0; i < sourceCount(); ++i)
      if (sources_[static_cast<size_t>(i)].kind == k->first && sources_[static_cast<size_t>(i)].name == k->second)
        return i;
    return -1;
  };
  shown_ = find(shownKey);
  compared_ = find(comparedKey);
  refreshBoxes();
}

void PytreeInspectorPanel::refreshBoxes() {
  updatingBoxes_ = true;
  sourceBox_->clear();
  compareBox_->clear();
  compareBox_->addItem(tr("No comparison"));
  for (const Source& s : sources_) {
    sourceBox_->addItem(s.name);
    compareBox_->addItem(s.name);
  }
  sourceBox_->setCurrentIndex(shown_);
  compareBox_->setCurrentIndex(compared_ + 1);
  updatingBoxes_ = false;
}

void PytreeInspectorPanel::setInitModel(const nlohmann::json& modelSpec, uint64_t seed) {
  Source s{.kind = Kind::init, .name = tr("Model at init (seed %1)").arg(seed)};
  s.inputShape = specInputShape(modelSpec);
  try {
    s.snapshot = std::make_shared<const TrainSnapshot>(engine::train::snapshot_at_init(modelSpec, seed));
  } catch (const std::exception& e) {
    s.error = tr("The model cannot be initialized: %1").arg(qstr(e.what()));
  }
  const bool wasShown = shown_ >= 0 && sources_[static_cast<size_t>(shown_)].kind == Kind::init;
  std::vector<Source> v;
  v.push_back(std::move(s));
  replaceSources(Kind::init, std::move(v));
  if (wasShown || shown_ < 0) showSource(0);
}

void PytreeInspectorPanel::setLiveSnapshot(std::shared_ptr<const TrainSnapshot> snapshot, qint64 runId,
                                           const nlohmann::json& modelSpec) {
  if (!snapshot) return;
  Source s{.kind = Kind::live,
           .name = tr("Training run #%1, epoch %2").arg(runId).arg(snapshot->epoch),
           .runId = runId,
           .snapshot = std::move(snapshot)};
  s.inputShape = specInputShape(modelSpec);
  const bool follow = shown_ < 0 || sources_[static_cast<size_t>(shown_)].kind != Kind::checkpoint;
  std::vector<Source> v;
  v.push_back(std::move(s));
  replaceSources(Kind::live, std::move(v));
  if (follow) {
    for (int i = 0; i < sourceCount(); ++i)
      if (sources_[static_cast<size_t>(i)].kind == Kind::live) showSource(i);
  }
}

void PytreeInspectorPanel::setRunCheckpoints(qint64 runId, const std::vector<engine::runs::Checkpoint>& checkpoints,
                                             const nlohmann::json& modelSpec) {
  const bool wasShown = shown_ >= 0 && sources_[static_cast<size_t>(shown_)].kind == Kind::checkpoint;
  std::vector<Source> v;
  for (const engine::runs::Checkpoint& c : checkpoints) {
    const std::string path = c.path;
    Source s{.kind = Kind::checkpoint,
             .name = tr("Run #%1, checkpoint at step %2").arg(runId).arg(c.step),
             .runId = runId,
             .load = [path] { return engine::train::snapshot_from_checkpoint(path); }};
    s.inputShape = specInputShape(modelSpec);
    v.push_back(std::move(s));
  }
  replaceSources(Kind::checkpoint, std::move(v));
  if (wasShown && shown_ < 0) {
    // The run's checkpoint that was shown is gone from the list: show the new run's latest.
    for (int i = sourceCount() - 1; i >= 0; --i)
      if (sources_[static_cast<size_t>(i)].kind == Kind::checkpoint) {
        showSource(i);
        return;
      }
  }
  if (shown_ < 0 && sourceCount() > 0) showSource(sourceCount() - 1);
  updateEmptyState();
}

QString PytreeInspectorPanel::load(Source& s) {
  if (s.snapshot || !s.error.isEmpty()) return s.error;
  if (!s.load) return s.error = tr("Nothing to load");
  try {
    s.snapshot = std::make_shared<const TrainSnapshot>(s.load());
  } catch (const std::exception& e) {
    s.error = qstr(e.what());
  }
  return s.error;
}

QString PytreeInspectorPanel::showSource(int i) {
  if (i < 0 || i >= sourceCount()) return tr("No source %1").arg(i);
  const QString keep = selectedPath();
  shown_ = i;
  refreshBoxes();
  Source& s = sources_[static_cast<size_t>(i)];
  QString error = load(s);
  if (error.isEmpty()) {
    try {
      model_->setTree(s.snapshot->tree());
    } catch (const std::exception& e) {
      error = qstr(e.what());
    }
  }
  if (!error.isEmpty()) {
    model_->setTree({});
    emit errorOccurred(error);
  } else {
    tree_->expandAll();
    // The same leaf as before (following a live run epoch by epoch), else the first matrix.
    if (keep.isEmpty() || !selectPath(keep)) {
      QString first;
      for (const auto& [path, leaf] : engine::tree_flatten_with_path(s.snapshot->variables))
        if (first.isEmpty() && leaf.rank() >= 2) first = qstr(path.slash());
      if (first.isEmpty() && model_->leafCount() > 0)
        first = qstr(engine::tree_flatten_with_path(s.snapshot->variables).front().first.slash());
      selectPath(first);
    }
    int64_t params = 0;
    if (s.snapshot->variables.contains("params"))
      for (const auto& [p, leaf] : engine::tree_flatten_with_path(s.snapshot->variables["params"])) params += leaf.size();
    QString text = tr("%1 parameters · %2 leaves · %3 in all")
                       .arg(QLocale::system().toString(static_cast<qlonglong>(params)))
                       .arg(model_->leafCount())
                       .arg(bytesText(model_->totalBytes()));
    if (s.kind != Kind::init) text += tr(" · step %1").arg(s.snapshot->step);
    status_->setText(text);
  }
  updateEmptyState();
  if (compared_ >= 0) compareWith(compared_);
  return error;
}

QString PytreeInspectorPanel::compareWith(int i) {
  compared_ = i >= 0 && i < sourceCount() ? i : -1;
  refreshBoxes();
  if (compared_ < 0 || shown_ < 0) {
    diff_->clear();
    diffNote_->setText(tr("Choose a source in \"Compare with\" to see each leaf's change against it."));
    return {};
  }
  Source& other = sources_[static_cast<size_t>(compared_)];
  const Source& mine = sources_[static_cast<size_t>(shown_)];
  QString error = load(other);
  if (error.isEmpty() && !mine.snapshot) error = mine.error;
  if (error.isEmpty()) {
    try {
      diff_->setTrees(other.snapshot->tree(), mine.snapshot->tree());
    } catch (const std::exception& e) {
      error = qstr(e.what());
    }
  }
  if (!error.isEmpty()) {
    diff_->clear();
    diffNote_->setText(tr("Cannot compare with %1: %2").arg(other.name, error));
    return error;
  }
  diffNote_->setText(tr("%1 − %2: %3 of %4 leaves changed")
                         .arg(mine.name, other.name)
                         .arg(diff_->changedCount())
                         .arg(diff_->rowCount()));
  return {};
}

bool PytreeInspectorPanel::selectPath(const QString& slashPath) {
  const QModelIndex idx = model_->indexOfPath(slashPath);
  if (!idx.isValid()) return false;
  tree_->setCurrentIndex(idx);
  tree_->scrollTo(idx);
  return true;
}

QString PytreeInspectorPanel::selectedPath() const { return model_->pathAt(tree_->currentIndex()); }

void PytreeInspectorPanel::onCurrentChanged() {
  const QModelIndex idx = tree_->currentIndex();
  const QString path = model_->pathAt(idx);
  const std::optional<engine::Array> leaf = model_->leafAt(idx);
  if (!leaf) {
    histogram_->clearHistogram();
    heatmap_->clearMatrix();
    histogramNote_->setText(idx.isValid() ? tr("%1 is a container: select a leaf to see its values.").arg(path)
                                          : tr("Select a leaf in the tree to see its values."));
  } else {
    const engine::Histogram h = engine::histogram(*leaf, LeafHistogramPlot::kBins);
    histogram_->showHistogram(h, tr("%1 (%2 values)").arg(path).arg(QLocale::system().toString(leaf->size())));
    nonfinite_ = h.nonfinite;
    updateStatsNote();
    if (LeafHeatmapPlot::hasHeatmap(*leaf)) heatmap_->showMatrix(*leaf, path);
    else heatmap_->clearMatrix();
  }
  tabs_->setTabEnabled(1, leaf && LeafHeatmapPlot::hasHeatmap(*leaf));
  showWeights(path);
}

void PytreeInspectorPanel::updateStatsNote() {
  const QModelIndex idx = tree_->currentIndex();
  if (!model_->leafAt(idx)) return;
  QString note;
  if (const auto s = model_->statsAt(idx))
    note = tr("mean %1 · std %2 · min %3 · max %4 · L2 norm %5")
               .arg(statText(s->mean), statText(s->std), statText(s->min), statText(s->max), statText(s->norm));
  else
    note = tr("statistics are being computed…");
  if (nonfinite_ > 0) note += tr(" · %1 NaN/inf values not drawn").arg(nonfinite_);
  histogramNote_->setText(note);
}

void PytreeInspectorPanel::showWeights(const QString& path) {
  const std::optional<engine::Shape> input =
      shown_ >= 0 ? sources_[static_cast<size_t>(shown_)].inputShape : std::nullopt;
  std::optional<WeightImages> w;
  QString shownPath;
  if (const auto leaf = model_->leafAt(model_->indexOfPath(path))) {
    w = weightImages(*leaf, input, kWeightTiles, 1);
    shownPath = path;
  }
  // Otherwise the first Dense layer that reads the image, else the first conv kernel.
  if (!w && shown_ >= 0 && sources_[static_cast<size_t>(shown_)].snapshot) {
    const auto leaves = engine::tree_flatten_with_path(sources_[static_cast<size_t>(shown_)].snapshot->variables);
    for (int rank : {2, 4})
      for (const auto& [p, t] : leaves) {
        const std::string sp = p.slash();
        if (w || t.rank() != rank || sp.rfind("params/", 0) != 0 || !sp.ends_with("/kernel")) continue;
        if ((w = weightImages(t.array(), input, kWeightTiles, 1))) shownPath = qstr(sp);
      }
  }
  if (!w) {
    weightImage_->setPixmap({});
    weightCaption_->setText(tr("No weights to draw as images: select a Dense kernel whose inputs are the model's "
                               "input image, or a conv kernel."));
    return;
  }
  // The largest whole number of pixels per weight that fits the view (so tiles and gaps stay
  // even); when even one does not fit, scaled down smoothly.
  QSize room = weightScroll_->viewport()->size() - QSize(4, 4);
  if (room.width() < 100 || room.height() < 100) room = QSize(std::max(200, tabs_->width() - 48), 600);
  const int scale = std::max(1, std::min(room.width() / w->image.width(), room.height() / w->image.height()));
  if (scale > 1) w = weightImages(*model_->leafAt(model_->indexOfPath(shownPath)), input, kWeightTiles, scale);
  const bool fits = w->image.width() <= room.width() && w->image.height() <= room.height();
  weightImage_->setPixmap(QPixmap::fromImage(fits ? w->image : w->image.scaled(room, Qt::KeepAspectRatio,
                                                                               Qt::SmoothTransformation)));
  QString caption = tr("%1: %2").arg(shownPath, w->what);
  if (w->shown < w->total) caption += tr(" (the first %1 shown)").arg(w->shown);
  caption += tr(". Blue negative, red positive, each tile scaled to its own largest |w|.");
  weightCaption_->setText(caption);
}

void PytreeInspectorPanel::updateEmptyState() {
  const bool showing = shown_ >= 0 && sources_[static_cast<size_t>(shown_)].snapshot && model_->rowCount() > 0;
  if (showing) {
    stack_->setCurrentIndex(1);
    return;
  }
  QString text = tr("No tree to show. Build a model in the Model Builder, start a training run (each epoch's "
                    "parameters appear here), or select a run with checkpoints in Run History.");
  if (shown_ >= 0 && !sources_[static_cast<size_t>(shown_)].error.isEmpty())
    text = tr("%1 cannot be shown: %2").arg(sources_[static_cast<size_t>(shown_)].name,
                                            sources_[static_cast<size_t>(shown_)].error);
  empty_->setText(text);
  status_->setText(sourceCount() == 0 ? tr("No sources yet") : QString());
  stack_->setCurrentIndex(0);
}

}  // namespace gs
