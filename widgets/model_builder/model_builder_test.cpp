// The Model Builder: its item models pass QAbstractItemModelTester through every kind of edit;
// add, move (buttons and drag mime), remove and duplicate are undoable back to the exact JSON;
// shapes and parameter counts follow every change; an impossible layer is flagged at its row;
// the property editor edits fields within the catalog's ranges; specs save and load, and a bad
// file gives a message instead of a crash.
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTreeView>
#include <QUndoStack>
#include <QtTest>

#include "engine/nn/model_spec.h"
#include "widgets/model_builder/block_diagram_view.h"
#include "widgets/model_builder/layer_palette_model.h"
#include "widgets/model_builder/layer_property_editor.h"
#include "widgets/model_builder/model_builder_panel.h"
#include "widgets/model_builder/model_spec_model.h"
#include "widgets/model_builder/spec_commands.h"

using json = nlohmann::json;
using gs::ModelSpecModel;

namespace {

QString dumped(const json& j) {
  return QString::fromStdString(j.dump());
}

json layers(const gs::ModelBuilderPanel& p) {
  return p.spec()["layers"];
}

QString cell(const QAbstractItemModel* m, int row, int column, int role = Qt::DisplayRole) {
  return m->data(m->index(row, column), role).toString();
}

void click(gs::ModelBuilderPanel& p, const char* button) {
  auto* b = p.findChild<QToolButton*>(button);
  QVERIFY2(b, button);
  b->click();
}

const QAbstractItemModel* listModel(gs::ModelBuilderPanel& p) {
  return p.findChild<QTableView*>("Layerlist")->model();
}

// CNN with a conv after the flatten: impossible (flatten gives rank 2, conv needs rank 4).
json cnnWithBadConv() {
  json spec = engine::nn::builtin_spec("cnn");
  spec["layers"].insert(spec["layers"].begin() + 9, json{{"type", "conv"}, {"features", 16}});
  return spec;
}

}  // namespace

class ModelBuilderTest : public QObject {
  Q_OBJECT

