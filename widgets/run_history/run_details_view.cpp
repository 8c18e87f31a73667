#include "widgets/run_history/run_details_view.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <set>

#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"
#include "widgets/run_history/run_table_model.h"

namespace gs {

namespace {

QLabel* valueLabel(const QString& accessibleName, const QString& tip) {
  auto* l = named(new QLabel, accessibleName, tip);
  l->setWordWrap(true);
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return l;
}

}  // namespace

RunDetailsView::RunDetailsView(QWidget* parent) : QWidget(parent) {
  name_ = named(new QLineEdit, tr("Run name"), tr("The run's name (Save writes it)"));
  tags_ = named(new QLineEdit, tr("Run tags"), tr("Tags, separated by commas (Save writes them)"));
  notes_ = named(new QPlainTextEdit, tr("Run notes"), tr("Free-form notes about the run (Save writes them)"));
  notes_->setMinimumHeight(48);
  notes_->setMaximumHeight(120);
  status_ = valueLabel(tr("Run status"), tr("The run's status"));
  error_ = valueLabel(tr("Run error"), tr("Why the run failed or stopped"));
  metrics_ = valueLabel(tr("Final metrics"), tr("The metrics recorded when the run ended"));
  checkpoints_ = valueLabel(tr("Checkpoints"), tr("The run's checkpoint files"));
  save_ = named(new QPushButton(tr("Save")), tr("Save run details"), tr("Write the name, tags and notes"));
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(4, 4, 4, 4);
  auto* form = new QFormLayout;
  outer->addLayout(form);
  outer->addStretch(1);  // spare height below the rows, not between them
  form->setContentsMargins(0, 0, 0, 0);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->addRow(tr("Name"), name_);
  form->addRow(tr("Tags"), tags_);
  form->addRow(tr("Notes"), notes_);
  form->addRow(QString(), save_);
  form->addRow(tr("Status"), status_);
  form->addRow(tr("Error"), error_);
  form->addRow(tr("Final"), metrics_);
  form->addRow(tr("Checkpoints"), checkpoints_);
  connect(save_, &QPushButton::clicked, this, [this] {
    const QString e = save();
    if (!e.isEmpty()) emit errorOccurred(e);
  });
  showRun(-1);
}

void RunDetailsView::showRun(qint64 id) {
  run_ = -1;
  engine::runs::RunRecord r;
  std::vector<engine::runs::Checkpoint> ckpts;
  if (store_ && id >= 0) {
    try {
      r = store_->get_run(id);
      ckpts = store_->checkpoints(id);
      run_ = id;
    } catch (const std::exception& e) {
      emit errorOccurred(QString::fromUtf8(e.what()));
    }
  }
  const bool have = run_ >= 0;
  for (QWidget* w : std::initializer_list<QWidget*>{name_, tags_, notes_, save_}) w->setEnabled(have);
  QStringList tags;
  for (const std::string& t : r.tags) tags << qstr(t);
  name_->setText(have ? qstr(r.name) : QString());
  tags_->setText(tags.join(QStringLiteral(", ")));
  notes_->setPlainText(have ? qstr(r.notes) : QString());
  if (have) {
    const QColor c = RunTableModel::statusColor(r.status);
    status_->setText(QStringLiteral("<span style='color:%1'>%2</span> (run #%3%4)")
                         .arg(c.name(), qstr(std::string(engine::runs::status_name(r.status))))
                         .arg(id)
                         .arg(r.backend.empty() ? QString() : QStringLiteral(", ") + qstr(r.backend)));
  } else {
    status_->setText(tr("No run selected"));
  }
  error_->setText(qstr(r.error));
  QStringList metrics;
  for (const auto& [k, v] : r.final_metrics) metrics << QStringLiteral("%1 = %2").arg(qstr(k)).arg(v, 0, 'g', 5);
  metrics_->setText(metrics.join(QLatin1Char('\n')));
  QStringList files;
  for (const auto& c : ckpts)
    files << tr("step %1: %2").arg(c.step).arg(QFileInfo(qstr(c.path)).fileName());
  checkpoints_->setText(files.isEmpty() ? tr("none") : files.join(QLatin1Char('\n')));
}

QString RunDetailsView::save() {
  if (!store_ || run_ < 0) return tr("No run selected");
  try {
    const engine::runs::RunRecord r = store_->get_run(run_);
    const QString name = name_->text().trimmed();
    if (!name.isEmpty() && stdstr(name) != r.name) store_->rename(run_, stdstr(name));
    std::set<std::string> wanted;
    for (const QString& t : tags_->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
      if (!t.trimmed().isEmpty()) wanted.insert(stdstr(t.trimmed()));
    for (const std::string& t : r.tags)
      if (!wanted.contains(t)) store_->remove_tag(run_, t);
    for (const std::string& t : wanted) store_->add_tag(run_, t);
    if (stdstr(notes_->toPlainText()) != r.notes) store_->set_notes(run_, stdstr(notes_->toPlainText()));
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  emit edited(run_);
  return {};
}

}  // namespace gs
