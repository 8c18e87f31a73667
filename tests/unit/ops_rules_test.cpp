// Every primitive carries all its rules, or says why one is absent (STYLE.md: "a test fails on
// any missing rule without a stated reason").
#include <QtTest>

#include "engine/ops/families.h"
#include "engine/ops/primitive.h"

using namespace engine;

class OpsRulesTest : public QObject {
  Q_OBJECT
 private slots:
  void everyPrimitiveIsRegistered() {
    for (int i = 0; i < kNumPrimitives; ++i) {
      auto id = static_cast<PrimId>(i);
      QVERIFY2(has_rules(id), (std::string("no rules registered for ") + std::string(prim_name(id))).c_str());
      const PrimitiveRules& r = rules(id);
      QCOMPARE(r.id, id);
      QVERIFY2(r.shape && r.impl, std::string(r.name).c_str());
    }
  }

  void missingRulesAreExplained() {
    for (int i = 0; i < kNumPrimitives; ++i) {
      auto id = static_cast<PrimId>(i);
      if (!has_rules(id)) continue;
      const PrimitiveRules& r = rules(id);
      std::string name(r.name);
      QVERIFY2(r.batch, ("no batching rule for " + name).c_str());
      bool explained = !r.missing_reason.empty();
      QVERIFY2(r.jvp || explained, ("no JVP rule and no reason for " + name).c_str());
      // A primitive is either linear in some input (it has a transpose rule) or says why not.
      QVERIFY2(r.transpose || explained, ("no transpose rule and no reason for " + name).c_str());
    }
  }

  void namesMatchJax() {
    QCOMPARE(std::string(prim_name(PrimId::not_)), std::string("not"));
    QCOMPARE(std::string(prim_name(PrimId::reduce_sum)), std::string("reduce_sum"));
    QCOMPARE(std::string(prim_name(PrimId::dot_general)), std::string("dot_general"));
  }
};

QTEST_APPLESS_MAIN(OpsRulesTest)
#include "ops_rules_test.moc"