 private slots:
  void modelsPassTheTester() {
    ModelSpecModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.resetSpec(engine::nn::builtin_spec("cnn"));
    QCOMPARE(model.rowCount(), 12);
    model.insertLayer(3, json{{"type", "dropout"}, {"rate", 0.1}});
    model.moveLayer(3, 7);
    model.moveLayer(7, 0);
    model.setLayer(0, json{{"type", "dense"}, {"features", -1}});
    model.takeLayer(0);
    model.setInputShape(engine::Shape{32, 32, 3});
    model.resetSpec(json{{"layers", json::array({5, {{"type", "nope"}}})}});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(cell(&model, 0, ModelSpecModel::TypeColumn), QString("?"));
    model.resetSpec(json::array());  // garbage in: no rows, no crash
    QCOMPARE(model.rowCount(), 0);

    gs::LayerPaletteModel palette;
    QAbstractItemModelTester paletteTester(&palette,
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(palette.rowCount(), 7);  // the categories
    const QModelIndex relu = palette.indexOfType("relu");
    QVERIFY(relu.isValid());
    QCOMPARE(relu.parent().data().toString(), QString("Activation"));
    QVERIFY(relu.data(Qt::ToolTipRole).toString().contains("max(x, 0)"));
    QVERIFY(!palette.mimeData({palette.index(0, 0)}));  // categories do not drag
  }

  void addMoveRemoveDuplicateUndo() {
    gs::ModelBuilderPanel p;
    p.setSpec(engine::nn::builtin_spec("mlp"));
    const json start = p.spec();
    p.undoStack()->clear();
    auto* palette = p.findChild<QTreeView*>("Layerpalette");
    auto* paletteModel = qobject_cast<gs::LayerPaletteModel*>(palette->model());
    p.selectLayer(1);
    palette->setCurrentIndex(paletteModel->indexOfType("dropout"));
    click(p, "Add");  // after Dense_0
    QCOMPARE(dumped(layers(p)[2]), QString(R"({"rate":0.5,"type":"dropout"})"));
    click(p, "Moveup");
    QCOMPARE(dumped(layers(p)[1]["type"]), QString("\"dropout\""));
    click(p, "Movedown");
    click(p, "Movedown");
    QCOMPARE(dumped(layers(p)[3]["type"]), QString("\"dropout\""));
    click(p, "Duplicate");
    QCOMPARE(layers(p).size(), size_t{6});
    QCOMPARE(dumped(layers(p)[4]), dumped(layers(p)[3]));
    p.selectLayer(0);
    click(p, "Remove");
    QCOMPARE(layers(p).size(), size_t{5});
    QCOMPARE(dumped(layers(p)[0]["type"]), QString("\"dense\""));
    // Double-clicking a palette item adds it too.
    p.selectLayer(4);
    emit palette->doubleClicked(paletteModel->indexOfType("softmax"));
    QCOMPARE(dumped(layers(p).back()), QString(R"({"type":"softmax"})"));
    const json end = p.spec();
    QCOMPARE(p.undoStack()->count(), 7);
    while (p.undoStack()->canUndo()) p.undoStack()->undo();
    QCOMPARE(dumped(p.spec()), dumped(start));
    while (p.undoStack()->canRedo()) p.undoStack()->redo();
    QCOMPARE(dumped(p.spec()), dumped(end));
  }

  void dragAndDropMime() {
    gs::ModelBuilderPanel p;
    p.setSpec(engine::nn::builtin_spec("mlp"));
    auto* model = const_cast<QAbstractItemModel*>(listModel(p));
    // Drag row 0 (flatten) and drop it between rows 2 and 3: it ends at index 2.
    std::unique_ptr<QMimeData> rows(model->mimeData({model->index(0, 0), model->index(0, 3)}));
    QVERIFY(rows && rows->hasFormat(ModelSpecModel::kRowsMime));
    QVERIFY(model->canDropMimeData(rows.get(), Qt::CopyAction, 3, 0, {}));
    QVERIFY(model->dropMimeData(rows.get(), Qt::CopyAction, 3, 0, {}));
    QCOMPARE(dumped(layers(p)[2]["type"]), QString("\"flatten\""));
    QCOMPARE(layers(p).size(), size_t{4});
    // A drop from the palette onto row 1 inserts before it.
    auto* palette =
        qobject_cast<gs::LayerPaletteModel*>(p.findChild<QTreeView*>("Layerpalette")->model());
    std::unique_ptr<QMimeData> type(palette->mimeData({palette->indexOfType("tanh")}));
    QVERIFY(type && type->hasFormat(ModelSpecModel::kTypeMime));
    QVERIFY(model->dropMimeData(type.get(), Qt::CopyAction, -1, -1, model->index(1, 2)));
    QCOMPARE(dumped(layers(p)[1]), QString(R"({"type":"tanh"})"));
    // Dropped on the empty area: appended.
    QVERIFY(model->dropMimeData(type.get(), Qt::CopyAction, -1, -1, {}));
    QCOMPARE(dumped(layers(p).back()), QString(R"({"type":"tanh"})"));
    // Both drops are undo steps.
    p.undoStack()->undo();
    p.undoStack()->undo();
    p.undoStack()->undo();
    QCOMPARE(dumped(p.spec()), dumped(engine::nn::builtin_spec("mlp")));
  }

  void dropOnTheTableView() {
    // The view's own drop path (enter, move, drop events), as a mouse drag ends.
    gs::ModelBuilderPanel p;
    p.resize(1280, 800);
    p.setSpec(engine::nn::builtin_spec("mlp"));
    p.show();
    auto* table = p.findChild<QTableView*>("Layerlist");
    auto* palette =
        qobject_cast<gs::LayerPaletteModel*>(p.findChild<QTreeView*>("Layerpalette")->model());
    auto drop = [&](QMimeData* mime, int row) {
      const QPoint at = table->visualRect(table->model()->index(row, 1)).center();
      QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, {});
      QCoreApplication::sendEvent(table->viewport(), &enter);
      QDragMoveEvent move(at, Qt::CopyAction, mime, Qt::LeftButton, {});
      QCoreApplication::sendEvent(table->viewport(), &move);
      QDropEvent dropEvent(at, Qt::CopyAction, mime, Qt::LeftButton, {});
      QCoreApplication::sendEvent(table->viewport(), &dropEvent);
      delete mime;
    };
    drop(palette->mimeData({palette->indexOfType("gelu")}), 2);
    QCOMPARE(layers(p).size(), size_t{5});
    QCOMPARE(dumped(layers(p)[2]), QString(R"({"type":"gelu"})"));
    // A row dragged onto another moves (nothing is removed or copied).
    drop(table->model()->mimeData({table->model()->index(0, 0)}), 4);
    QCOMPARE(layers(p).size(), size_t{5});
    QCOMPARE(dumped(layers(p)[3]["type"]), QString("\"flatten\""));
    QCOMPARE(p.undoStack()->count(), 3);
  }

