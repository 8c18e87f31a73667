// What most unit tests include, precompiled once for all of them (cmake/build_speed.cmake). Only
// headers that change rarely belong here: a change to one of them rebuilds every test.
#pragma once

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/numpy.h"
#include "engine/random/random.h"
#include "engine/transforms/autodiff.h"
#include "engine/transforms/jit.h"
#include "engine/transforms/make_jaxpr.h"
#include "engine/tree/tree.h"
