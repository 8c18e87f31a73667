#include "app/studio/about_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "engine/build_info.h"
#include "widgets/common/controls.h"
#include "widgets/common/qt_convert.h"

namespace gs {

QString AboutDialog::versionText() {
  const engine::BuildInfo& b = engine::build_info();
  QStringList backends;
  for (const std::string& name : b.backends) backends << qstr(name);
  return QStringLiteral(
             "Gradient Studio %1\n"
             "Backends: %2\n"
             "CPU: %3 (oneDNN dispatches %4, %5 threads)\n"
             "Qt %6 · QCustomPlot %7 · oneDNN %8 · SQLite %9")
      .arg(qstr(engine::version_string()), backends.join(", "), qstr(b.cpu_model), qstr(b.cpu_isa))
      .arg(b.threads)
      .arg(QString::fromLatin1(qVersion()), QStringLiteral(QCUSTOMPLOT_VERSION_STR), qstr(b.onednn_version),
           qstr(b.sqlite_version));
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("About Gradient Studio"));
  setObjectName("AboutDialog");
  auto* layout = new QVBoxLayout(this);
  auto* title = new QLabel(tr("<h2>Gradient Studio</h2><p>Learn and do differentiable programming the "
                              "JAX, Flax and Optax way: build models by clicking, watch them train, "
                              "compare runs.</p>"));
  title->setWordWrap(true);
  layout->addWidget(title);
  auto* versions = named(new QLabel(versionText()), tr("Versions"), tr("Versions of the studio and its libraries"));
  versions->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(versions);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  QPushButton* copy = named(buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole), tr("Copy versions"),
                            tr("Copy these versions to the clipboard, for a bug report"));
  connect(copy, &QPushButton::clicked, this, [] { QApplication::clipboard()->setText(versionText()); });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
}

}  // namespace gs
