// engine/core: dtypes, shapes, arrays (creation, immutability, printing like NumPy and JAX).
#include <QtTest>

#include <omp.h>

#include <mutex>

#include "engine/core/array.h"
#include "engine/core/buffer_pool.h"
#include "engine/core/parallel.h"
#include "engine/core/tensor.h"

using namespace engine;

class CoreTest : public QObject {
  Q_OBJECT
 private slots:
  void dtypeNamesRoundTrip() {
    for (int i = 0; i < kNumDTypes; ++i) {
      auto d = static_cast<DType>(i);
      QCOMPARE(dtype_from_name(dtype_name(d)), d);
      QCOMPARE(dtype_from_name(dtype_long_name(d)), d);
    }
    QVERIFY_THROWS_EXCEPTION(Error, dtype_from_name("float16"));
    QCOMPARE(promote_types(DType::i32, DType::f32), DType::f32);
    QCOMPARE(promote_types(DType::boolean, DType::i32), DType::i32);
    QCOMPARE(promote_types(DType::f32, DType::f64), DType::f64);
  }

  void shapeArithmetic() {
    QCOMPARE(shape_size({2, 3, 4}), int64_t{24});
    QCOMPARE(shape_size({}), int64_t{1});
    QCOMPARE(shape_size({5, 0}), int64_t{0});
    QVERIFY_THROWS_EXCEPTION(Error, shape_size({1LL << 40, 1LL << 40}));
    QVERIFY_THROWS_EXCEPTION(Error, shape_size({-1, 2}));
    QCOMPARE(broadcast_shapes({3, 1}, {4}), (Shape{3, 4}));
    QCOMPARE(broadcast_shapes({}, {2, 2}), (Shape{2, 2}));
    QCOMPARE(row_major_strides({2, 3, 4}), (std::vector<int64_t>{12, 4, 1}));
    QCOMPARE(shape_tuple_str({784, 512}), std::string("(784, 512)"));
    QCOMPARE(shape_tuple_str({3}), std::string("(3,)"));
  }

