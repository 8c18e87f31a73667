#include "widgets/autodiff_lab/jaxpr_graph_layout.h"

#include <graphviz/gvc.h>

#include <memory>
#include <mutex>

#include "engine/core/error.h"

namespace gs {

int GraphLayout::node_of_eqn(int eqn) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].kind == GraphNode::Kind::equation && nodes[i].eqn == eqn) return static_cast<int>(i);
  return -1;
}

namespace {

// Graphviz keeps global state; one layout at a time.
std::mutex graphviz_mutex;

void set(void* obj, const char* name, const std::string& value) {
  agsafeset(obj, const_cast<char*>(name), const_cast<char*>(value.c_str()), const_cast<char*>(""));
}

std::string eqn_label(const engine::Jaxpr& j, const engine::Eqn& e) {
  std::string s(engine::rules(e.prim).name);
  // The output type says what the equation makes; long param lists are left to the text view.
  if (!e.outputs.empty()) {
    s += '\n';
    s += j.avals[e.outputs[0]].str();
  }
  return s;
}

// Graphviz ids: "n3", "e12". Appended piece by piece, since GCC 12 at -O3 warns falsely
// (-Wstringop-overflow) about "literal" + std::to_string(...) here.
std::string graph_id(char kind, size_t n) {
  std::string id(1, kind);
  id += std::to_string(n);
  return id;
}

}  // namespace

GraphLayout layout_jaxpr(const engine::Jaxpr& j) {
  std::lock_guard lock(graphviz_mutex);
  // gvContext() loads the layout plugins Debian's libgvc6 registers (its config6a), so the
  // program links only the public libraries and installs without a private library path.
  GVC_t* gvc = gvContext();
  // A plain throw: GS_CHECK's std::string() + "..." trips a false -Warray-bounds in GCC 12 here.
  if (!gvc) throw engine::Error("graphviz: cannot create a context");
  Agraph_t* g = agopen(const_cast<char*>("jaxpr"), Agdirected, nullptr);
  set(g, "rankdir", "TB");
  set(g, "nodesep", "0.25");
  set(g, "ranksep", "0.35");
  set(g, "mclimit", "0.5");         // fewer crossing-minimisation passes: large graphs lay out in time
  set(g, "forcelabels", "true");  // place every external label, even overlapping

  GraphLayout out;
  std::vector<Agnode_t*> gnodes;
  const std::vector<std::string> names = engine::var_names(j);
  std::vector<int> producer(j.avals.size(), -1);  // node that defines each variable
  auto add_node = [&](GraphNode n, const char* shape) {
    std::string id = graph_id('n', out.nodes.size());
    Agnode_t* an = agnode(g, id.data(), 1);
    set(an, "shape", shape);
    set(an, "label", n.label);
    set(an, "fontsize", "10");
    set(an, "margin", "0.05,0.02");
    gnodes.push_back(an);
    out.nodes.push_back(std::move(n));
    return static_cast<int>(out.nodes.size()) - 1;
  };
  for (int v : j.constvars)
    producer[v] = add_node({GraphNode::Kind::input, -1, names[v] + " (const)\n" + j.avals[v].str()}, "ellipse");
  for (int v : j.invars)
    producer[v] = add_node({GraphNode::Kind::input, -1, names[v] + "\n" + j.avals[v].str()}, "ellipse");
  auto add_edge = [&](int from, int to, int var) {
    std::string id = graph_id('e', out.edges.size());
    Agedge_t* ae = agedge(g, gnodes[from], gnodes[to], id.data(), 1);
    // An external label is placed after the layout; an edge "label" would make dot route every
    // edge through a virtual label node, which made a CNN's training step (217 equations) take 6 s.
    set(ae, "xlabel", names[var]);
    set(ae, "fontsize", "9");
    GraphEdge ge;
    ge.from = from;
    ge.to = to;
    ge.var = var;
    ge.label = names[var];
    out.edges.push_back(ge);
    return ae;
  };
  std::vector<Agedge_t*> gedges;
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    const engine::Eqn& e = j.eqns[k];
    int n = add_node({GraphNode::Kind::equation, static_cast<int>(k), eqn_label(j, e)}, "box");
    for (const engine::Atom& a : e.inputs)
      if (!a.is_literal() && producer[a.var] >= 0) gedges.push_back(add_edge(producer[a.var], n, a.var));
    for (int v : e.outputs) producer[v] = n;
  }
  for (size_t i = 0; i < j.outvars.size(); ++i) {
    const engine::Atom& a = j.outvars[i];
    int n = add_node({GraphNode::Kind::output, -1, "out " + std::to_string(i)}, "plaintext");
    if (!a.is_literal() && producer[a.var] >= 0) gedges.push_back(add_edge(producer[a.var], n, a.var));
  }

  if (gvLayout(gvc, g, "dot") != 0) {
    agclose(g);
    gvFreeContext(gvc);
    throw engine::Error("graphviz: the dot layout failed (is libgvc6's plugin list, "
                        "/usr/lib/x86_64-linux-gnu/graphviz/config6a, present? `dot -c` writes it)");
  }
  // Graphviz's y grows upwards; flip it so the inputs are at the top of the view.
  const boxf bb = GD_bb(g);
  out.width = bb.UR.x - bb.LL.x;
  out.height = bb.UR.y - bb.LL.y;
  auto fy = [&](double y) { return bb.UR.y - y; };
  for (size_t i = 0; i < out.nodes.size(); ++i) {
    Agnode_t* an = gnodes[i];
    out.nodes[i].x = ND_coord(an).x - bb.LL.x;
    out.nodes[i].y = fy(ND_coord(an).y);
    out.nodes[i].width = ND_width(an) * 72.0;
    out.nodes[i].height = ND_height(an) * 72.0;
  }
  for (size_t i = 0; i < out.edges.size(); ++i) {
    Agedge_t* ae = gedges[i];
    if (const splines* spl = ED_spl(ae); spl && spl->size > 0) {
      const bezier& bz = spl->list[0];
      for (int p = 0; p < bz.size; ++p)
        out.edges[i].points.insert(out.edges[i].points.end(), {bz.list[p].x - bb.LL.x, fy(bz.list[p].y)});
      if (bz.eflag) {
        out.edges[i].arrow = true;
        out.edges[i].arrow_x = bz.ep.x - bb.LL.x;
        out.edges[i].arrow_y = fy(bz.ep.y);
      }
    }
    if (const textlabel_t* l = ED_xlabel(ae); l && l->set) {
      out.edges[i].label_x = l->pos.x - bb.LL.x;
      out.edges[i].label_y = fy(l->pos.y);
    }
  }
  gvFreeLayout(gvc, g);
  agclose(g);
  gvFreeContext(gvc);
  return out;
}

}  // namespace gs
