// The Model Builder's palette: the layer catalog as a two-level tree, categories ("core",
// "convolution", ...) holding their layer types, each with its one-line doc as tooltip. Layer
// items drag as ModelSpecModel::kTypeMime, which the layer list accepts as a new layer.
#pragma once
#include <QStandardItemModel>

namespace gs {

class LayerPaletteModel : public QStandardItemModel {
  Q_OBJECT
 public:
  // The layer type of a layer item ("dense"); categories have none.
  static constexpr int TypeRole = Qt::UserRole + 1;

  explicit LayerPaletteModel(QObject* parent = nullptr);
  // "" for a category or an invalid index.
  QString typeAt(const QModelIndex& index) const;
  // The item of a layer type (invalid when unknown).
  QModelIndex indexOfType(const QString& type) const;

  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;
  Qt::DropActions supportedDragActions() const override { return Qt::CopyAction; }
};

}  // namespace gs
