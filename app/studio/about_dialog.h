// Help > About: the studio's version and commit, the backends built in, and the versions of the
// libraries that compute and store (Qt, oneDNN, SQLite), with the CPU oneDNN dispatches to.
#pragma once
#include <QDialog>

namespace gs {

class AboutDialog : public QDialog {
  Q_OBJECT
 public:
  explicit AboutDialog(QWidget* parent = nullptr);
  // The same facts as plain text (also what the dialog's Copy button puts on the clipboard).
  static QString versionText();
};

}  // namespace gs
