// The Model Builder's property editor: the selected layer's fields, one editor per field built
// from the layer catalog (QSpinBox for integers, a checked line edit for numbers such as 1e-5,
// QCheckBox, two spin boxes for (height, width) pairs, QComboBox for choices), with the catalog's
// ranges so that out-of-range values are refused. It owns no data: each committed edit is
// reported by fieldEdited, which the panel turns into one undo command.
#pragma once
#include <QWidget>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/nn/layer_catalog.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace gs {

class LayerPropertyEditor : public QWidget {
  Q_OBJECT
 public:
  explicit LayerPropertyEditor(QWidget* parent = nullptr);

  // Shows layer `row` (its spec JSON) named `name` ("Conv_0"); the editors are rebuilt only
  // when the row or the type changed, otherwise their values are updated in place.
  void showLayer(int row, const nlohmann::json& layer, const QString& name);
  void clear();
  int row() const { return row_; }
  // The editor of a field: a QSpinBox, QLineEdit, QCheckBox, QComboBox, or (int_pair) a QWidget
  // holding two QSpinBoxes; nullptr when the shown layer has no such field.
  QWidget* editorFor(const QString& field) const;

 signals:
  // A committed edit of a field to a valid value.
  void fieldEdited(int row, const QString& field, const nlohmann::json& value);

 private:
  struct Editor {
    engine::nn::FieldDef def;
    QWidget* widget = nullptr;
    QLabel* label = nullptr;
    QSpinBox* first = nullptr;
    QSpinBox* second = nullptr;
    QLineEdit* line = nullptr;
    QCheckBox* check = nullptr;
    QComboBox* combo = nullptr;
  };
  void rebuild(const engine::nn::LayerDef* def);
  void updateValues(const nlohmann::json& layer);
  Editor makeEditor(const engine::nn::FieldDef& f);
  void commit(const Editor& e, const nlohmann::json& value);
  nlohmann::json valueOf(const Editor& e) const;

  int row_ = -1;
  std::string type_;
  nlohmann::json layer_;
  bool updating_ = false;
  QLabel* title_ = nullptr;
  QLabel* doc_ = nullptr;
  QLabel* message_ = nullptr;
  QWidget* form_ = nullptr;
  std::vector<Editor> editors_;
};

}  // namespace gs
