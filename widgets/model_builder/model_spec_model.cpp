#include "widgets/model_builder/model_spec_model.h"

#include <QMimeData>
#include <QUndoStack>

#include "engine/nn/layer_catalog.h"
#include "widgets/common/qt_convert.h"
#include "widgets/model_builder/spec_commands.h"

namespace gs {

using json = nlohmann::json;
using engine::nn::LayerStatus;

QString groupedNumber(int64_t n) {
  QString digits = QString::number(n < 0 ? -n : n);
  for (int i = digits.size() - 3; i > 0; i -= 3) digits.insert(i, ',');
  return n < 0 ? "-" + digits : digits;
}

QColor ModelSpecModel::errorColor() {
  return QColor(0xc6, 0x28, 0x28);
}

ModelSpecModel::ModelSpecModel(QObject* parent) : QAbstractTableModel(parent) {
  spec_ = {{"name", "model"}, {"layers", json::array()}};
  recheck();
}

json ModelSpecModel::spec() const {
  json j = spec_;
  if (inputShape_ && j.is_object()) j["input_shape"] = *inputShape_;
  return j;
}

const json& ModelSpecModel::layer(int row) const {
  static const json kNull;
  if (!spec_.is_object() || !spec_.contains("layers") || !spec_["layers"].is_array()) return kNull;
  const json& layers = spec_["layers"];
  return row >= 0 && row < static_cast<int>(layers.size()) ? layers[row] : kNull;
}

int ModelSpecModel::layerCount() const {
  return static_cast<int>(report_.layers.size());
}

QString ModelSpecModel::modelName() const {
  if (spec_.is_object() && spec_.contains("name") && spec_["name"].is_string())
    return qstr(spec_["name"].get<std::string>());
  return {};
}

QString ModelSpecModel::totalText() const {
  const QString params = groupedNumber(report_.total_params);
  if (report_.ok)
    return tr("Total: %1 parameters, output %2")
        .arg(params, qstr(engine::nn::shape_text(report_.output_shape())));
  return tr("Total: %1 parameters before the first error").arg(params);
}

json& ModelSpecModel::layersRef() {
  if (!spec_.is_object()) spec_ = json::object();
  if (!spec_.contains("layers") || !spec_["layers"].is_array()) spec_["layers"] = json::array();
  return spec_["layers"];
}

void ModelSpecModel::recheck() {
  report_ = engine::nn::check_spec(spec(), inputShape_);
}

void ModelSpecModel::resetSpec(const json& spec) {
  beginResetModel();
  spec_ = spec;
  recheck();
  endResetModel();
  emit specChanged();
}

void ModelSpecModel::insertLayer(int row, const json& layer) {
  row = std::clamp(row, 0, static_cast<int>(layersRef().size()));
  beginInsertRows({}, row, row);
  json& layers = layersRef();
  layers.insert(layers.begin() + row, layer);
  recheck();
  endInsertRows();
  if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  emit specChanged();
}

json ModelSpecModel::takeLayer(int row) {
  json& layers = layersRef();
  if (row < 0 || row >= static_cast<int>(layers.size())) return {};
  beginRemoveRows({}, row, row);
  json taken = layers[row];
  layers.erase(layers.begin() + row);
  recheck();
  endRemoveRows();
  if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  emit specChanged();
  return taken;
}

void ModelSpecModel::moveLayer(int from, int to) {
  json& layers = layersRef();
  const int n = static_cast<int>(layers.size());
  if (from == to || from < 0 || to < 0 || from >= n || to >= n) return;
  beginMoveRows({}, from, from, {}, to > from ? to + 1 : to);
  json moved = layers[from];
  layers.erase(layers.begin() + from);
  layers.insert(layers.begin() + to, moved);
  recheck();
  endMoveRows();
  emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  emit specChanged();
}

void ModelSpecModel::setLayer(int row, const json& layer) {
  json& layers = layersRef();
  if (row < 0 || row >= static_cast<int>(layers.size())) return;
  layers[row] = layer;
  recheck();
  emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  emit specChanged();
}

void ModelSpecModel::setModelName(const QString& name) {
  if (!spec_.is_object()) spec_ = json::object();
  spec_["name"] = stdstr(name);
  recheck();
  emit specChanged();
}

void ModelSpecModel::setSpecField(const std::string& key, const json& value) {
  if (!spec_.is_object()) spec_ = json::object();
  if (value.is_null())
    spec_.erase(key);
  else
    spec_[key] = value;
  recheck();
  if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  emit specChanged();
}

void ModelSpecModel::setInputShape(std::optional<engine::Shape> shape) {
  inputShape_ = std::move(shape);
  recheck();
  if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
  emit specChanged();
}

int ModelSpecModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : layerCount();
}

int ModelSpecModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant ModelSpecModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
    return {};
  const engine::nn::LayerReport& l = report_.layers[index.row()];
  const bool known = l.status == LayerStatus::ok;
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case IndexColumn:
          return index.row();
        case NameColumn:
          return l.name.empty() ? QStringLiteral("?") : qstr(l.name);
        case TypeColumn:
          return l.type.empty() ? QStringLiteral("?") : qstr(l.type);
        case ShapeColumn:
          return known ? qstr(engine::nn::shape_text(l.output_shape)) : QStringLiteral("?");
        case ParamsColumn:
          return known ? groupedNumber(l.param_count) : QStringLiteral("?");
        case StatusColumn:
          if (l.status == LayerStatus::ok) return tr("ok");
          if (l.status == LayerStatus::after_error) return tr("after an error");
          return qstr(l.message);
      }
      return {};
    case Qt::ToolTipRole: {
      if (l.status != LayerStatus::ok) return qstr(l.message);
      const engine::nn::LayerDef* def = engine::nn::find_layer(l.type);
      return def ? qstr(l.name + " (" + l.type + "): " + def->doc) : QVariant();
    }
    case Qt::ForegroundRole:
      if (l.status == LayerStatus::error) return errorColor();
      if (l.status == LayerStatus::after_error) return QColor(Qt::gray);
      return {};
    case Qt::DecorationRole:
      if (index.column() == StatusColumn && l.status == LayerStatus::error) return errorColor();
      return {};
    case Qt::TextAlignmentRole:
      if (index.column() == IndexColumn || index.column() == ParamsColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
      return {};
    case LayerJsonRole:
      return qstr(layer(index.row()).dump());
    case StatusRole:
      return static_cast<int>(l.status);
  }
  return {};
}

QVariant ModelSpecModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (orientation == Qt::Vertical) return section;
  switch (section) {
    case IndexColumn:
      return tr("#");
    case NameColumn:
      return tr("Name");
    case TypeColumn:
      return tr("Type");
    case ShapeColumn:
      return tr("Output shape");
    case ParamsColumn:
      return tr("Params");
    case StatusColumn:
      return tr("Status");
  }
  return {};
}

Qt::ItemFlags ModelSpecModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::ItemIsDropEnabled;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled | Qt::ItemIsDropEnabled |
         Qt::ItemNeverHasChildren;
}

QStringList ModelSpecModel::mimeTypes() const {
  return {kRowsMime, kTypeMime};
}

QMimeData* ModelSpecModel::mimeData(const QModelIndexList& indexes) const {
  json rows = json::array();
  for (const QModelIndex& i : indexes)
    if (i.isValid() && std::find(rows.begin(), rows.end(), i.row()) == rows.end())
      rows.push_back(i.row());
  if (rows.empty()) return nullptr;
  std::sort(rows.begin(), rows.end());
  auto* mime = new QMimeData;
  mime->setData(kRowsMime, QByteArray::fromStdString(rows.dump()));
  return mime;
}

bool ModelSpecModel::canDropMimeData(const QMimeData* data, Qt::DropAction, int, int,
                                     const QModelIndex&) const {
  if (!data) return false;
  if (data->hasFormat(kTypeMime))
    return engine::nn::find_layer(data->data(kTypeMime).toStdString()) != nullptr;
  return data->hasFormat(kRowsMime);
}

bool ModelSpecModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                                  const QModelIndex& parent) {
  if (action == Qt::IgnoreAction) return true;
  if (!canDropMimeData(data, action, row, column, parent)) return false;
  // Dropped on a row: before it; between rows: at row; on the empty area: at the end.
  const int dest = row >= 0 ? row : parent.isValid() ? parent.row() : rowCount();
  QUndoCommand* command = nullptr;
  if (data->hasFormat(kTypeMime)) {
    const std::string type = data->data(kTypeMime).toStdString();
    command =
        new AddLayerCommand(this, dest, engine::nn::new_layer(type), tr("Add %1").arg(qstr(type)));
  } else {
    // The views select one row at a time, so one row moves (the first dragged).
    const json rows = json::parse(data->data(kRowsMime).toStdString(), nullptr, false);
    if (!rows.is_array() || rows.empty() || !rows[0].is_number_integer()) return false;
    const int from = rows[0].get<int>();
    const int to = dest > from ? dest - 1 : dest;
    if (from < 0 || from >= rowCount() || to == from) return false;
    command = new MoveLayerCommand(this, from, std::min(to, rowCount() - 1));
  }
  if (undo_) {
    undo_->push(command);
  } else {
    command->redo();
    delete command;
  }
  return true;
}

}  // namespace gs
