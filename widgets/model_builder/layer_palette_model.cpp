#include "widgets/model_builder/layer_palette_model.h"

#include <QMimeData>

#include "engine/nn/layer_catalog.h"
#include "widgets/common/qt_convert.h"
#include "widgets/model_builder/model_spec_model.h"

namespace gs {

namespace {
QString fieldsText(const engine::nn::LayerDef& d) {
  QStringList parts;
  for (const engine::nn::FieldDef& f : d.fields)
    parts << qstr(f.name) + (f.required() ? QStringLiteral(" (required)")
                                          : QStringLiteral(" = ") + qstr(f.default_value->dump()));
  return parts.isEmpty() ? QObject::tr("no fields") : parts.join(", ");
}
}  // namespace

LayerPaletteModel::LayerPaletteModel(QObject* parent) : QStandardItemModel(parent) {
  setHorizontalHeaderLabels({tr("Layer")});
  for (const std::string& category : engine::nn::layer_categories()) {
    QString title = qstr(category);
    title[0] = title[0].toUpper();
    auto* group = new QStandardItem(title);
    group->setFlags(Qt::ItemIsEnabled);
    group->setToolTip(tr("%1 layers").arg(title));
    for (const engine::nn::LayerDef& d : engine::nn::layer_catalog()) {
      if (d.category != category) continue;
      auto* item = new QStandardItem(qstr(d.type));
      item->setData(qstr(d.type), TypeRole);
      item->setToolTip(QStringLiteral("<b>%1</b> (%2): %3<br>%4")
                           .arg(qstr(d.type), qstr(d.flax_name), qstr(d.doc).toHtmlEscaped(),
                                fieldsText(d).toHtmlEscaped()));
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled |
                     Qt::ItemNeverHasChildren);
      group->appendRow(item);
    }
    appendRow(group);
  }
}

QString LayerPaletteModel::typeAt(const QModelIndex& index) const {
  return index.data(TypeRole).toString();
}

QModelIndex LayerPaletteModel::indexOfType(const QString& type) const {
  const QModelIndexList hits =
      match(index(0, 0), TypeRole, type, 1, Qt::MatchExactly | Qt::MatchRecursive);
  return hits.isEmpty() ? QModelIndex() : hits.front();
}

QStringList LayerPaletteModel::mimeTypes() const {
  return {ModelSpecModel::kTypeMime};
}

QMimeData* LayerPaletteModel::mimeData(const QModelIndexList& indexes) const {
  for (const QModelIndex& i : indexes) {
    const QString type = typeAt(i);
    if (type.isEmpty()) continue;
    auto* mime = new QMimeData;
    mime->setData(ModelSpecModel::kTypeMime, type.toUtf8());
    return mime;
  }
  return nullptr;
}

}  // namespace gs
