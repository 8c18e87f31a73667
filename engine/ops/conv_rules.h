// Internal to engine/ops: the rule set of conv_general_dilated (ops/conv_general_dilated.cpp),
// listed by linalg_rules() in ops/linalg.cpp.
#pragma once
#include "engine/ops/primitive.h"

namespace engine {

PrimitiveRules conv_general_dilated_rules();

}  // namespace engine
