// A jaxpr as a graph laid out by Graphviz's dot (its C library, in-process): one node per
// equation (and per input and output), one edge per variable passed from an equation to one that
// reads it, labelled with the variable's name. Coordinates are in points, y growing downwards.
#pragma once
#include <string>
#include <vector>

#include "engine/ir/jaxpr.h"

namespace gs {

struct GraphNode {
  enum class Kind { input, equation, output } kind;
  int eqn = -1;  // for equations: the index in the jaxpr
  std::string label;
  double x = 0, y = 0, width = 0, height = 0;  // centre and size
};

struct GraphEdge {
  int from = 0, to = 0;        // node indices
  int var = -1;                // the variable it carries
  std::string label;           // its name
  std::vector<double> points;  // the spline as x0, y0, x1, y1, ... (cubic Bézier control points)
  double label_x = 0, label_y = 0;
  bool arrow = false;  // the arrowhead's tip, where the spline stops short of the node
  double arrow_x = 0, arrow_y = 0;
};

struct GraphLayout {
  std::vector<GraphNode> nodes;
  std::vector<GraphEdge> edges;
  double width = 0, height = 0;
  int node_of_eqn(int eqn) const;  // -1 if none
};

// Throws engine::Error if Graphviz fails.
GraphLayout layout_jaxpr(const engine::Jaxpr& jaxpr);

}  // namespace gs
