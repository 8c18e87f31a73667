// gradient-studio: the Qt desktop program over the engine (DESIGN.md, "Training runtime, runs and
// the GUI"). It opens the same runs database as gradient-cli: --db, else $GS_DB, else
// $XDG_DATA_HOME/gradient-studio/runs.db.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>
#include <QTimer>
#include <cstdio>

#include "app/studio/main_window.h"
#include "app/studio/screenshot_tour.h"
#include "engine/build_info.h"
#include "engine/runs/database_path.h"
#include "widgets/common/qt_convert.h"

int main(int argc, char** argv) {
  QElapsedTimer sinceMain;
  sinceMain.start();
  QApplication app(argc, argv);
  QApplication::setApplicationName("gradient-studio");
  QApplication::setOrganizationName("GradientStudio");
  QApplication::setApplicationDisplayName("Gradient Studio");
  QApplication::setApplicationVersion(gs::qstr(engine::version_string()));
  QApplication::setDesktopFileName("gradient-studio");
  QApplication::setWindowIcon(QIcon(":/gradient-studio.svg"));

  QCommandLineParser args;
  args.setApplicationDescription(
      "Gradient Studio: build models by clicking, train them live and compare runs, over a JAX-like "
      "C++ engine.");
  args.addHelpOption();
  args.addVersionOption();
  QCommandLineOption db("db", "Runs database (default $GS_DB, else ~/.local/share/gradient-studio/runs.db).", "PATH");
  QCommandLineOption screenshots("screenshots", "Render every panel with real data to PNG files in DIR, then quit.", "DIR");
  QCommandLineOption measureStartup("measure-startup", "Print the milliseconds from main() to the first painted window, then quit.");
  args.addOptions({db, screenshots, measureStartup});
  args.process(app);

  std::string path;
  try {
    path = engine::runs::resolve_database_path(gs::stdstr(args.value(db)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gradient-studio: %s\n", e.what());
    return 1;
  }
  if (args.isSet(screenshots)) return gs::runScreenshotTour(args.value(screenshots), gs::qstr(path));

  gs::MainWindow window(gs::qstr(path));
  window.show();
  if (args.isSet(measureStartup)) {
    // Queued behind the first expose and paint of the window.
    QTimer::singleShot(0, &app, [&] {
      std::printf("ready %lld ms\n", static_cast<long long>(sinceMain.elapsed()));
      std::fflush(stdout);
      QApplication::quit();
    });
  }
  return app.exec();
}