  void liveShapesOfTheMlp() {
    gs::ModelBuilderPanel p;
    p.setSpec(engine::nn::builtin_spec("mlp"));
    p.setInputShape({28, 28, 1});
    const QAbstractItemModel* m = listModel(p);
    QCOMPARE(cell(m, 0, ModelSpecModel::ShapeColumn), QString("(1, 784)"));
    QCOMPARE(cell(m, 1, ModelSpecModel::NameColumn), QString("Dense_0"));
    QCOMPARE(cell(m, 1, ModelSpecModel::ParamsColumn), QString("401,920"));
    QCOMPARE(cell(m, 3, ModelSpecModel::ShapeColumn), QString("(1, 10)"));
    QCOMPARE(cell(m, 3, ModelSpecModel::ParamsColumn), QString("5,130"));
    QCOMPARE(cell(m, 3, ModelSpecModel::StatusColumn), QString("ok"));
    auto* total = p.findChild<QLabel*>("Totalparameters");
    QVERIFY2(total->text().startsWith("Total: 407,050 parameters"), qPrintable(total->text()));
    QVERIFY(p.isValid());
    QCOMPARE(p.problem(), QString());
    // The data set's shape is what the layers see, and what spec() records.
    p.setInputShape({8, 8, 1});
    QCOMPARE(cell(m, 1, ModelSpecModel::ParamsColumn), QString("33,280"));
    QCOMPARE(dumped(p.spec()["input_shape"]), QString("[8,8,1]"));
    QCOMPARE(p.undoStack()->count(), 1);  // not an undo step
    auto* input = p.findChild<QLineEdit*>("Inputshape");
    QCOMPARE(input->text(), QString("8, 8, 1"));
    QVERIFY(input->isReadOnly());  // the data set's shape rules
  }

  void inputShapeWithoutADataSet() {
    gs::ModelBuilderPanel p;
    p.setSpec(engine::nn::builtin_spec("mlp"));
    auto* input = p.findChild<QLineEdit*>("Inputshape");
    QCOMPARE(input->text(), QString("28, 28, 1"));
    QVERIFY(!input->isReadOnly());
    input->setText("8x8x1");
    emit input->editingFinished();
    QCOMPARE(dumped(p.spec()["input_shape"]), QString("[8,8,1]"));
    QCOMPARE(cell(listModel(p), 1, ModelSpecModel::ParamsColumn), QString("33,280"));
    input->setText("8, -1");
    emit input->editingFinished();
    QCOMPARE(dumped(p.spec()["input_shape"]), QString("[8,8,1]"));
    QVERIFY(
        p.findChild<QLabel*>("Layermessage")->text().contains("not a list of positive integers"));
    p.undoStack()->undo();
    QCOMPARE(dumped(p.spec()), dumped(engine::nn::builtin_spec("mlp")));
  }

