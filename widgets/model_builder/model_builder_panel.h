// The Model Builder panel: a palette of layers, the layer list with live output shapes and
// parameter counts, a property editor for the selected layer, a block diagram, templates, and
// save/load of the spec JSON that `gradient-cli train --model FILE.json` reads. Every edit is an
// undoable command on undoStack() (Ctrl+Z / Ctrl+Y on the panel).
#pragma once
#include <QWidget>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

class QAction;
class QLabel;
class QLineEdit;
class QTableView;
class QTreeView;
class QUndoStack;

namespace gs {

class BlockDiagramView;
class LayerPaletteModel;
class LayerPropertyEditor;
class ModelSpecModel;

class ModelBuilderPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ModelBuilderPanel(QWidget* parent = nullptr);
  nlohmann::json spec() const;               // the current spec (model_spec.h format)
  void setSpec(const nlohmann::json& spec);  // one undoable step ("Load model")
  // follows the dataset; not undoable
  void setInputShape(const std::vector<int64_t>& shapeWithoutBatch);
  QUndoStack* undoStack() const;
  bool isValid() const;                   // every layer fits
  QString problem() const;                // first problem, "" when valid
  QString loadFile(const QString& path);  // "" on success, else the message (names the file)
  QString saveFile(const QString& path);  // "" on success
  QString currentFile() const;
  void selectLayer(int row);

 signals:
  void specChanged();
  void validityChanged(bool ok, const QString& problem);

 private:
  void buildUi();
  QWidget* buildToolBar();
  int currentRow() const;
  // Adds a layer of `type` after the selected one (at the end when none is selected).
  void addLayer(const QString& type);
  void removeCurrent();
  void duplicateCurrent();
  void moveCurrent(int step);
  void applyTemplate(const QString& name);
  void chooseLoad();
  void chooseSave();
  void onSpecChanged();
  void commitInputShape();
  void onCurrentRowChanged();
  void showMessage();

  ModelSpecModel* model_ = nullptr;
  QUndoStack* undo_ = nullptr;
  LayerPaletteModel* paletteModel_ = nullptr;
  QTreeView* palette_ = nullptr;
  QTableView* table_ = nullptr;
  LayerPropertyEditor* editor_ = nullptr;
  BlockDiagramView* diagram_ = nullptr;
  QLabel* total_ = nullptr;
  QLabel* message_ = nullptr;
  QLineEdit* input_ = nullptr;
  QLabel* inputSource_ = nullptr;
  QLineEdit* name_ = nullptr;
  QAction* removeAction_ = nullptr;
  QAction* duplicateAction_ = nullptr;
  QAction* upAction_ = nullptr;
  QAction* downAction_ = nullptr;
  QString file_;
  bool ok_ = true;
  QString problem_;
};

}  // namespace gs
