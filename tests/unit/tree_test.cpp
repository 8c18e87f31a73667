// Pytrees: flattening order and round trips, tree_map over several trees, structure-mismatch
// messages, key paths and printers. Expected strings are what JAX prints for the same trees.
#include <QtTest>

#include "engine/tree/tree.h"
#include "unit/test_support.h"

using namespace engine;

namespace {

Array vec(std::vector<float> v) { return Array::from_vector(v); }

std::vector<float> values(const Tensor& t) { return t.array().to_vector<float>(); }

// Element-wise combination of same-shape f32 arrays, so the tests need no ops library.
template <class F>
Array zip(const std::vector<Tensor>& xs, F f) {
  Array out = Array::empty(DType::f32, xs[0].shape());
  float* o = out.mutable_data<float>();
  for (int64_t i = 0; i < out.size(); ++i) {
    std::vector<float> args;
    for (const Tensor& x : xs) args.push_back(x.array().data<float>()[i]);
    o[i] = f(args);
  }
  return out;
}


QString q(const std::string& s) { return QString::fromStdString(s); }

// The MLP parameters of the docs: {'params': {'Dense_0': {'kernel', 'bias'}}}, inserted unsorted.
PyTree mlp_params() {
  return PyTree::dict(
      {{"params", PyTree::dict({{"Dense_0", PyTree::dict({{"kernel", full({784, 512}, 0.5)},
                                                            {"bias", full({512}, 0.0)}})}})}});
}

Tensor traced(Shape shape) {
  return Tensor(std::make_shared<const Tracer>(Tracer{7, 0, Aval{std::move(shape), DType::f32}}));
}

}  // namespace

class TreeTest : public QObject {
  Q_OBJECT

 private slots:
  void flattenOrderIsSortedKeysDepthFirst() {
    Array a = vec({1}), b = vec({2}), c = vec({3}), d = vec({4});
    PyTree tree = PyTree::dict({{"z", PyTree::list({a, PyTree::tuple({b, c})})},
                                {"a", PyTree::dict({{"y", d}, {"x", PyTree::none()}})},
                                {"m", PyTree::tuple({})}});
    auto [leaves, def] = tree_flatten(tree);
    QCOMPARE(leaves.size(), size_t(4));
    QCOMPARE(values(leaves[0]), std::vector<float>{4});
    QCOMPARE(values(leaves[1]), std::vector<float>{1});
    QCOMPARE(values(leaves[3]), std::vector<float>{3});
    QCOMPARE(q(def.str()), QString("PyTreeDef({'a': {'x': None, 'y': *}, 'm': (), 'z': [*, (*, *)]})"));
    QCOMPARE(def.num_leaves(), size_t(4));
    QCOMPARE(def.num_nodes(), size_t(10));

    PyTree back = tree_unflatten(def, leaves);
    QVERIFY(tree_structure(back) == def);
    // Leaves come back as the same buffers, not copies.
    QCOMPARE(back["z"][1][0].leaf().array().raw(), b.raw());
    QCOMPARE(back["a"]["y"].leaf().array().raw(), d.raw());
    QVERIFY(back["a"]["x"].is_none());
    QVERIFY(back["m"].is_tuple());
    QCOMPARE(back["m"].size(), size_t(0));
  }

  void leafNoneAndEmptyContainers() {
    QCOMPARE(q(tree_structure(PyTree(vec({1}))).str()), QString("PyTreeDef(*)"));
    QCOMPARE(q(tree_structure(PyTree()).str()), QString("PyTreeDef(None)"));
    QCOMPARE(q(tree_structure(PyTree::list({})).str()), QString("PyTreeDef([])"));
    QCOMPARE(q(tree_structure(PyTree::tuple({})).str()), QString("PyTreeDef(())"));
    QCOMPARE(q(tree_structure(PyTree::dict({})).str()), QString("PyTreeDef({})"));
    QCOMPARE(q(tree_structure(PyTree::tuple({vec({1})})).str()), QString("PyTreeDef((*,))"));
    QCOMPARE(q(tree_structure(PyTree::list({PyTree(), PyTree::list({PyTree::dict({})})})).str()),
             QString("PyTreeDef([None, [{}]])"));
    QVERIFY(tree_leaves(PyTree()).empty());
    QVERIFY(tree_leaves(PyTree::dict({{"a", PyTree::list({})}, {"b", PyTree()}})).empty());

    PyTree none_back = TreeDef::none().unflatten({});
    QVERIFY(none_back.is_none());
    PyTree leaf_back = TreeDef::leaf().unflatten({vec({5})});
    QVERIFY(leaf_back.is_leaf());
    QCOMPARE(values(leaf_back.leaf()), std::vector<float>{5});
  }

