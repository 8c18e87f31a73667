// Optax in one include: GradientTransformation, chain, apply_updates, schedules, the building
// blocks and the named optimizers (sgd, adam, adamw, rmsprop, adagrad).
#pragma once
#include "engine/optim/adagrad.h"
#include "engine/optim/adam.h"
#include "engine/optim/base.h"
#include "engine/optim/clipping.h"
#include "engine/optim/rmsprop.h"
#include "engine/optim/schedule.h"
#include "engine/optim/sgd.h"
#include "engine/optim/transform.h"
