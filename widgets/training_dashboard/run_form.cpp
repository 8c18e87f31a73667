#include "widgets/training_dashboard/run_form.h"

#include <climits>

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

#include "engine/core/error.h"
#include "engine/train/run_config.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/training_dashboard/dataset_catalog_model.h"

namespace gs {

using nlohmann::json;
namespace train = engine::train;

namespace {

// People's names for the catalog's field names.
QString label(const std::string& field) {
  static const QHash<QString, QString> names = {
      {"lr", QObject::tr("Learning rate")}, {"momentum", QObject::tr("Momentum")},
      {"nesterov", QObject::tr("Nesterov")}, {"b1", QObject::tr("Beta 1")},
      {"b2", QObject::tr("Beta 2")},        {"eps", QObject::tr("Epsilon")},
      {"weight_decay", QObject::tr("Weight decay")}, {"decay", QObject::tr("Decay")},
      {"unit", QObject::tr("Counted in")},  {"transition_steps", QObject::tr("Transition steps")},
      {"decay_rate", QObject::tr("Decay rate")}, {"staircase", QObject::tr("Staircase")},
      {"decay_steps", QObject::tr("Decay steps")}, {"warmup_steps", QObject::tr("Warmup steps")},
      {"alpha", QObject::tr("Final fraction")}, {"end_value", QObject::tr("End value")}};
  const QString f = qstr(field);
  return names.value(f, f);
}

QString number_text(const json& v) {
  if (v.is_number()) return QString::number(v.get<double>(), 'g', 10);
  if (v.is_string()) return qstr(v.get<std::string>());
  return qstr(v.dump());
}

// The section an error path belongs to.
QString section_of(const QString& path) {
  if (path.startsWith("dataset")) return "dataset";
  if (path.startsWith("optimizer")) return "optimizer";
  if (path.startsWith("schedule")) return "schedule";
  if (path.startsWith("model") || path.startsWith("run config")) return "model";
  return "run";
}

QLabel* error_label() {
  auto* l = new QLabel;
  l->setWordWrap(true);
  l->setStyleSheet("color: #C0392B;");
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  l->hide();
  return l;
}

QSpinBox* spin(int lo, int hi, int value) {
  auto* s = new QSpinBox;
  s->setRange(lo, hi);
  s->setValue(value);
  s->setGroupSeparatorShown(true);
  return s;
}

}  // namespace

RunForm::RunForm(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  auto* modelError = error_label();
  gs::named(modelError, tr("Model problem"), tr("Why the model and the dataset do not fit"));
  outer->addWidget(modelError);
  sectionErrors_["model"] = modelError;

  auto section = [&](const QString& title, const QString& key) {
    auto* box = new QGroupBox(title);
    auto* v = new QVBoxLayout(box);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    v->addLayout(form);
    auto* err = error_label();
    gs::named(err, title + tr(" problem"), tr("What is wrong in this section"));
    v->addWidget(err);
    sectionErrors_[key] = err;
    outer->addWidget(box);
    return form;
  };
  auto track = [&](QWidget* w, const QString& path) {
    w->setProperty("configPath", path);
    editors_[path] = w;
  };

  // Data
  QFormLayout* data = section(tr("Data"), "dataset");
  datasets_ = new DatasetCatalogModel(this);
  dataset_ = gs::named(new QComboBox, tr("Dataset"), tr("The dataset to train and test on"));
  dataset_->setModel(datasets_);
  datasetInfo_ = gs::named(new QLabel, tr("Dataset size"), tr("Sizes of the dataset's splits"));
  datasetInfo_->setWordWrap(true);
  limit_ = gs::named(spin(0, 1'000'000'000, 0), tr("Example limit"),
                     tr("Use N examples of each split (a fixed random subset); 0 = all"));
  limit_->setSpecialValueText(tr("all"));
  data->addRow(tr("Dataset"), dataset_);
  data->addRow(QString(), datasetInfo_);
  data->addRow(tr("Limit"), limit_);
  track(dataset_, "dataset.name");
  track(limit_, "dataset.limit");

  // Optimizer: the choice, then its catalog fields
  optimizerForm_ = section(tr("Optimizer"), "optimizer");
  optimizer_ = gs::named(new QComboBox, tr("Optimizer"), tr("The optimizer (optax's names)"));
  for (const train::OptimizerSpec& o : train::optimizer_catalog()) {
    optimizer_->addItem(qstr(o.name));
    optimizer_->setItemData(optimizer_->count() - 1, qstr(o.doc), Qt::ToolTipRole);
  }
  optimizerForm_->addRow(tr("Optimizer"), optimizer_);
  track(optimizer_, "optimizer.name");

  // Schedule
  scheduleForm_ = section(tr("Learning-rate schedule"), "schedule");
  schedule_ = gs::named(new QComboBox, tr("Schedule"), tr("How the learning rate changes over the run"));
  for (const train::ScheduleSpec& s : train::schedule_catalog()) {
    schedule_->addItem(qstr(s.type));
    schedule_->setItemData(schedule_->count() - 1, qstr(s.doc), Qt::ToolTipRole);
  }
  scheduleForm_->addRow(tr("Schedule"), schedule_);
  track(schedule_, "schedule.type");

  // Run
  QFormLayout* run = section(tr("Run"), "run");
  const train::RunConfig defaults;
  batch_ = gs::named(spin(1, 1'000'000, int(defaults.batch_size)), tr("Batch size"), tr("Examples per optimizer step"));
  epochs_ = gs::named(spin(1, 1'000'000, int(defaults.epochs)), tr("Epochs"), tr("Passes over the training split"));
  seed_ = gs::named(spin(INT_MIN, INT_MAX, 0), tr("Seed"), tr("Seed of the initialization, shuffling and dropout"));
  logEvery_ = gs::named(spin(1, 1'000'000, int(defaults.log_every)), tr("Log every"),
                        tr("Record and plot the training loss every N steps"));
  backend_ = gs::named(new QComboBox, tr("Backend"), tr("cpu: oneDNN kernels; reference: plain loops (slow)"));
  backend_->addItems({"cpu", "reference"});
  threads_ = gs::named(spin(0, 256, 0), tr("Threads"),
                       tr("OpenMP threads of the run (0 = OMP_NUM_THREADS, else every core); not recorded in the "
                          "config: it changes speed, not results"));
  threads_->setSpecialValueText(tr("default"));
  name_ = gs::named(new QLineEdit, tr("Run name"), tr("Name of the run (empty: model and dataset)"));
  name_->setPlaceholderText(tr("model-dataset"));
  tags_ = gs::named(new QLineEdit, tr("Tags"), tr("Tags of the run, separated by commas"));
  tags_->setPlaceholderText(tr("baseline, sgd"));
  notes_ = gs::named(new QPlainTextEdit, tr("Notes"), tr("Notes on the run"));
  notes_->setFixedHeight(notes_->fontMetrics().lineSpacing() * 3 + 10);
  run->addRow(tr("Batch size"), batch_);
  run->addRow(tr("Epochs"), epochs_);
  run->addRow(tr("Seed"), seed_);
  run->addRow(tr("Log every"), logEvery_);
  run->addRow(tr("Backend"), backend_);
  run->addRow(tr("Threads"), threads_);
  run->addRow(tr("Name"), name_);
  run->addRow(tr("Tags"), tags_);
  run->addRow(tr("Notes"), notes_);
  track(batch_, "batch_size");
  track(epochs_, "epochs");
  track(seed_, "seed");
  track(logEvery_, "log_every");
  track(backend_, "backend");
  track(name_, "name");
  track(tags_, "tags");
  track(notes_, "notes");
  outer->addStretch(1);

  const auto changed = [this] { validate(); };
  connect(dataset_, &QComboBox::currentIndexChanged, this, [this] {
    updateDatasetInfo();
    validate();
    emit datasetChanged(inputShape());
  });
  connect(optimizer_, &QComboBox::currentIndexChanged, this, [this] {
    rebuildOptimizerFields(fieldValues("optimizer."));
    validate();
  });
  connect(schedule_, &QComboBox::currentIndexChanged, this, [this] {
    rebuildScheduleFields(fieldValues("schedule."));
    validate();
  });
  for (QSpinBox* s : {limit_, batch_, epochs_, seed_, logEvery_}) connect(s, &QSpinBox::valueChanged, this, changed);
  connect(backend_, &QComboBox::currentIndexChanged, this, changed);
  connect(name_, &QLineEdit::textChanged, this, changed);
  connect(tags_, &QLineEdit::textChanged, this, changed);
  connect(notes_, &QPlainTextEdit::textChanged, this, changed);

  // The studio's default: the built-in MLP on Fashion-MNIST with SGD at 0.1.
  filling_ = true;
  model_ = train::resolve_model_spec("builtin:mlp");
  dataset_->setCurrentIndex(std::max(0, datasets_->rowOf("fashion-mnist")));
  rebuildOptimizerFields(json::object());
  rebuildScheduleFields(json::object());
  filling_ = false;
  updateDatasetInfo();
  validate();
}

json RunForm::fieldValues(const QString& prefix) const {
  json out = json::object();
  for (auto it = editors_.begin(); it != editors_.end(); ++it) {
    if (!it.key().startsWith(prefix)) continue;
    const std::string field = stdstr(it.key().mid(prefix.size()));
    if (field == "name" || field == "type") continue;
    QWidget* w = it.value();
    if (auto* e = qobject_cast<QLineEdit*>(w)) {
      // An integer stays one, so the engine's message quotes what was typed ("got -1").
      bool isInt = false, ok = false;
      const qlonglong i = QLocale::c().toLongLong(e->text().trimmed(), &isInt);
      const double v = QLocale::c().toDouble(e->text().trimmed(), &ok);
      out[field] = isInt ? json(int64_t(i)) : ok ? json(v) : json(stdstr(e->text()));
    } else if (auto* s = qobject_cast<QSpinBox*>(w)) {
      out[field] = s->value();
    } else if (auto* c = qobject_cast<QCheckBox*>(w)) {
      out[field] = c->isChecked();
    } else if (auto* c = qobject_cast<QComboBox*>(w)) {
      out[field] = stdstr(c->currentText());
    }
  }
  return out;
}

void RunForm::rebuildFields(QFormLayout* layout, const QString& prefix, const std::vector<train::FieldSpec>& fields,
                            const json& values) {
  for (auto it = editors_.begin(); it != editors_.end();) {
    if (it.key().startsWith(prefix) && it.key() != prefix + "name" && it.key() != prefix + "type")
      it = editors_.erase(it);
    else
      ++it;
  }
  while (layout->rowCount() > 1) layout->removeRow(layout->rowCount() - 1);
  for (const train::FieldSpec& f : fields) {
    const json v = values.contains(f.name) ? values[f.name] : f.default_value;
    const QString name = label(f.name);
    const QString tip = qstr(f.doc) + " (" + qstr(f.expected()) + ")";
    QWidget* editor = nullptr;
    switch (f.kind) {
      case train::FieldKind::number: {
        auto* e = new QLineEdit(number_text(v));
        connect(e, &QLineEdit::textChanged, this, [this] { validate(); });
        editor = e;
        break;
      }
      case train::FieldKind::integer: {
        const int hi = f.max > double(INT_MAX) ? INT_MAX : int(f.max);
        auto* s = spin(int(f.min), hi, v.is_number_integer() ? int(std::clamp<int64_t>(v.get<int64_t>(), int64_t(f.min), hi))
                                                            : int(f.default_value.get<int64_t>()));
        connect(s, &QSpinBox::valueChanged, this, [this] { validate(); });
        editor = s;
        break;
      }
      case train::FieldKind::boolean: {
        auto* c = new QCheckBox;
        c->setChecked(v.is_boolean() ? v.get<bool>() : f.default_value.get<bool>());
        connect(c, &QCheckBox::toggled, this, [this] { validate(); });
        editor = c;
        break;
      }
      case train::FieldKind::choice: {
        auto* c = new QComboBox;
        for (const std::string& choice : f.choices) c->addItem(qstr(choice));
        c->setCurrentText(v.is_string() ? qstr(v.get<std::string>()) : qstr(f.default_value.get<std::string>()));
        connect(c, &QComboBox::currentIndexChanged, this, [this] { validate(); });
        editor = c;
        break;
      }
    }
    const QString section = prefix == "schedule." ? tr("Schedule ") : QString();
    gs::named(editor, section + name, tip);
    editor->setProperty("configPath", prefix + qstr(f.name));
    editors_[prefix + qstr(f.name)] = editor;
    layout->addRow(name, editor);
  }
}

void RunForm::rebuildOptimizerFields(const json& values) {
  const train::OptimizerSpec* spec = train::find_optimizer(stdstr(optimizer_->currentText()));
  rebuildFields(optimizerForm_, "optimizer.", spec ? spec->fields : std::vector<train::FieldSpec>{}, values);
}

void RunForm::rebuildScheduleFields(const json& values) {
  const train::ScheduleSpec* spec = train::find_schedule(stdstr(schedule_->currentText()));
  rebuildFields(scheduleForm_, "schedule.", spec ? spec->fields : std::vector<train::FieldSpec>{}, values);
}

void RunForm::setModel(const json& spec) {
  model_ = spec;
  validate();
}

json RunForm::config() const {
  json j = extras_;
  j["name"] = stdstr(name_->text().trimmed());
  json tags = json::array();
  for (const QString& t : tags_->text().split(',', Qt::SkipEmptyParts))
    if (!t.trimmed().isEmpty()) tags.push_back(stdstr(t.trimmed()));
  j["tags"] = tags;
  j["notes"] = stdstr(notes_->toPlainText());
  j["model"] = model_;
  j["dataset"] = {{"name", stdstr(dataset_->currentData(DatasetCatalogModel::NameRole).toString())},
                  {"limit", limit_->value()}};
  json o = fieldValues("optimizer.");
  o["name"] = stdstr(optimizer_->currentText());
  j["optimizer"] = o;
  json s = fieldValues("schedule.");
  s["type"] = stdstr(schedule_->currentText());
  j["schedule"] = s;
  j["batch_size"] = batch_->value();
  j["epochs"] = epochs_->value();
  j["seed"] = seed_->value();
  j["log_every"] = logEvery_->value();
  j["backend"] = stdstr(backend_->currentText());
  return j;
}

void RunForm::setConfig(const json& config) {
  json c = config;
  try {  // the engine's own reading fills every default in
    c = train::RunConfig::from_json(config).to_json();
  } catch (const engine::Error&) {
  }
  auto get = [&](const char* key) { return c.contains(key) ? c[key] : json(); };
  filling_ = true;
  const json ds = get("dataset");
  const std::string ds_name = ds.is_string() ? ds.get<std::string>() : ds.value("name", std::string());
  if (const int row = datasets_->rowOf(qstr(ds_name)); row >= 0) dataset_->setCurrentIndex(row);
  limit_->setValue(ds.is_object() ? int(ds.value("limit", int64_t(0))) : 0);
  const json o = get("optimizer").is_object() ? get("optimizer") : json{{"name", get("optimizer")}};
  optimizer_->setCurrentText(qstr(o.value("name", std::string("sgd"))));
  rebuildOptimizerFields(o);
  const json s = get("schedule").is_object() ? get("schedule") : json{{"type", get("schedule")}};
  schedule_->setCurrentText(qstr(s.value("type", std::string("constant"))));
  rebuildScheduleFields(s);
  batch_->setValue(int(c.value("batch_size", int64_t(32))));
  epochs_->setValue(int(c.value("epochs", int64_t(1))));
  seed_->setValue(int(c.value("seed", int64_t(0))));
  logEvery_->setValue(int(c.value("log_every", int64_t(10))));
  backend_->setCurrentText(qstr(c.value("backend", std::string("cpu"))));
  name_->setText(qstr(c.value("name", std::string())));
  QStringList tags;
  if (c.contains("tags") && c["tags"].is_array())
    for (const json& t : c["tags"])
      if (t.is_string()) tags << qstr(t.get<std::string>());
  tags_->setText(tags.join(", "));
  notes_->setPlainText(qstr(c.value("notes", std::string())));
  extras_ = json::object();
  for (const char* key : {"eval_every", "eval_batch_size", "checkpoint_every"})
    if (c.contains(key)) extras_[key] = c[key];
  filling_ = false;
  updateDatasetInfo();
  validate();
  emit datasetChanged(inputShape());
}

int RunForm::threads() const { return threads_->value(); }

std::vector<int64_t> RunForm::inputShape() const {
  const int row = dataset_->currentIndex();
  return row >= 0 ? datasets_->info(row).input_shape : std::vector<int64_t>{};
}

void RunForm::updateDatasetInfo() {
  const int row = dataset_->currentIndex();
  if (row < 0) return;
  const train::DatasetInfo& d = datasets_->info(row);
  QString shape;
  for (int64_t n : d.input_shape) shape += (shape.isEmpty() ? "" : QStringLiteral("×")) + QString::number(n);
  datasetInfo_->setText(datasetSummary(d) + tr("; examples %1").arg(shape));
  datasetInfo_->setToolTip(qstr(d.doc) + (d.present ? QString() : "\n" + qstr(d.problem)));
}

void RunForm::clearMarks() {
  for (QWidget* w : editors_) {
    if (w->property("hasError").toBool()) {
      w->setProperty("hasError", false);
      w->setStyleSheet(QString());
    }
  }
  for (QLabel* l : sectionErrors_) l->hide();
}

void RunForm::mark(const QString& path, const QString& message) {
  if (QWidget* w = editors_.value(path, nullptr)) {
    w->setProperty("hasError", true);
    w->setStyleSheet(QStringLiteral("%1 { border: 2px solid #D55E00; border-radius: 3px; }")
                         .arg(w->metaObject()->className()));
  }
  QLabel* l = sectionErrors_.value(section_of(path));
  l->setText(message);
  l->show();
}

void RunForm::showError(const QString& path, const QString& message) {
  clearMarks();
  mark(path, message);
}

void RunForm::validate() {
  if (filling_) return;
  clearMarks();
  error_.clear();
  errorPath_.clear();
  try {
    train::RunConfig::from_json(config());
    // A dataset whose files are missing would fail once loading: say so now, with its package.
    const int row = dataset_->currentIndex();
    if (row >= 0 && !datasets_->info(row).present)
      throw engine::Error("dataset.name: " + datasets_->info(row).problem);
  } catch (const engine::Error& e) {
    error_ = qstr(e.what());
    // "optimizer.lr: expected ..." names the field; anything else goes to the general line.
    static const QRegularExpression path_re(QStringLiteral("^([a-z_]+(?:\\.[a-z_]+)*): "));
    const QRegularExpressionMatch m = path_re.match(error_);
    errorPath_ = m.hasMatch() ? m.captured(1) : QStringLiteral("run config");
    mark(errorPath_, error_);
  }
  emit validated();
}

}  // namespace gs
