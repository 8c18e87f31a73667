#include "widgets/autodiff_lab/walk_values_model.h"

#include "widgets/autodiff_lab/tensor_view.h"

Q_DECLARE_METATYPE(engine::Tensor)

namespace gs {

void WalkValuesModel::setRecord(const engine::WalkRecord* record, const QString& derivativeName) {
  beginResetModel();
  rows_.clear();
  derivativeName_ = derivativeName;
  backward_ = record && record->step.backward;
  if (record) {
    for (const engine::WalkValue& v : record->reads) rows_.push_back({false, v});
    for (const engine::WalkValue& v : record->writes) rows_.push_back({true, v});
  }
  endResetModel();
}

int WalkValuesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int WalkValuesModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

const engine::WalkValue* WalkValuesModel::valueAt(int row) const {
  return row >= 0 && row < static_cast<int>(rows_.size()) ? &rows_[row].v : nullptr;
}

QVariant WalkValuesModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
  const Row& r = rows_[index.row()];
  if (role == TensorRole) return QVariant::fromValue(r.v.value);
  if (role == DerivativeRole) return QVariant::fromValue(r.v.derivative);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (index.column()) {
    case Role:
      if (backward_) return r.write ? tr("cotangent in") : tr("cotangent out");
      return r.write ? tr("output") : tr("input");
    case Variable:
      return r.v.primal_name.empty() ? QString::fromStdString(r.v.name)
                                     : QStringLiteral("%1 (of %2)").arg(QString::fromStdString(r.v.name),
                                                                         QString::fromStdString(r.v.primal_name));
    case Type: {
      const engine::Tensor& t = r.v.value.defined() ? r.v.value : r.v.derivative;
      return t.defined() ? QString::fromStdString(t.aval().str()) : QString();
    }
    case Value: return r.v.value.defined() ? tensorSummary(r.v.value, role == Qt::ToolTipRole ? 64 : 6) : QString();
    case Derivative:
      if (derivativeName_.isEmpty()) return QString();  // forward mode: no derivatives
      return r.v.derivative.defined() ? tensorSummary(r.v.derivative, role == Qt::ToolTipRole ? 64 : 6) : tr("0");
  }
  return {};
}

QVariant WalkValuesModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Role: return tr("Role");
    case Variable: return tr("Variable");
    case Type: return tr("Type");
    case Value: return tr("Value");
    case Derivative: return derivativeName_.isEmpty() ? tr("Derivative") : derivativeName_;
  }
  return {};
}

}  // namespace gs
