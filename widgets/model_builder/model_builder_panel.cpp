#include "widgets/model_builder/model_builder_panel.h"

#include <QAction>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QTreeView>
#include <QUndoStack>
#include <QVBoxLayout>

#include "engine/nn/layer_catalog.h"
#include "engine/nn/model_spec.h"
#include "engine/train/run_config.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/model_builder/block_diagram_view.h"
#include "widgets/model_builder/layer_palette_model.h"
#include "widgets/model_builder/layer_property_editor.h"
#include "widgets/model_builder/model_spec_model.h"
#include "widgets/model_builder/spec_commands.h"

namespace gs {

using json = nlohmann::json;

namespace {
// "28, 28, 1", as the input shape field shows and reads it.
QString dimsText(const std::optional<engine::Shape>& shape) {
  QStringList dims;
  if (shape)
    for (int64_t d : *shape) dims << QString::number(d);
  return dims.join(", ");
}
}  // namespace

ModelBuilderPanel::ModelBuilderPanel(QWidget* parent) : QWidget(parent) {
  model_ = new ModelSpecModel(this);
  undo_ = new QUndoStack(this);
  model_->setUndoStack(undo_);
  paletteModel_ = new LayerPaletteModel(this);
  buildUi();
  connect(model_, &ModelSpecModel::specChanged, this, &ModelBuilderPanel::onSpecChanged);
  // Start from the MLP, not undoable: the first thing a user sees is a working model.
  model_->resetSpec(engine::nn::builtin_spec("mlp"));
}

QWidget* ModelBuilderPanel::buildToolBar() {
  auto* bar = new QWidget;
  auto* row = new QHBoxLayout(bar);
  row->setContentsMargins(0, 0, 0, 0);
  auto button = [&](QAction* action, const QString& name, const QString& tip) {
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(action);
    described(action, tip);
    auto* b = named(new QToolButton, name, action->toolTip());
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    row->addWidget(b);
    return b;
  };
  auto* add = new QAction(tr("Add"), this);
  add->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  connect(add, &QAction::triggered, this, [this] {
    const QString type = paletteModel_->typeAt(palette_->currentIndex());
    addLayer(type.isEmpty() ? QStringLiteral("dense") : type);
  });
  button(add, "Add", tr("Add the layer chosen in the palette after the selected one"));
  removeAction_ = new QAction(tr("Remove"), this);
  removeAction_->setShortcut(QKeySequence::Delete);
  connect(removeAction_, &QAction::triggered, this, &ModelBuilderPanel::removeCurrent);
  button(removeAction_, "Remove", tr("Remove the selected layer"));
  duplicateAction_ = new QAction(tr("Duplicate"), this);
  duplicateAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
  connect(duplicateAction_, &QAction::triggered, this, &ModelBuilderPanel::duplicateCurrent);
  button(duplicateAction_, "Duplicate", tr("Insert a copy of the selected layer below it"));
  upAction_ = new QAction(tr("Move up"), this);
  upAction_->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Up));
  connect(upAction_, &QAction::triggered, this, [this] { moveCurrent(-1); });
  button(upAction_, "Move up", tr("Move the selected layer up"));
  downAction_ = new QAction(tr("Move down"), this);
  downAction_->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Down));
  connect(downAction_, &QAction::triggered, this, [this] { moveCurrent(1); });
  button(downAction_, "Move down", tr("Move the selected layer down"));
  row->addSpacing(12);
  // Fixed button texts (the toolbar does not jump); the tooltip names the step.
  auto* undo = new QAction(tr("Undo"), this);
  undo->setShortcut(QKeySequence::Undo);
  connect(undo, &QAction::triggered, undo_, &QUndoStack::undo);
  button(undo, "Undo", tr("Undo the last edit"));
  auto* redo = new QAction(tr("Redo"), this);
  redo->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Y), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z)});
  connect(redo, &QAction::triggered, undo_, &QUndoStack::redo);
  button(redo, "Redo", tr("Redo the last undone edit"));
  auto syncUndo = [=, this] {
    undo->setEnabled(undo_->canUndo());
    redo->setEnabled(undo_->canRedo());
    undo->setToolTip(undo_->canUndo() ? tr("Undo %1 (Ctrl+Z)").arg(undo_->undoText())
                                      : tr("Nothing to undo"));
    redo->setToolTip(undo_->canRedo() ? tr("Redo %1 (Ctrl+Y)").arg(undo_->redoText())
                                      : tr("Nothing to redo"));
  };
  connect(undo_, &QUndoStack::indexChanged, this, syncUndo);
  connect(undo_, &QUndoStack::cleanChanged, this, syncUndo);
  syncUndo();
  row->addSpacing(12);
  auto* templates =
      named(new QToolButton, "Templates", tr("Replace the model by a template (undoable)"));
  templates->setText(tr("Templates"));
  templates->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(templates);
  for (const QString& t : {tr("MLP"), tr("CNN"), tr("Linear"), tr("Empty")})
    menu->addAction(t, this, [this, t] { applyTemplate(t); });
  templates->setMenu(menu);
  row->addWidget(templates);
  auto* load = new QAction(tr("Load…"), this);
  load->setShortcut(QKeySequence::Open);
  connect(load, &QAction::triggered, this, &ModelBuilderPanel::chooseLoad);
  button(load, "Load", tr("Load a model spec JSON file"));
  auto* save = new QAction(tr("Save…"), this);
  save->setShortcut(QKeySequence::Save);
  connect(save, &QAction::triggered, this, &ModelBuilderPanel::chooseSave);
  button(save, "Save", tr("Save the model spec as JSON (gradient-cli train --model FILE.json)"));
  row->addSpacing(12);
  auto* nameLabel = new QLabel(tr("Name:"));
  name_ = named(new QLineEdit, "Model name", tr("The model's name, saved in the spec"));
  name_->setMaximumWidth(200);
  nameLabel->setBuddy(name_);
  connect(name_, &QLineEdit::editingFinished, this, [this] {
    if (name_->text() != model_->modelName())
      undo_->push(new RenameModelCommand(model_, name_->text()));
  });
  row->addWidget(nameLabel);
  row->addWidget(name_);
  row->addStretch(1);
  auto* inputLabel = new QLabel(tr("Input:"));
  input_ = named(new QLineEdit, "Input shape",
                 tr("The shape of one input example without the batch axis, e.g. 28, 28, 1 (set by "
                    "the data set when one is chosen)"));
  input_->setMaximumWidth(120);
  inputLabel->setBuddy(input_);
  connect(input_, &QLineEdit::editingFinished, this, &ModelBuilderPanel::commitInputShape);
  inputSource_ = new QLabel;
  row->addWidget(inputLabel);
  row->addWidget(input_);
  row->addWidget(inputSource_);
  return bar;
}

