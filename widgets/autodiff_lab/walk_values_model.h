// The values of the Autodiff Lab's current step as a table: one row per variable the equation
// read or wrote, with its type, value and derivative (tangent in JVP, cotangent in VJP). For a
// backward (transpose) step the rows are cotangents: of the equation's outputs, then of the
// linear inputs it passed them on to. TensorRole gives a row's tensor for the heatmap.
#pragma once
#include <QAbstractTableModel>

#include "engine/transforms/autodiff_walk.h"

namespace gs {

class WalkValuesModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Role, Variable, Type, Value, Derivative, ColumnCount };
  static constexpr int TensorRole = Qt::UserRole + 1;     // the value (engine::Tensor)
  static constexpr int DerivativeRole = Qt::UserRole + 2;  // the derivative (engine::Tensor)

  using QAbstractTableModel::QAbstractTableModel;
  // Empty record: no step yet. derivativeName: "tangent" or "cotangent" (header of column 4).
  void setRecord(const engine::WalkRecord* record, const QString& derivativeName);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

  const engine::WalkValue* valueAt(int row) const;

 private:
  struct Row {
    bool write;
    engine::WalkValue v;
  };
  std::vector<Row> rows_;
  bool backward_ = false;
  QString derivativeName_ = tr("tangent");
};

}  // namespace gs
