#include "widgets/model_builder/spec_commands.h"

#include "widgets/common/qt_convert.h"
#include "widgets/model_builder/model_spec_model.h"

namespace gs {

namespace {
QString typeOf(const nlohmann::json& layer) {
  if (layer.is_object() && layer.contains("type") && layer["type"].is_string())
    return qstr(layer["type"].get<std::string>());
  return QObject::tr("layer");
}
}  // namespace

AddLayerCommand::AddLayerCommand(ModelSpecModel* model, int row, nlohmann::json layer,
                                 const QString& text)
    : QUndoCommand(text), model_(model), row_(row), layer_(std::move(layer)) {}
void AddLayerCommand::redo() {
  model_->insertLayer(row_, layer_);
}
void AddLayerCommand::undo() {
  model_->takeLayer(row_);
}

RemoveLayerCommand::RemoveLayerCommand(ModelSpecModel* model, int row)
    : model_(model), row_(row), layer_(model->layer(row)) {
  setText(QObject::tr("Remove %1").arg(typeOf(layer_)));
}
void RemoveLayerCommand::redo() {
  model_->takeLayer(row_);
}
void RemoveLayerCommand::undo() {
  model_->insertLayer(row_, layer_);
}

MoveLayerCommand::MoveLayerCommand(ModelSpecModel* model, int from, int to)
    : model_(model), from_(from), to_(to) {
  setText(QObject::tr("Move %1").arg(typeOf(model->layer(from))));
}
void MoveLayerCommand::redo() {
  model_->moveLayer(from_, to_);
}
void MoveLayerCommand::undo() {
  model_->moveLayer(to_, from_);
}

EditFieldCommand::EditFieldCommand(ModelSpecModel* model, int row, const std::string& field,
                                   nlohmann::json value)
    : model_(model), row_(row), before_(model->layer(row)), after_(before_) {
  if (value.is_null())
    after_.erase(field);
  else
    after_[field] = std::move(value);
  setText(QObject::tr("Set %1 of %2").arg(qstr(field), typeOf(before_)));
}
void EditFieldCommand::redo() {
  model_->setLayer(row_, after_);
}
void EditFieldCommand::undo() {
  model_->setLayer(row_, before_);
}

RenameModelCommand::RenameModelCommand(ModelSpecModel* model, const QString& name)
    : QUndoCommand(QObject::tr("Rename model")),
      model_(model),
      before_(model->modelName()),
      after_(name) {}
void RenameModelCommand::redo() {
  model_->setModelName(after_);
}
void RenameModelCommand::undo() {
  model_->setModelName(before_);
}

SetInputShapeCommand::SetInputShapeCommand(ModelSpecModel* model, nlohmann::json shape)
    : QUndoCommand(QObject::tr("Set input shape")), model_(model), after_(std::move(shape)) {
  const nlohmann::json& own = model->ownSpec();
  if (own.is_object() && own.contains("input_shape")) before_ = own["input_shape"];
}
void SetInputShapeCommand::redo() {
  model_->setSpecField("input_shape", after_);
}
void SetInputShapeCommand::undo() {
  model_->setSpecField("input_shape", before_);
}

ReplaceSpecCommand::ReplaceSpecCommand(ModelSpecModel* model, nlohmann::json spec,
                                       const QString& text)
    : QUndoCommand(text), model_(model), before_(model->ownSpec()), after_(std::move(spec)) {}
void ReplaceSpecCommand::redo() {
  model_->resetSpec(after_);
}
void ReplaceSpecCommand::undo() {
  model_->resetSpec(before_);
}

}  // namespace gs