  void invalidLayerIsFlagged() {
    gs::ModelBuilderPanel p;
    QSignalSpy validity(&p, &gs::ModelBuilderPanel::validityChanged);
    p.setSpec(cnnWithBadConv());
    const QString expected =
        "layers[9] (conv): input (1, 3136) has rank 2 but Conv needs NHWC (rank 4)";
    QVERIFY(!p.isValid());
    QCOMPARE(p.problem(), expected);
    QCOMPARE(validity.count(), 1);
    QCOMPARE(validity.at(0).at(0).toBool(), false);
    QCOMPARE(validity.at(0).at(1).toString(), expected);
    const QAbstractItemModel* m = listModel(p);
    QCOMPARE(cell(m, 9, ModelSpecModel::StatusColumn), expected);
    QCOMPARE(cell(m, 9, ModelSpecModel::NameColumn, Qt::ToolTipRole), expected);
    QCOMPARE(m->data(m->index(9, 1), Qt::ForegroundRole).value<QColor>(),
             ModelSpecModel::errorColor());
    QCOMPARE(cell(m, 10, ModelSpecModel::ShapeColumn), QString("?"));
    QCOMPARE(cell(m, 8, ModelSpecModel::ShapeColumn), QString("(1, 3136)"));
    p.selectLayer(9);
    auto* message = p.findChild<QLabel*>("Layermessage");
    QCOMPARE(message->text(), expected);
    QVERIFY(p.findChild<QLabel*>("Totalparameters")->text().contains("before the first error"));
    // Removing it makes the model valid again.
    click(p, "Remove");
    QVERIFY(p.isValid());
    QCOMPARE(validity.count(), 2);
    QCOMPARE(validity.at(1).at(0).toBool(), true);
  }

  void propertyEditorEditsFields() {
    gs::ModelBuilderPanel p;
    p.setSpec(engine::nn::builtin_spec("cnn"));
    p.undoStack()->clear();
    auto* editor = p.findChild<gs::LayerPropertyEditor*>("Layerproperties");
    p.selectLayer(9);  // Dense_0
    auto* features = qobject_cast<QSpinBox*>(editor->editorFor("features"));
    QVERIFY(features);
    QCOMPARE(features->value(), 256);
    QCOMPARE(features->minimum(), 1);  // the catalog's range: 0 cannot be entered
    features->setValue(128);
    QCOMPARE(layers(p)[9]["features"].get<int>(), 128);
    QCOMPARE(cell(listModel(p), 9, ModelSpecModel::ParamsColumn), QString("401,536"));
    QCOMPARE(p.undoStack()->count(), 1);
    auto* bias = qobject_cast<QCheckBox*>(editor->editorFor("use_bias"));
    bias->setChecked(false);
    QCOMPARE(layers(p)[9]["use_bias"].get<bool>(), false);

    p.selectLayer(0);  // Conv_0: a choice and a pair
    auto* padding = qobject_cast<QComboBox*>(editor->editorFor("padding"));
    padding->setCurrentText("VALID");
    QCOMPARE(cell(listModel(p), 0, ModelSpecModel::ShapeColumn), QString("(1, 26, 26, 32)"));
    auto* kernel = editor->editorFor("kernel_size");
    const QList<QSpinBox*> spins = kernel->findChildren<QSpinBox*>();
    QCOMPARE(spins.size(), 2);
    spins[1]->setValue(5);
    QCOMPARE(dumped(layers(p)[0]["kernel_size"]), QString("[3,5]"));

    p.selectLayer(1);  // BatchNorm_0: numbers such as 1e-5 in a checked line edit
    auto* epsilon = qobject_cast<QLineEdit*>(editor->editorFor("epsilon"));
    QCOMPARE(epsilon->text(), QString("1e-05"));
    epsilon->setText("1e-3");
    emit epsilon->editingFinished();
    QCOMPARE(layers(p)[1]["epsilon"].get<double>(), 1e-3);
    const int steps = p.undoStack()->count();
    epsilon->setText("-1");  // outside (0, 1]: refused, nothing changes
    emit epsilon->editingFinished();
    QCOMPARE(layers(p)[1]["epsilon"].get<double>(), 1e-3);
    QCOMPARE(epsilon->text(), QString("0.001"));
    QCOMPARE(p.undoStack()->count(), steps);
    QVERIFY(editor->findChild<QLabel*>("Fieldmessage")->text().contains("(0, 1]"));

    // Each edit was one step; undoing them all gives the CNN back.
    QCOMPARE(p.undoStack()->count(), 5);
    while (p.undoStack()->canUndo()) p.undoStack()->undo();
    QCOMPARE(dumped(p.spec()), dumped(engine::nn::builtin_spec("cnn")));
    QCOMPARE(qobject_cast<QLineEdit*>(editor->editorFor("epsilon"))->text(), QString("1e-05"));

    // The model name is an edit too.
    auto* name = p.findChild<QLineEdit*>("Modelname");
    name->setText("fashion");
    emit name->editingFinished();
    QCOMPARE(dumped(p.spec()["name"]), QString("\"fashion\""));
    p.undoStack()->undo();
    QCOMPARE(dumped(p.spec()["name"]), QString("\"cnn\""));
  }

