// engine::nn in one include: Module, the layers, Sequential with describe(), model specs.
#pragma once
#include "engine/nn/activation.h"
#include "engine/nn/batch_norm.h"
#include "engine/nn/conv.h"
#include "engine/nn/dense.h"
#include "engine/nn/dropout.h"
#include "engine/nn/initializers.h"
#include "engine/nn/model_spec.h"
#include "engine/nn/module.h"
#include "engine/nn/pooling.h"
#include "engine/nn/rng.h"
#include "engine/nn/sequential.h"
