// gradient-studio: the Qt desktop program over the engine (DESIGN.md, "Training runtime, runs and
// the GUI").
#include <QApplication>
#include <QMainWindow>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QMainWindow window;
  window.show();
  return app.exec();
}