void ModelBuilderPanel::buildUi() {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildToolBar());

  palette_ = named(
      new QTreeView, "Layer palette",
      tr("Layer types by category: double-click, press Add, or drag one onto the layer list"));
  palette_->setModel(paletteModel_);
  palette_->setHeaderHidden(true);
  palette_->setDragEnabled(true);
  palette_->setDragDropMode(QAbstractItemView::DragOnly);
  palette_->setDefaultDropAction(Qt::CopyAction);
  palette_->expandAll();
  connect(palette_, &QTreeView::doubleClicked, this, [this](const QModelIndex& i) {
    if (!paletteModel_->typeAt(i).isEmpty()) addLayer(paletteModel_->typeAt(i));
  });
  editor_ = named(new LayerPropertyEditor, "Layer properties", tr("The selected layer's fields"));
  connect(editor_, &LayerPropertyEditor::fieldEdited, this,
          [this](int row, const QString& field, const json& value) {
            undo_->push(new EditFieldCommand(model_, row, stdstr(field), value));
          });
  auto* editorScroll = new QScrollArea;
  editorScroll->setWidget(editor_);
  editorScroll->setWidgetResizable(true);
  editorScroll->setFrameShape(QFrame::NoFrame);
  auto* paletteBox = new QGroupBox(tr("Palette"));
  (new QVBoxLayout(paletteBox))->addWidget(palette_);
  auto* editorBox = new QGroupBox(tr("Properties"));
  (new QVBoxLayout(editorBox))->addWidget(editorScroll);
  auto* left = new QSplitter(Qt::Vertical);
  left->addWidget(paletteBox);
  left->addWidget(editorBox);
  left->setSizes({320, 420});

  table_ =
      named(new QTableView, "Layer list",
            tr("The model's layers in order, with output shape and parameters (drag to reorder)"));
  table_->setModel(model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setDragEnabled(true);
  table_->setAcceptDrops(true);
  table_->setDropIndicatorShown(true);
  table_->setDragDropMode(QAbstractItemView::DragDrop);
  table_->setDefaultDropAction(Qt::CopyAction);
  table_->setDragDropOverwriteMode(false);
  table_->verticalHeader()->hide();
  table_->setWordWrap(false);
  table_->setAlternatingRowColors(true);
  QHeaderView* h = table_->horizontalHeader();
  for (int c : {ModelSpecModel::IndexColumn, ModelSpecModel::NameColumn, ModelSpecModel::TypeColumn,
                ModelSpecModel::ShapeColumn, ModelSpecModel::ParamsColumn})
    h->setSectionResizeMode(c, QHeaderView::ResizeToContents);
  h->setSectionResizeMode(ModelSpecModel::StatusColumn, QHeaderView::Stretch);
  h->moveSection(h->visualIndex(ModelSpecModel::TypeColumn),
                 h->visualIndex(ModelSpecModel::NameColumn));
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          &ModelBuilderPanel::onCurrentRowChanged);
  message_ = named(new QLabel, "Layer message",
                   tr("The selected layer's problem, or the model's first problem"));
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QPalette p = message_->palette();
  p.setColor(QPalette::WindowText, ModelSpecModel::errorColor());
  message_->setPalette(p);
  total_ = named(new QLabel, "Total parameters",
                 tr("Parameters of the whole model and its output shape"));
  QFont bold = total_->font();
  bold.setBold(true);
  total_->setFont(bold);
  auto* middle = new QWidget;
  auto* mid = new QVBoxLayout(middle);
  mid->setContentsMargins(0, 0, 0, 0);
  mid->addWidget(table_, 1);
  mid->addWidget(message_);
  mid->addWidget(total_);

  diagram_ = named(new BlockDiagramView, "Block diagram",
                   tr("The model as blocks; click one to select its layer"));
  diagram_->setModel(model_);
  connect(diagram_, &BlockDiagramView::rowClicked, this, &ModelBuilderPanel::selectLayer);

  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(left);
  split->addWidget(middle);
  split->addWidget(diagram_);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 3);
  split->setStretchFactor(2, 2);
  split->setSizes({300, 610, 350});
  layout->addWidget(split, 1);
}