  void treeDefConstructorsAndEquality() {
    PyTree tree = PyTree::dict({{"b", PyTree::list({vec({1}), vec({2})})}, {"a", vec({3})}});
    TreeDef built = TreeDef::dict({{"b", TreeDef::list({TreeDef::leaf(), TreeDef::leaf()})}, {"a", TreeDef::leaf()}});
    QVERIFY(tree_structure(tree) == built);
    QCOMPARE(q(built.str()), QString("PyTreeDef({'a': *, 'b': [*, *]})"));
    QVERIFY(!tree_structure_diff(built, tree_structure(tree)));
    // A tuple is not a list, and dicts with other keys differ.
    TreeDef as_tuple = TreeDef::dict({{"a", TreeDef::leaf()}, {"b", TreeDef::tuple({TreeDef::leaf(), TreeDef::leaf()})}});
    QVERIFY(!(as_tuple == built));
    QCOMPARE(q(tree_structure_diff(built, as_tuple).value()), QString("at ['b']: list of 2 vs tuple of 2"));
    TreeDef other_keys = TreeDef::dict({{"a", TreeDef::leaf()}, {"c", TreeDef::leaf()}});
    QCOMPARE(q(tree_structure_diff(built, other_keys).value()),
             QString("at the root: dict with keys (a, b) vs dict with keys (a, c)"));
    QCOMPARE(q(error_of([&] { check_same_structure(built, TreeDef::leaf(), "grad"); })),
             QString("grad: structure mismatch at the root: dict with keys (a, b) vs leaf"));
    QCOMPARE(q(error_of([] { TreeDef::dict({{"a", TreeDef::leaf()}, {"a", TreeDef::none()}}); })),
             QString("TreeDef::dict: duplicate key 'a'"));
  }

  void accessorsAndImmutableUpdates() {
    Array w = vec({1, 2}), b = vec({3});
    PyTree params = PyTree::dict({{"kernel", w}, {"bias", b}});
    QVERIFY(params.is_dict());
    QCOMPARE(params.size(), size_t(2));
    QCOMPARE(params.keys(), (std::vector<std::string>{"bias", "kernel"}));
    QCOMPARE(values(params["kernel"].leaf()), (std::vector<float>{1, 2}));
    QVERIFY(params.contains("bias"));
    QVERIFY(!params.contains("scale"));
    QCOMPARE(q(error_of([&] { params["scale"]; })),
             QString("PyTree: no key 'scale' in dict with keys (bias, kernel)"));
    QCOMPARE(q(error_of([&] { params[0]; })),
             QString("PyTree[0]: this node is a dict with keys (bias, kernel), not a list or tuple"));
    QCOMPARE(q(error_of([&] { params.leaf(); })),
             QString("PyTree::leaf: this node is a dict with keys (bias, kernel), not a leaf"));
    QCOMPARE(q(error_of([&] { params["bias"].keys(); })),
             QString("PyTree::keys: this node is a leaf f32[1], not a dict"));
    QCOMPARE(q(error_of([] { PyTree::dict({{"a", vec({1})}, {"a", vec({2})}}); })),
             QString("PyTree::dict: duplicate key 'a'"));

    PyTree scaled = params.with("scale", vec({9})).with("bias", vec({7}));
    QCOMPARE(scaled.keys(), (std::vector<std::string>{"bias", "kernel", "scale"}));
    QCOMPARE(values(scaled["bias"].leaf()), std::vector<float>{7});
    QCOMPARE(scaled["kernel"].leaf().array().raw(), w.raw());  // untouched subtree shared
    QCOMPARE(params.size(), size_t(2));                          // original unchanged
    QCOMPARE(values(params["bias"].leaf()), std::vector<float>{3});

    PyTree list = PyTree::list({w, b});
    PyTree list2 = list.with(1, PyTree::tuple({b}));
    QVERIFY(list[1].is_leaf());
    QVERIFY(list2[1].is_tuple());
    QCOMPARE(q(error_of([&] { list[2]; })), QString("PyTree: index 2 out of range for list of 2"));
    QCOMPARE(q(error_of([&] { list.with(5, b); })),
             QString("PyTree::with: index 5 out of range for list of 2"));

    // Argument lists: vector<PyTree> -> tuple -> children().
    std::vector<PyTree> args{params, list, PyTree()};
    PyTree packed = PyTree::tuple(args);
    QCOMPARE(packed.children().size(), size_t(3));
    QVERIFY(tree_structure(packed.children()[0]) == tree_structure(params));
    QVERIFY(packed.children()[2].is_none());
    QCOMPARE(q(tree_structure(packed).str()), QString("PyTreeDef(({'bias': *, 'kernel': *}, [*, *], None))"));
  }

