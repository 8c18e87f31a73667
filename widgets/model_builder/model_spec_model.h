// The Model Builder's data and Qt model: a model spec (engine/nn/model_spec.h JSON) and its
// check_spec() report, one row per layer. The mutators below are what the undo commands
// (spec_commands.h) call; every one re-runs the checker (shape inference only, cheap) and emits
// specChanged().
//
// Drag and drop: rows drag as kRowsMime (their indices) and drop as a move; the palette's items
// drag as kTypeMime (a layer type) and drop as a new layer. With an undo stack set, drops become
// undoable commands. Both are copy actions for the view, so a view never removes the dragged rows
// itself: the model moves them.
#pragma once
#include <QAbstractTableModel>
#include <QColor>
#include <nlohmann/json.hpp>
#include <optional>

#include "engine/nn/spec_check.h"

class QUndoStack;

namespace gs {

class ModelSpecModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  // Type comes first because a row's first column must keep its data when rows are inserted
  // above it (QAbstractItemModelTester checks that); the index and the Flax name ("Dense_1")
  // renumber. Views show the index first (ModelBuilderPanel moves the sections).
  enum Column {
    TypeColumn,
    IndexColumn,
    NameColumn,
    ShapeColumn,
    ParamsColumn,
    StatusColumn,
    ColumnCount
  };
  // Extra roles: the layer's JSON (as a compact string) and its LayerStatus (int).
  enum Role { LayerJsonRole = Qt::UserRole + 1, StatusRole };
  static constexpr const char* kRowsMime = "application/x-gradient-studio-layer-rows";
  static constexpr const char* kTypeMime = "application/x-gradient-studio-layer-type";

  explicit ModelSpecModel(QObject* parent = nullptr);

  // The spec as the CLI reads it; input_shape is the data set's when one was set.
  nlohmann::json spec() const;
  // The spec as loaded and edited, without the data set's input shape.
  const nlohmann::json& ownSpec() const { return spec_; }
  const nlohmann::json& layer(int row) const;
  int layerCount() const;
  QString modelName() const;
  const engine::nn::SpecReport& report() const { return report_; }
  std::optional<engine::Shape> inputShape() const { return inputShape_; }
  // "Total: 407,050 parameters" (or the valid prefix's, with a note, when a layer is wrong).
  QString totalText() const;

  // ---- mutators (the undo commands' primitives)
  void resetSpec(const nlohmann::json& spec);
  void insertLayer(int row, const nlohmann::json& layer);
  nlohmann::json takeLayer(int row);
  // Moves a layer so that it ends up at index `to`.
  void moveLayer(int from, int to);
  void setLayer(int row, const nlohmann::json& layer);
  void setModelName(const QString& name);
  // Sets a top-level field of the spec ("input_shape"); a null value removes it.
  void setSpecField(const std::string& key, const nlohmann::json& value);
  // The data set's example shape (without batch); nullopt: the spec's own input_shape.
  void setInputShape(std::optional<engine::Shape> shape);
  // Drops push commands here when set; otherwise they edit the model directly.
  void setUndoStack(QUndoStack* stack) { undo_ = stack; }

  // ---- QAbstractItemModel
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;
  bool canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                       const QModelIndex& parent) const override;
  bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                    const QModelIndex& parent) override;
  Qt::DropActions supportedDropActions() const override { return Qt::CopyAction | Qt::MoveAction; }
  Qt::DropActions supportedDragActions() const override { return Qt::CopyAction; }

  static QColor errorColor();

 signals:
  // After every change of the spec, the input shape or the report.
  void specChanged();

 private:
  void recheck();
  nlohmann::json& layersRef();

  nlohmann::json spec_;
  std::optional<engine::Shape> inputShape_;
  engine::nn::SpecReport report_;
  QUndoStack* undo_ = nullptr;
};

// "1,234,567" (the locale-independent digit grouping the builder shows).
QString groupedNumber(int64_t n);

}  // namespace gs