  void broadcastErrorNamesBothShapes() {
    try {
      broadcast_shapes({3, 2}, {4});
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("(3,2) and (4)") != std::string::npos);
    }
  }

  void creation() {
    QCOMPARE(arange(0, 5, 1, DType::i32).to_vector<int>(), (std::vector<int>{0, 1, 2, 3, 4}));
    QCOMPARE(arange(1, 2, 0.25).to_vector<float>(), (std::vector<float>{1, 1.25, 1.5, 1.75}));
    QCOMPARE(linspace(0, 1, 5).to_vector<float>(), (std::vector<float>{0, 0.25, 0.5, 0.75, 1}));
    QCOMPARE(full({2, 2}, 7, DType::i32).to_vector<int>(), (std::vector<int>{7, 7, 7, 7}));
    QCOMPARE(Array::zeros(DType::f64, {3}).to_vector<double>(), (std::vector<double>{0, 0, 0}));
    QCOMPARE(ones({2}).size(), int64_t{2});
    QVERIFY_THROWS_EXCEPTION(Error, ones({2}).item());
  }

  void arraysAreImmutableAndShared() {
    Array a = Array::from_vector<float>({1, 2, 3, 4}, {2, 2});
    Array b = a.reshape({4});
    QCOMPARE(a.buffer().get(), b.buffer().get());
    QVERIFY_THROWS_EXCEPTION(Error, b.mutable_raw());  // shared: nobody may write
    QVERIFY_THROWS_EXCEPTION(Error, a.data<int32_t>());  // wrong type read
    QVERIFY_THROWS_EXCEPTION(Error, a.reshape({3}));
  }

  void printsLikeNumpy() {
    QCOMPARE(Array::from_vector<float>({1, 2, 3, 4}, {2, 2}).str(), std::string("[[1. 2.]\n [3. 4.]]"));
    QCOMPARE(Array::from_vector<float>({0.1f, 0.25f, 3}).str(), std::string("[0.1  0.25 3.  ]"));
    QCOMPARE(Array::from_vector<int32_t>({-1, 20}).str(), std::string("[-1 20]"));
    QCOMPARE(Array::from_vector<bool>({true, false}).str(), std::string("[ True False]"));
    QCOMPARE(Array::scalar(2.5).str(), std::string("2.5"));
    QCOMPARE(Array::from_vector<float>({1e-5f, 1}).str(), std::string("[1.e-05 1.e+00]"));
  }

  void reprLikeJax() {
    QCOMPARE(Array::from_vector<float>({1, 2.5}).repr(), std::string("Array([1. , 2.5], dtype=float32)"));
    QCOMPARE(Array::from_vector<float>({1, 2, 3, 4.5, 5, 6}, {2, 3}).repr(),
             std::string("Array([[1. , 2. , 3. ],\n       [4.5, 5. , 6. ]], dtype=float32)"));
    QCOMPARE(arange(0, 3, 1, DType::i32).repr(), std::string("Array([0, 1, 2], dtype=int32)"));
  }

  void largeArraysAreSummarized() {
    std::string s = arange(0, 2000).str();
    QVERIFY(s.find("...") != std::string::npos);
    QVERIFY(s.size() < 200);
  }

  // Every index exactly once, in one contiguous range per thread, whatever the thread count;
  // small loops (parallel = false) as one range on the calling thread.
  void parallelRangesCoverEachIndexOnce() {
    const int saved = omp_get_max_threads();
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      for (int64_t n : {0, 1, 2, 7, 1000}) {
        for (bool parallel : {false, true}) {
          std::vector<int> hits(static_cast<size_t>(n), 0);
          std::mutex m;
          int ranges = 0;
          parallel_ranges(n, parallel, [&](int64_t begin, int64_t end) {
            std::lock_guard lock(m);
            QVERIFY(begin < end);
            ++ranges;
            for (int64_t i = begin; i < end; ++i) ++hits[static_cast<size_t>(i)];
          });
          QVERIFY(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
          const int expected = n == 0 ? 0 : !parallel || n < 2 ? 1 : static_cast<int>(std::min<int64_t>(threads, n));
          QCOMPARE(ranges, expected);
        }
      }
    }
    omp_set_num_threads(saved);
  }

  // Eager arrays of at least kProcessMinBytes reuse the storage of dead arrays of their size (no
  // page faults on the next step); smaller ones stay with the system allocator.
  void eagerArraysReuseDeadStorage() {
    BufferPool& pool = BufferPool::process();
    QVERIFY(pool.max_held_bytes() > 0);
    const void* first = nullptr;
    {
      Array a = Array::zeros(DType::f32, {1 << 16});  // 256 KiB
      first = a.raw();
    }
    const int64_t reused = pool.reused();
    Array b = Array::from_vector(std::vector<float>(1 << 16, 1.5f));
    QCOMPARE(b.raw(), first);
    QCOMPARE(pool.reused(), reused + 1);
    QCOMPARE(b.to_vector<float>()[12345], 1.5f);  // the recycled block holds the new values

    const size_t held = pool.held_bytes();
    { Array small = Array::zeros(DType::f32, {16}); }
    QCOMPARE(pool.held_bytes(), held);
  }

  // A compiled step's pool (a Scope) takes precedence over the process pool, and its blocks go
  // back to it, not to the process pool.
  void scopePoolTakesPrecedence() {
    auto step_pool = std::make_shared<BufferPool>();
    const size_t process_held = BufferPool::process().held_bytes();
    {
      BufferPool::Scope scope(step_pool.get());
      Array a = Array::zeros(DType::f32, {1 << 16});
    }
    QVERIFY(step_pool->held_bytes() > size_t{1} << 18);
    QCOMPARE(BufferPool::process().held_bytes(), process_held);
  }

  // Past its limit a pool frees the blocks given back longest ago, so sizes no longer used drain
  // away; the newest stay for reuse.
  void poolEvictsOldestPastItsLimit() {
    BufferPool pool(4160 + 4224 + 4288);  // room for the last three of the four blocks below
    void* blocks[4];
    for (int i = 0; i < 4; ++i) {
      blocks[i] = std::aligned_alloc(64, 4096 + 64 * i);
      pool.give(blocks[i], 4096 + 64 * i);
    }
    QCOMPARE(pool.held_bytes(), size_t{4160 + 4224 + 4288});
    QCOMPARE(pool.take(4096), nullptr);  // the oldest went back to the system
    QCOMPARE(pool.take(4096 + 64 * 3), blocks[3]);
    std::free(blocks[3]);
    void* huge = std::aligned_alloc(64, 8 * 4096);
    pool.give(huge, 8 * 4096);  // larger than the whole limit: freed at once, the rest kept
    QCOMPARE(pool.take(8 * 4096), nullptr);
    QCOMPARE(pool.take(4096 + 64), blocks[1]);
    std::free(blocks[1]);
  }

  void tracedTensorRefusesValueRead() {
    Tensor t(std::make_shared<const Tracer>(Tracer{424242, 0, Aval{{3}, DType::f32}}));
    QCOMPARE(t.shape(), (Shape{3}));
    QVERIFY_THROWS_EXCEPTION(Error, t.array());
    QCOMPARE(t.str(), std::string("Traced<f32[3]>"));
  }
};

QTEST_APPLESS_MAIN(CoreTest)
#include "core_test.moc"
