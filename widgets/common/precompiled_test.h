// The panels' precompiled headers plus Qt Test, for the panel tests (cmake/build_speed.cmake).
#pragma once

#include "widgets/common/precompiled.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
