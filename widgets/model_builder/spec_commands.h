// The Model Builder's undoable edits: each QUndoCommand changes the ModelSpecModel through its
// mutators and undo restores the exact JSON it found.
#pragma once
#include <QUndoCommand>
#include <nlohmann/json.hpp>

namespace gs {

class ModelSpecModel;

// Inserts a layer at `row` (add from the palette, duplicate, drop).
class AddLayerCommand : public QUndoCommand {
 public:
  AddLayerCommand(ModelSpecModel* model, int row, nlohmann::json layer, const QString& text);
  void redo() override;
  void undo() override;

 private:
  ModelSpecModel* model_;
  int row_;
  nlohmann::json layer_;
};

class RemoveLayerCommand : public QUndoCommand {
 public:
  RemoveLayerCommand(ModelSpecModel* model, int row);
  void redo() override;
  void undo() override;

 private:
  ModelSpecModel* model_;
  int row_;
  nlohmann::json layer_;
};

// Moves the layer at `from` so that it ends at index `to` (move up/down, drag).
class MoveLayerCommand : public QUndoCommand {
 public:
  MoveLayerCommand(ModelSpecModel* model, int from, int to);
  void redo() override;
  void undo() override;

 private:
  ModelSpecModel* model_;
  int from_, to_;
};

// Sets one field of a layer; a null value removes the field (the reader's default applies).
class EditFieldCommand : public QUndoCommand {
 public:
  EditFieldCommand(ModelSpecModel* model, int row, const std::string& field, nlohmann::json value);
  void redo() override;
  void undo() override;

 private:
  ModelSpecModel* model_;
  int row_;
  nlohmann::json before_, after_;
};

class RenameModelCommand : public QUndoCommand {
 public:
  RenameModelCommand(ModelSpecModel* model, const QString& name);
  void redo() override;
  void undo() override;

 private:
  ModelSpecModel* model_;
  QString before_, after_;
};

// Sets the spec's own input_shape (used when no data set gives one).
class SetInputShapeCommand : public QUndoCommand {
 public:
  SetInputShapeCommand(ModelSpecModel* model, nlohmann::json shape);
  void redo() override;
  void undo() override;

 private:
  ModelSpecModel* model_;
  nlohmann::json before_, after_;
};

// Replaces the whole spec (load a file, a template).
class ReplaceSpecCommand : public QUndoCommand {
 public:
  ReplaceSpecCommand(ModelSpecModel* model, nlohmann::json spec, const QString& text);
  void redo() override;
  void undo() override;

 private:
  ModelSpecModel* model_;
  nlohmann::json before_, after_;
};

}  // namespace gs
