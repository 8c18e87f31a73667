// gradient-studio --screenshots DIR: drives the real main window through the workflows a person
// follows (two short real training runs on Fashion-MNIST, the builder with an invalid layer, the
// runs overlaid and diffed) and saves each panel as a PNG, for the README and the user guide.
// It records into a fresh database in a temporary folder, never the user's.
#pragma once
#include <QString>

namespace gs {

// Returns the process exit status: 0 when every picture was written.
int runScreenshotTour(const QString& dir, const QString& userDatabase);

}  // namespace gs