  void treeMapOverOneTree() {
    PyTree tree = PyTree::dict({{"b", PyTree::tuple({vec({1, 2}), PyTree()})}, {"a", PyTree::list({vec({3})})}});
    PyTree doubled = tree_map([](const Tensor& x) { return zip({x}, [](auto v) { return 2 * v[0]; }); }, tree);
    QVERIFY(tree_structure(doubled) == tree_structure(tree));
    QCOMPARE(values(doubled["b"][0].leaf()), (std::vector<float>{2, 4}));
    QCOMPARE(values(doubled["a"][0].leaf()), std::vector<float>{6});
    QVERIFY(doubled["b"][1].is_none());
    QCOMPARE(values(tree["b"][0].leaf()), (std::vector<float>{1, 2}));

    int calls = 0;
    PyTree none_mapped = tree_map([&](const Tensor& x) { ++calls; return x; }, PyTree());
    QVERIFY(none_mapped.is_none());
    QCOMPARE(calls, 0);
  }

  void treeMapOverThreeTrees() {
    auto make = [](float s) {
      return PyTree::dict({{"w", vec({s, 2 * s})}, {"rest", PyTree::list({vec({3 * s}), PyTree::dict({})})}});
    };
    PyTree p = make(1), g = make(10), m = make(100);
    // Arguments arrive in tree order: p + 0.1 g - 0.01 m.
    PyTree out = tree_map(
        [](const Tensor& a, const Tensor& b, const Tensor& c) {
          return zip({a, b, c}, [](auto v) { return v[0] + 0.1f * v[1] - 0.01f * v[2]; });
        },
        p, g, m);
    QCOMPARE(q(tree_structure(out).str()), QString("PyTreeDef({'rest': [*, {}], 'w': *})"));
    QCOMPARE(values(out["w"].leaf()), (std::vector<float>{1, 2}));
    QCOMPARE(values(out["rest"][0].leaf()), std::vector<float>{3});

    // The vector core takes any number of trees.
    std::vector<PyTree> trees{p, g, m, p, g};
    PyTree sum = tree_map_n([](std::span<const Tensor> xs) {
      return zip(std::vector<Tensor>(xs.begin(), xs.end()), [](auto v) {
        float s = 0;
        for (float x : v) s += x;
        return s;
      });
    }, trees);
    QCOMPARE(values(sum["w"].leaf()), (std::vector<float>{122, 244}));
  }

  void treeMapMismatchNamesThePath() {
    PyTree a = mlp_params();
    PyTree b = PyTree::dict({{"params", PyTree::dict({{"Dense_0", PyTree::list({vec({1}), vec({2})})}})}});
    auto id2 = [](const Tensor& x, const Tensor&) { return x; };
    QCOMPARE(q(error_of([&] { tree_map(id2, a, b); })),
             QString("tree_map: structure mismatch at ['params']['Dense_0']: dict with keys (bias, kernel) vs "
                     "list of 2 (tree 0 vs tree 1)"));
    // The first difference in flattening order, inside a list; the third tree is the odd one.
    PyTree l1 = PyTree::list({vec({1}), PyTree::tuple({vec({1}), vec({2})})});
    PyTree l3 = PyTree::list({vec({1}), PyTree::tuple({vec({1}), PyTree::list({})})});
    auto id3 = [](const Tensor& x, const Tensor&, const Tensor&) { return x; };
    QCOMPARE(q(error_of([&] { tree_map(id3, l1, l1, l3); })),
             QString("tree_map: structure mismatch at [1][1]: leaf vs list of 0 (tree 0 vs tree 2)"));
    QCOMPARE(q(error_of([&] { tree_map(id2, PyTree(), vec({1})); })),
             QString("tree_map: structure mismatch at the root: None vs leaf (tree 0 vs tree 1)"));
  }

  void unflattenWithWrongLeafCount() {
    TreeDef def = tree_structure(PyTree::dict({{"a", vec({1})}, {"b", vec({2})}}));
    QCOMPARE(q(error_of([&] { def.unflatten({vec({1}), vec({2}), vec({3})}); })),
             QString("tree_unflatten: PyTreeDef({'a': *, 'b': *}) has 2 leaves but 3 were given"));
    QCOMPARE(q(error_of([&] { tree_unflatten(TreeDef::leaf(), {}); })),
             QString("tree_unflatten: PyTreeDef(*) has 1 leaves but 0 were given"));
  }

