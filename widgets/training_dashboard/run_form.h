// RunForm: the run's settings as a form built from engine/train/config_catalog.h. The optimizer's
// and the schedule's fields are rebuilt from their catalog rows when the choice changes. Every
// change is validated through RunConfig::from_json; an error is marked at its field (the path the
// engine's message starts with, "optimizer.lr: ...") and written under that field's section.
//
// The model is not edited here (the Model Builder owns it): setModel() gives its spec.
#pragma once
#include <vector>

#include <QHash>
#include <QWidget>
#include <nlohmann/json.hpp>

#include "engine/train/config_catalog.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace gs {

class DatasetCatalogModel;

class RunForm : public QWidget {
  Q_OBJECT

 public:
  explicit RunForm(QWidget* parent = nullptr);

  void setModel(const nlohmann::json& spec);
  const nlohmann::json& model() const { return model_; }
  // The form as RunConfig JSON, exactly as typed (a bad number stays a string, so the engine's
  // message quotes it).
  nlohmann::json config() const;
  // Fills every field from RunConfig JSON (missing fields take their defaults); the model is not
  // taken (see TrainingDashboard::setRunConfig).
  void setConfig(const nlohmann::json& config);
  // OpenMP threads for the run (0 = the default); not part of the config.
  int threads() const;

  // "" when the config is valid, else the engine's message; errorPath() is its field path.
  QString error() const { return error_; }
  QString errorPath() const { return errorPath_; }
  // Marks a field (the path of a config field, e.g. "optimizer.lr") with a message, as a failed
  // run's message names it; the next edit validates again and clears it. The config itself stays
  // valid (error() is unchanged): the same settings may run again, with another seed say.
  void showError(const QString& path, const QString& message);
  // The editor of a config path ("optimizer.lr", "dataset.name", "batch_size"), or nullptr.
  QWidget* editorFor(const QString& path) const { return editors_.value(path, nullptr); }
  std::vector<int64_t> inputShape() const;
  DatasetCatalogModel* datasetModel() const { return datasets_; }

 signals:
  // After each validation (error() tells the outcome).
  void validated();
  void datasetChanged(const std::vector<int64_t>& shapeWithoutBatch);

 private:
  void rebuildOptimizerFields(const nlohmann::json& values);
  void rebuildScheduleFields(const nlohmann::json& values);
  // Replaces the rows after the first (the choice) by one editor per catalog field, valued from
  // `values` where it has the field, else the field's default.
  void rebuildFields(QFormLayout* layout, const QString& prefix, const std::vector<engine::train::FieldSpec>& fields,
                     const nlohmann::json& values);
  nlohmann::json fieldValues(const QString& prefix) const;
  void updateDatasetInfo();
  void validate();
  void clearMarks();
  void mark(const QString& path, const QString& message);

  nlohmann::json model_;
  nlohmann::json extras_ = nlohmann::json::object();  // config fields the form does not edit
  QHash<QString, QWidget*> editors_;
  QHash<QString, QLabel*> sectionErrors_;  // "dataset", "optimizer", "schedule", "run", "model"
  DatasetCatalogModel* datasets_ = nullptr;
  QComboBox* dataset_ = nullptr;
  QLabel* datasetInfo_ = nullptr;
  QSpinBox* limit_ = nullptr;
  QComboBox* optimizer_ = nullptr;
  QFormLayout* optimizerForm_ = nullptr;
  QComboBox* schedule_ = nullptr;
  QFormLayout* scheduleForm_ = nullptr;
  QSpinBox* batch_ = nullptr;
  QSpinBox* epochs_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QSpinBox* logEvery_ = nullptr;
  QComboBox* backend_ = nullptr;
  QSpinBox* threads_ = nullptr;
  QLineEdit* name_ = nullptr;
  QLineEdit* tags_ = nullptr;
  QPlainTextEdit* notes_ = nullptr;
  QString error_, errorPath_;
  bool filling_ = false;
};

}  // namespace gs
