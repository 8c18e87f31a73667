#include "widgets/model_builder/layer_property_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>
#include <cmath>

#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/model_builder/model_spec_model.h"

namespace gs {

using json = nlohmann::json;
using engine::nn::FieldDef;
using engine::nn::FieldKind;

namespace {

QString fieldTip(const FieldDef& f) {
  QString tip = qstr(f.doc) + "\n" + QObject::tr("Expects %1").arg(qstr(f.expected()));
  if (f.default_value)
    tip += "; " + QObject::tr("default %1").arg(qstr(f.default_value->dump()));
  else
    tip += "; " + QObject::tr("required");
  return tip;
}

QSpinBox* intSpin(const FieldDef& f, const QString& name, const QString& tip) {
  auto* spin = named(new QSpinBox, name, tip);
  const double lo = f.min_open ? f.min + 1 : f.min;
  const double hi = f.max_open ? f.max - 1 : f.max;
  spin->setRange(std::isfinite(lo) ? static_cast<int>(lo) : INT_MIN,
                 std::isfinite(hi) ? static_cast<int>(hi) : INT_MAX);
  spin->setKeyboardTracking(false);  // a typed number is one edit, committed on Enter or focus out
  spin->setAccelerated(true);
  spin->setMinimumWidth(60);
  spin->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  return spin;
}

}  // namespace

LayerPropertyEditor::LayerPropertyEditor(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  title_ = named(new QLabel, "Selected layer", tr("The layer whose fields are shown below"));
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  doc_ = named(new QLabel, "Layer description", tr("What the selected layer does"));
  doc_->setWordWrap(true);
  message_ = named(new QLabel, "Field message", tr("Why the last value was refused"));
  message_->setWordWrap(true);
  QPalette p = message_->palette();
  p.setColor(QPalette::WindowText, ModelSpecModel::errorColor());
  message_->setPalette(p);
  layout->addWidget(title_);
  layout->addWidget(doc_);
  form_ = new QWidget;
  layout->addWidget(form_);
  layout->addWidget(message_);
  layout->addStretch(1);
  clear();
}

void LayerPropertyEditor::clear() {
  row_ = -1;
  type_.clear();
  layer_ = json();
  rebuild(nullptr);
  title_->setText(tr("No layer selected"));
  doc_->setText(tr("Select a layer in the list to edit its fields."));
  message_->clear();
}

QWidget* LayerPropertyEditor::editorFor(const QString& field) const {
  for (const Editor& e : editors_)
    if (qstr(e.def.name) == field) return e.widget;
  return nullptr;
}

void LayerPropertyEditor::showLayer(int row, const json& layer, const QString& name) {
  const std::string type = layer.is_object() && layer.contains("type") && layer["type"].is_string()
                               ? layer["type"].get<std::string>()
                               : std::string();
  const engine::nn::LayerDef* def = engine::nn::find_layer(type);
  if (row != row_ || type != type_) {
    row_ = row;
    type_ = type;
    message_->clear();
    rebuild(def);
  }
  layer_ = layer;
  title_->setText(def ? QStringLiteral("%1 (%2)").arg(name, qstr(type))
                      : tr("Layer %1: unknown type").arg(row));
  doc_->setText(def ? qstr(def->doc)
                    : tr("Choose a known type: remove this layer and add one from the palette."));
  updateValues(layer);
}

void LayerPropertyEditor::rebuild(const engine::nn::LayerDef* def) {
  // The old editors live until deleteLater; a line edit losing focus as it hides must not commit.
  for (const Editor& e : editors_)
    for (QObject* o : std::initializer_list<QObject*>{e.first, e.second, e.line, e.check, e.combo})
      if (o) disconnect(o, nullptr, this, nullptr);
  editors_.clear();
  auto* fresh = new QWidget;
  auto* form = new QFormLayout(fresh);
  form->setContentsMargins(0, 0, 0, 0);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  if (def) {
    for (const FieldDef& f : def->fields) {
      Editor e = makeEditor(f);
      e.label = new QLabel(qstr(f.name) + (f.required() ? "*" : ""));
      e.label->setToolTip(fieldTip(f));
      e.label->setMinimumWidth(e.label->sizeHint().width());  // the editors shrink, never the names
      e.label->setBuddy(e.first ? static_cast<QWidget*>(e.first) : e.widget);
      form->addRow(e.label, e.widget);
      editors_.push_back(e);
    }
    if (def->fields.empty()) form->addRow(new QLabel(tr("This layer has no fields.")));
  }
  // The old editors may be in the middle of emitting the signal that led here.
  layout()->replaceWidget(form_, fresh);
  form_->hide();
  form_->deleteLater();
  form_ = fresh;
}

LayerPropertyEditor::Editor LayerPropertyEditor::makeEditor(const FieldDef& f) {
  Editor e;
  e.def = f;
  const QString name = qstr(f.name);
  const QString tip = fieldTip(f);
  const size_t i = editors_.size();
  auto emitThis = [this, i](const json& v) {
    if (!updating_ && i < editors_.size()) commit(editors_[i], v);
  };
  switch (f.kind) {
    case FieldKind::integer:
      e.first = intSpin(f, name, tip);
      e.widget = e.first;
      connect(e.first, &QSpinBox::valueChanged, this, [emitThis](int v) { emitThis(v); });
      break;
    case FieldKind::int_pair: {
      e.widget = named(new QWidget, name, tip);
      auto* row = new QHBoxLayout(e.widget);
      row->setContentsMargins(0, 0, 0, 0);
      e.first = intSpin(f, name + " height", tip);
      e.second = intSpin(f, name + " width", tip);
      row->addWidget(e.first);
      row->addWidget(new QLabel(QStringLiteral("×")));
      row->addWidget(e.second);
      auto pair = [this, i]() {
        if (updating_ || i >= editors_.size()) return;
        commit(editors_[i], json{editors_[i].first->value(), editors_[i].second->value()});
      };
      connect(e.first, &QSpinBox::valueChanged, this, pair);
      connect(e.second, &QSpinBox::valueChanged, this, pair);
      break;
    }
    case FieldKind::number:
      e.line = named(new QLineEdit, name, tip);
      e.widget = e.line;
      connect(e.line, &QLineEdit::editingFinished, this, [this, i]() {
        if (updating_ || i >= editors_.size()) return;
        const Editor& ed = editors_[i];
        bool ok = false;
        const double v = ed.line->text().trimmed().toDouble(&ok);
        if (!ok) {
          message_->setText(tr("'%1' must be %2; \"%3\" is not a number")
                                .arg(qstr(ed.def.name), qstr(ed.def.expected()), ed.line->text()));
          updateValues(layer_);
          return;
        }
        commit(ed, v);
      });
      break;
    case FieldKind::boolean:
      e.check = named(new QCheckBox, name, tip);
      e.widget = e.check;
      connect(e.check, &QCheckBox::toggled, this, [emitThis](bool v) { emitThis(v); });
      break;
    case FieldKind::choice:
      e.combo = named(new QComboBox, name, tip);
      e.widget = e.combo;
      for (const std::string& c : f.choices) e.combo->addItem(qstr(c));
      connect(e.combo, &QComboBox::currentTextChanged, this,
              [emitThis](const QString& v) { emitThis(stdstr(v)); });
      break;
  }
  return e;
}

json LayerPropertyEditor::valueOf(const Editor& e) const {
  if (layer_.is_object() && layer_.contains(e.def.name)) return layer_[e.def.name];
  return e.def.initial();
}

void LayerPropertyEditor::commit(const Editor& e, const json& value) {
  if (std::optional<std::string> problem = e.def.problem(value)) {
    message_->setText(qstr("'" + e.def.name + "' " + *problem));
    updateValues(layer_);
    return;
  }
  message_->clear();
  if (value == valueOf(e)) return;
  emit fieldEdited(row_, qstr(e.def.name), value);
}

void LayerPropertyEditor::updateValues(const json& layer) {
  updating_ = true;
  for (Editor& e : editors_) {
    const json v =
        layer.is_object() && layer.contains(e.def.name) ? layer[e.def.name] : e.def.initial();
    const bool bad =
        layer.is_object() && layer.contains(e.def.name) && e.def.problem(v).has_value();
    QPalette p = e.label->palette();
    p.setColor(QPalette::WindowText,
               bad ? ModelSpecModel::errorColor() : palette().color(QPalette::WindowText));
    e.label->setPalette(p);
    e.label->setToolTip(bad ? qstr(e.def.name + " " + *e.def.problem(v)) : fieldTip(e.def));
    // A loaded spec may hold any integer; the spin boxes clamp it to their (catalog) range.
    auto toInt = [](const json& x) {
      return static_cast<int>(std::clamp<int64_t>(x.get<int64_t>(), INT_MIN, INT_MAX));
    };
    if (e.first && v.is_number_integer()) e.first->setValue(toInt(v));
    if (e.first && e.second && v.is_array() && v.size() == 2 && v[0].is_number_integer() &&
        v[1].is_number_integer()) {
      e.first->setValue(toInt(v[0]));
      e.second->setValue(toInt(v[1]));
    }
    if (e.line) e.line->setText(v.is_number() ? qstr(v.dump()) : QString());
    if (e.check && v.is_boolean()) e.check->setChecked(v.get<bool>());
    if (e.combo && v.is_string()) e.combo->setCurrentText(qstr(v.get<std::string>()));
  }
  updating_ = false;
}

}  // namespace gs