  void shapesPrintLikeJax() {
    QCOMPARE(q(tree_shapes_str(mlp_params())),
             QString("{'params': {'Dense_0': {'bias': (512,), 'kernel': (784, 512)}}}"));
    QCOMPARE(q(tree_shapes_str(PyTree::list({full({3}, 0), full({4, 5}, 0)}))), QString("[(3,), (4, 5)]"));
    QCOMPARE(q(tree_shapes_str(PyTree::tuple({full({3}, 0), full({4}, 0)}))), QString("((3,), (4,))"));
    QCOMPARE(q(tree_shapes_str(PyTree::tuple({full({2, 1, 3}, 0)}))), QString("((2, 1, 3),)"));
    QCOMPARE(q(tree_shapes_str(PyTree())), QString("None"));
    QCOMPARE(q(tree_shapes_str(Array::scalar(1))), QString("()"));
    QCOMPARE(q(tree_shapes_str(PyTree::dict({{"b", PyTree::list({})}, {"a", PyTree::dict({})}, {"c", PyTree()}}))),
             QString("{'a': {}, 'b': [], 'c': None}"));
    QCOMPARE(q(tree_shapes_str(PyTree::dict({{"it's", full({0}, 0)}}))), QString("{\"it's\": (0,)}"));
  }

  void valuesPrintLikeJax() {
    PyTree tree = PyTree::dict({{"w", Array::scalar(3)}, {"b", PyTree::list({vec({1, 2}), PyTree()})}});
    QCOMPARE(q(tree_str(tree)),
             QString("{'b': [Array([1., 2.], dtype=float32), None], 'w': Array(3., dtype=float32)}"));
  }

  void tracedLeavesAreNeverRead() {
    PyTree tree = PyTree::dict({{"x", traced({3})}, {"y", PyTree::tuple({traced({2, 2})})}});
    QCOMPARE(q(tree_shapes_str(tree)), QString("{'x': (3,), 'y': ((2, 2),)}"));
    QCOMPARE(q(tree_str(tree)), QString("{'x': Traced<f32[3]>, 'y': (Traced<f32[2,2]>,)}"));
    auto [leaves, def] = tree_flatten(tree);
    QVERIFY(leaves[1].is_traced());
    PyTree same = tree_map([](const Tensor& x, const Tensor&) { return x; }, tree, def.unflatten(leaves));
    QCOMPARE(same["y"][0].leaf().tracer().get(), leaves[1].tracer().get());
  }

  void keyPathsPrintAsKeystrAndSlash() {
    PyTree tree = mlp_params().with("layers", PyTree::list({vec({1}), PyTree::tuple({vec({2})})}));
    auto flat = tree_flatten_with_path(tree);
    QCOMPARE(flat.size(), size_t(4));
    QCOMPARE(q(flat[0].first.str()), QString("['layers'][0]"));
    QCOMPARE(q(flat[1].first.str()), QString("['layers'][1][0]"));
    QCOMPARE(q(flat[2].first.str()), QString("['params']['Dense_0']['bias']"));
    QCOMPARE(q(flat[3].first.str()), QString("['params']['Dense_0']['kernel']"));
    QCOMPARE(q(flat[3].first.slash()), QString("params/Dense_0/kernel"));
    QCOMPARE(q(flat[1].first.slash()), QString("layers/1/0"));
    QCOMPARE(flat[3].second.shape(), (Shape{784, 512}));
    QVERIFY(flat[2].first == (KeyPath{"params", "Dense_0", "bias"}));
    QCOMPARE(q(keystr(KeyPath{0})), QString("[0]"));
    QCOMPARE(q(tree_flatten_with_path(vec({1}))[0].first.str()), QString(""));

    PyTree renamed = tree_map_with_path(
        [](const KeyPath& path, const Tensor& x) { return path.slash() == "layers/0" ? Tensor(vec({8})) : x; }, tree);
    QCOMPARE(values(renamed["layers"][0].leaf()), std::vector<float>{8});
    QCOMPARE(values(renamed["layers"][1][0].leaf()), std::vector<float>{2});
  }

  void treeGetByKeyPathAndSlashPath() {
    PyTree tree = mlp_params().with("layers", PyTree::list({vec({1}), PyTree::dict({{"0", vec({2})}})}));
    QCOMPARE(tree_get(tree, KeyPath{"params", "Dense_0", "bias"}).leaf().shape(), Shape{512});
    QCOMPARE(tree_get(tree, "params/Dense_0/kernel").leaf().shape(), (Shape{784, 512}));
    // "0" is an index in the list and a key in the dict below it.
    QCOMPARE(values(tree_get(tree, "layers/1/0").leaf()), std::vector<float>{2});
    QVERIFY(tree_get(tree, "").is_dict());
    QCOMPARE(q(error_of([&] { tree_get(tree, "params/Dense_1/kernel"); })),
             QString("tree_get: no ['Dense_1'] at ['params'], which is a dict with keys (Dense_0)"));
    QCOMPARE(q(error_of([&] { tree_get(tree, KeyPath{"layers", 2}); })),
             QString("tree_get: index [2] out of range at ['layers'], which is a list of 2"));
    QCOMPARE(q(error_of([&] { tree_get(tree, "layers/0/x"); })),
             QString("tree_get: no ['x'] at ['layers'][0], which is a leaf f32[1]"));
  }
};

QTEST_APPLESS_MAIN(TreeTest)
#include "tree_test.moc"
