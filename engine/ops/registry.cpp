// The table of every primitive's rules. Each family file under engine/ops/ returns its rule sets;
// this file lists the families explicitly (no static self-registration) and checks at first use
// that every PrimId has exactly one rule set.
#include <array>
#include <string>

#include "engine/ops/families.h"
#include "engine/ops/primitive.h"

namespace engine {

namespace {

constexpr std::array<std::string_view, kNumPrimitives> kNames = {
#define GS_NAME(name) #name,
    GS_PRIMITIVES(GS_NAME)
#undef GS_NAME
};

struct Table {
  std::array<PrimitiveRules, kNumPrimitives> rules{};
  std::array<bool, kNumPrimitives> filled{};

  Table() {
    for (auto family : {elementwise_unary_rules, elementwise_binary_rules, shape_rules, indexing_rules,
                        reduction_rules, linalg_rules, window_rules, random_rules}) {
      for (const PrimitiveRules& r : family()) {
        auto i = static_cast<size_t>(r.id);
        GS_CHECK(!filled[i], "internal: primitive " + std::string(kNames[i]) + " registered twice");
        rules[i] = r;
        filled[i] = true;
      }
    }
    for (size_t i = 0; i < rules.size(); ++i)
      if (!filled[i]) rules[i] = PrimitiveRules{static_cast<PrimId>(i), display_name(i)};
  }

  // JAX spells the logical ops "not", "and", ...; C++ needs the trailing underscore in the enum.
  static std::string_view display_name(size_t i) {
    std::string_view n = kNames[i];
    return n.ends_with('_') ? n.substr(0, n.size() - 1) : n;
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

const PrimitiveRules& rules(PrimId id) {
  const PrimitiveRules& r = table().rules[static_cast<size_t>(id)];
  GS_CHECK(r.shape, "primitive " + std::string(r.name) + " is not implemented yet");
  return r;
}

std::string_view prim_name(PrimId id) { return Table::display_name(static_cast<size_t>(id)); }

bool has_rules(PrimId id) { return table().filled[static_cast<size_t>(id)]; }

}  // namespace engine
