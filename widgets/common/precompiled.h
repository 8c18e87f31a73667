// What the panels and their tests include, precompiled once for each kind of target
// (cmake/build_speed.cmake): Qt Widgets and QCustomPlot are most of a panel file's compile time.
// Only headers that change rarely belong here: a change to one of them rebuilds every panel.
#pragma once

#include <QtWidgets>

#include <qcustomplot.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/nn/model_spec.h"
#include "engine/runs/run_store.h"
