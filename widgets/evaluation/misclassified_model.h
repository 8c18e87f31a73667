// MisclassifiedModel: the examples a classifier got wrong, worst (highest loss) first, one row
// each: the image, its example number, true and predicted class, the probabilities of both, the
// loss, and the three most probable classes. Images are made when a view asks for them.
#pragma once
#include <QAbstractTableModel>
#include <QStringList>
#include <memory>

#include "engine/data/dataset.h"
#include "engine/train/classifier_eval.h"

namespace gs {

class MisclassifiedModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { ImageColumn, ExampleColumn, TrueColumn, PredictedColumn, PredictedProbColumn, TrueProbColumn,
                LossColumn, TopColumn, ColumnCount };
  explicit MisclassifiedModel(QObject* parent = nullptr);

  void setEvaluation(std::shared_ptr<const engine::train::ClassifierEval> eval,
                     std::shared_ptr<const engine::data::Split> split, const QStringList& classNames);
  void clear();
  int64_t exampleAt(int row) const { return rows_[static_cast<size_t>(row)]; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  QString topClasses(int64_t example) const;

  std::shared_ptr<const engine::train::ClassifierEval> eval_;
  std::shared_ptr<const engine::data::Split> split_;
  QStringList names_;
  std::vector<int64_t> rows_;
};

}  // namespace gs
