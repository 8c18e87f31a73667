// Every control the studio makes is named for people and for tools: an objectName (tests,
// QSettings), an accessible name (screen readers, the AT-SPI end-to-end test) and a tooltip.
//
//   auto* start = gs::named(new QPushButton(tr("Start")), "startButton", tr("Start training (F5)"));
#pragma once
#include <QAction>
#include <QString>
#include <QWidget>

namespace gs {

template <class W>
W* named(W* widget, const QString& accessibleName, const QString& toolTip) {
  QString id = accessibleName;
  id.remove(' ');
  widget->setObjectName(id);
  widget->setAccessibleName(accessibleName);
  widget->setToolTip(toolTip);
  return widget;
}

// Actions are exposed through their menu items and tool buttons, which take the action's text
// as accessible name; the tooltip also names the shortcut.
inline QAction* described(QAction* action, const QString& toolTip) {
  QString tip = toolTip;
  if (!action->shortcut().isEmpty())
    tip += QStringLiteral(" (%1)").arg(action->shortcut().toString(QKeySequence::NativeText));
  action->setToolTip(tip);
  action->setStatusTip(toolTip);
  return action;
}

}  // namespace gs