nlohmann::json ModelBuilderPanel::spec() const {
  return model_->spec();
}

void ModelBuilderPanel::setSpec(const nlohmann::json& spec) {
  undo_->push(new ReplaceSpecCommand(model_, spec, tr("Load model")));
}

void ModelBuilderPanel::setInputShape(const std::vector<int64_t>& shapeWithoutBatch) {
  model_->setInputShape(shapeWithoutBatch);
}

QUndoStack* ModelBuilderPanel::undoStack() const {
  return undo_;
}
bool ModelBuilderPanel::isValid() const {
  return model_->report().ok;
}
QString ModelBuilderPanel::problem() const {
  return qstr(model_->report().problem);
}
QString ModelBuilderPanel::currentFile() const {
  return file_;
}

QString ModelBuilderPanel::loadFile(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return tr("Cannot open %1: %2").arg(path, f.errorString());
  const QByteArray bytes = f.readAll();
  json spec;
  try {
    spec = engine::train::parse_json_document(bytes.toStdString(), path.toStdString());
  } catch (const engine::Error& e) {
    return qstr(e.what());  // "PATH:LINE:COLUMN: not valid JSON: why"
  }
  if (!spec.is_object()) return tr("%1 is not a model spec: it must be a JSON object").arg(path);
  // Problems of the spec as a whole cannot be fixed here; a layer's can, so those load and show.
  for (const engine::nn::SpecError& e : engine::nn::check_spec(spec).errors) {
    if (e.layer >= 0 || e.field.empty()) continue;
    if (e.field == "input_shape" && !spec.contains("input_shape"))
      continue;  // the data set gives it
    return tr("%1 is not a model spec: %2").arg(path, qstr(e.message));
  }
  undo_->push(new ReplaceSpecCommand(model_, spec, tr("Load %1").arg(QFileInfo(path).fileName())));
  file_ = path;
  if (model_->layerCount() > 0) selectLayer(0);
  return {};
}

QString ModelBuilderPanel::saveFile(const QString& path) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return tr("Cannot write %1: %2").arg(path, f.errorString());
  const std::string text = spec().dump(2) + "\n";
  f.write(text.data(), static_cast<qint64>(text.size()));
  if (!f.commit()) return tr("Cannot write %1: %2").arg(path, f.errorString());
  file_ = path;
  undo_->setClean();
  return {};
}