  void diagramAndListSelectTogether() {
    gs::ModelBuilderPanel p;
    p.resize(1280, 800);
    p.setSpec(engine::nn::builtin_spec("cnn"));
    p.show();
    auto* diagram = p.findChild<gs::BlockDiagramView*>("Blockdiagram");
    QVERIFY(diagram);
    QTest::mouseClick(diagram->canvas(), Qt::LeftButton, {}, diagram->blockRect(2).center());
    auto* table = p.findChild<QTableView*>("Layerlist");
    QCOMPARE(table->currentIndex().row(), 2);
    p.selectLayer(11);
    QCOMPARE(diagram->currentRow(), 11);
    QVERIFY(diagram->canvas()->height() > diagram->viewport()->height());  // 12 blocks scroll
  }

  void templatesReplaceTheModel() {
    gs::ModelBuilderPanel p;
    auto* templates = p.findChild<QToolButton*>("Templates");
    QVERIFY(templates && templates->menu());
    const QList<QAction*> items = templates->menu()->actions();
    QCOMPARE(items.size(), 4);
    const std::map<QString, json> expected{{"MLP", engine::nn::builtin_spec("mlp")},
                                           {"CNN", engine::nn::builtin_spec("cnn")},
                                           {"Linear", engine::nn::builtin_spec("linear")}};
    for (QAction* a : items) {
      a->trigger();
      if (a->text() == "Empty") {
        QCOMPARE(layers(p).size(), size_t{0});
        QVERIFY(p.isValid());
        QVERIFY(p.findChild<QLabel*>("Totalparameters")->text().startsWith("Total: 0 parameters"));
      } else {
        QCOMPARE(dumped(p.spec()), dumped(expected.at(a->text())));
        QVERIFY(p.isValid());
      }
    }
    QCOMPARE(p.undoStack()->count(), 4);
    p.undoStack()->undo();
    QCOMPARE(dumped(p.spec()), dumped(engine::nn::builtin_spec("linear")));
    auto* diagram = p.findChild<gs::BlockDiagramView*>("Blockdiagram");
    QVERIFY(diagram->toolTipAt(diagram->blockRect(0).center()).contains("Fully connected"));
  }

  void everyControlHasAnAccessibleName() {
    gs::ModelBuilderPanel p;
    p.selectLayer(1);  // a dense layer: its field editors exist
    QStringList unnamed;
    for (QWidget* w : p.findChildren<QWidget*>()) {
      const bool control = qobject_cast<QAbstractButton*>(w) ||
                           qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QComboBox*>(w) ||
                           qobject_cast<QLineEdit*>(w) || qobject_cast<QAbstractItemView*>(w) ||
                           qobject_cast<gs::BlockDiagramView*>(w);
      // Parts of a composite control (a spin box's line edit, a table's corner button) are its own.
      QWidget* up = w->parentWidget();
      const bool part =
          up && (qobject_cast<QAbstractSpinBox*>(up) || qobject_cast<QComboBox*>(up) ||
                 qobject_cast<QAbstractItemView*>(up) ||
                 qobject_cast<QAbstractItemView*>(up->parentWidget()));
      if (control && !part && w->accessibleName().isEmpty())
        unnamed << w->metaObject()->className() + QString(" ") + w->objectName();
    }
    QVERIFY2(unnamed.isEmpty(), qPrintable(unnamed.join(", ")));
    for (const char* name :
         {"Add", "Remove", "Duplicate", "Moveup", "Movedown", "Templates", "Load", "Save"}) {
      auto* b = p.findChild<QToolButton*>(name);
      QVERIFY2(b && !b->toolTip().isEmpty(), name);
    }
    auto* features = p.findChild<QSpinBox*>("features");
    QVERIFY(features);
    QCOMPARE(features->accessibleName(), QString("features"));
    QVERIFY(features->toolTip().contains("Number of output features"));
  }

