// Everything pytree: PyTree, TreeDef and the tree_* utilities, key paths, printers.
#pragma once
#include "engine/tree/key_path.h"
#include "engine/tree/printer.h"
#include "engine/tree/pytree.h"
#include "engine/tree/treedef.h"