void ModelBuilderPanel::selectLayer(int row) {
  if (row < 0 || row >= model_->rowCount()) {
    table_->selectionModel()->clearCurrentIndex();
    table_->clearSelection();
    return;
  }
  table_->selectionModel()->setCurrentIndex(
      model_->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  table_->scrollTo(model_->index(row, 0));
}

int ModelBuilderPanel::currentRow() const {
  const QModelIndex i = table_->selectionModel()->currentIndex();
  return i.isValid() ? i.row() : -1;
}

void ModelBuilderPanel::addLayer(const QString& type) {
  if (!engine::nn::find_layer(stdstr(type))) return;
  const int row = currentRow() >= 0 ? currentRow() + 1 : model_->rowCount();
  undo_->push(new AddLayerCommand(model_, row, engine::nn::new_layer(stdstr(type)),
                                  tr("Add %1").arg(type)));
  selectLayer(row);
}

void ModelBuilderPanel::removeCurrent() {
  const int row = currentRow();
  if (row < 0) return;
  undo_->push(new RemoveLayerCommand(model_, row));
  selectLayer(std::min(row, model_->rowCount() - 1));
}

void ModelBuilderPanel::duplicateCurrent() {
  const int row = currentRow();
  if (row < 0) return;
  const json layer = model_->layer(row);
  const QString type = layer.is_object() && layer.contains("type") && layer["type"].is_string()
                           ? qstr(layer["type"].get<std::string>())
                           : tr("layer");
  undo_->push(new AddLayerCommand(model_, row + 1, layer, tr("Duplicate %1").arg(type)));
  selectLayer(row + 1);
}

void ModelBuilderPanel::moveCurrent(int step) {
  const int row = currentRow();
  const int to = row + step;
  if (row < 0 || to < 0 || to >= model_->rowCount()) return;
  undo_->push(new MoveLayerCommand(model_, row, to));
  selectLayer(to);
}

void ModelBuilderPanel::applyTemplate(const QString& name) {
  json spec;
  if (name == tr("Empty")) {
    spec = {{"name", "model"}, {"input_shape", json{28, 28, 1}}, {"layers", json::array()}};
    const json& own = model_->ownSpec();
    if (own.is_object() && own.contains("input_shape")) spec["input_shape"] = own["input_shape"];
  } else {
    spec = engine::nn::builtin_spec(stdstr(name.toLower()));
  }
  undo_->push(new ReplaceSpecCommand(model_, spec, tr("Template %1").arg(name)));
  if (model_->layerCount() > 0) selectLayer(0);
}

void ModelBuilderPanel::chooseLoad() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Load model spec"), QFileInfo(file_).path(),
                                   tr("Model specs (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  const QString error = loadFile(path);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Load model spec"), error);
}

void ModelBuilderPanel::chooseSave() {
  QString path = QFileDialog::getSaveFileName(
      this, tr("Save model spec"), file_.isEmpty() ? model_->modelName() + ".json" : file_,
      tr("Model specs (*.json)"));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += ".json";
  const QString error = saveFile(path);
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Save model spec"), error);
}

void ModelBuilderPanel::onSpecChanged() {
  const engine::nn::SpecReport& r = model_->report();
  total_->setText(model_->totalText());
  if (!name_->hasFocus() || name_->text() == model_->modelName())
    name_->setText(model_->modelName());
  if (!input_->hasFocus()) input_->setText(dimsText(r.input_shape));
  input_->setReadOnly(model_->inputShape().has_value());
  inputSource_->setText(model_->inputShape() ? tr("(from the data set)") : QString());
  onCurrentRowChanged();
  emit specChanged();
  const bool ok = r.ok;
  const QString problem = qstr(r.problem);
  if (ok != ok_ || problem != problem_) {
    ok_ = ok;
    problem_ = problem;
    emit validityChanged(ok, problem);
  }
}

void ModelBuilderPanel::commitInputShape() {
  if (model_->inputShape()) return;  // the data set's shape rules
  json shape = json::array();
  for (const QString& part :
       input_->text().split(QRegularExpression("[,x× ]+"), Qt::SkipEmptyParts)) {
    bool ok = false;
    const qlonglong d = part.toLongLong(&ok);
    if (!ok || d <= 0) {
      message_->setText(
          tr("Input shape: \"%1\" is not a list of positive integers such as 28, 28, 1")
              .arg(input_->text()));
      message_->setVisible(true);
      input_->setText(dimsText(model_->report().input_shape));
      return;
    }
    shape.push_back(d);
  }
  const json& own = model_->ownSpec();
  const json before = own.is_object() && own.contains("input_shape") ? own["input_shape"] : json();
  if (shape.empty() || shape == before) return;
  undo_->push(new SetInputShapeCommand(model_, shape));
}

void ModelBuilderPanel::onCurrentRowChanged() {
  const int row = currentRow();
  diagram_->setCurrentRow(row);
  if (row >= 0 && row < model_->layerCount())
    editor_->showLayer(row, model_->layer(row), qstr(model_->report().layers[row].name));
  else
    editor_->clear();
  for (QAction* a : {removeAction_, duplicateAction_}) a->setEnabled(row >= 0);
  upAction_->setEnabled(row > 0);
  downAction_->setEnabled(row >= 0 && row + 1 < model_->rowCount());
  showMessage();
}

void ModelBuilderPanel::showMessage() {
  const int row = currentRow();
  const engine::nn::SpecReport& r = model_->report();
  if (row >= 0 && row < model_->layerCount() && r.layers[row].status != engine::nn::LayerStatus::ok)
    message_->setText(qstr(r.layers[row].message));
  else if (!r.ok)
    message_->setText(tr("Problem: %1").arg(qstr(r.problem)));
  else
    message_->clear();
  message_->setVisible(!message_->text().isEmpty());
}

}  // namespace gs