  void shortcutsWorkOnThePanel() {
    gs::ModelBuilderPanel p;
    p.setSpec(engine::nn::builtin_spec("mlp"));
    p.show();
    QVERIFY(QTest::qWaitForWindowActive(&p));
    auto* table = p.findChild<QTableView*>("Layerlist");
    table->setFocus();
    p.selectLayer(2);
    QTest::keyClick(table, Qt::Key_Up, Qt::AltModifier);
    QCOMPARE(dumped(layers(p)[1]["type"]), QString("\"swish\""));
    QTest::keyClick(table, Qt::Key_Down, Qt::AltModifier);
    QCOMPARE(dumped(layers(p)[2]["type"]), QString("\"swish\""));
    QTest::keyClick(table, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(dumped(layers(p)[1]["type"]), QString("\"swish\""));
    QTest::keyClick(table, Qt::Key_Y, Qt::ControlModifier);
    QCOMPARE(dumped(p.spec()), dumped(engine::nn::builtin_spec("mlp")));
  }

  void saveAndLoad() {
    QTemporaryDir dir;
    const QString path = dir.filePath("cnn.json");
    gs::ModelBuilderPanel a;
    a.setSpec(cnnWithBadConv());
    QCOMPARE(a.saveFile(path), QString());
    QCOMPARE(a.currentFile(), path);
    gs::ModelBuilderPanel b;
    QCOMPARE(b.loadFile(path), QString());
    QCOMPARE(dumped(b.spec()), dumped(a.spec()));
    QCOMPARE(b.currentFile(), path);
    QVERIFY(!b.isValid());  // a layer's problem loads and shows
    b.undoStack()->undo();  // loading is one undo step
    QCOMPARE(dumped(b.spec()), dumped(engine::nn::builtin_spec("mlp")));

    // A saved valid spec is what from_spec reads.
    a.setSpec(engine::nn::builtin_spec("cnn"));
    QCOMPARE(a.saveFile(path), QString());
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const json saved = json::parse(f.readAll().toStdString());
    QCOMPARE(engine::nn::from_spec(saved).layers().size(), size_t{12});

    auto write = [&](const QString& name, const QByteArray& bytes) {
      QFile out(dir.filePath(name));
      out.open(QIODevice::WriteOnly);
      out.write(bytes);
      return dir.filePath(name);
    };
    const json before = b.spec();
    const QString bad = write("bad.json", "{\"layers\": [");
    QString error = b.loadFile(bad);
    QVERIFY2(error.startsWith(bad + ":1:13: not valid JSON"), qPrintable(error));
    error = b.loadFile(write("list.json", "[1, 2]"));
    QVERIFY2(error.contains("list.json is not a model spec"), qPrintable(error));
    error = b.loadFile(write("layers.json", "{\"layers\": 3}"));
    QVERIFY2(error.contains("'layers' must be a list, got 3"), qPrintable(error));
    error = b.loadFile(dir.filePath("missing.json"));
    QVERIFY2(error.startsWith("Cannot open " + dir.filePath("missing.json")), qPrintable(error));
    QCOMPARE(dumped(b.spec()), dumped(before));
    QCOMPARE(b.currentFile(), path);
    QVERIFY(a.saveFile(dir.filePath("no/such/dir/x.json")).startsWith("Cannot write"));
  }

  void screenshot() {
    // GS_BUILDER_SCREENSHOT=/tmp/builder.png writes the panel as a reviewer sees it.
    gs::ModelBuilderPanel p;
    p.resize(1280, 800);
    p.setSpec(cnnWithBadConv());
    p.setInputShape({28, 28, 1});
    p.show();
    p.selectLayer(9);
    QTest::qWait(20);
    const QPixmap shot = p.grab();
    QCOMPARE(shot.size(), QSize(1280, 800));
    const QString out = qEnvironmentVariable("GS_BUILDER_SCREENSHOT");
    if (!out.isEmpty()) QVERIFY(shot.save(out));
  }
};

QTEST_MAIN(ModelBuilderTest)
#include "model_builder_test.moc"
