// Conversions between the engine's types (std::string, JSON) and Qt's, in one place: the engine
// never includes Qt, so every panel crosses the boundary through these.
#pragma once
#include <string>

#include <QString>
#include <nlohmann/json.hpp>

namespace gs {

inline QString qstr(const std::string& s) { return QString::fromStdString(s); }
inline std::string stdstr(const QString& s) { return s.toStdString(); }
// Pretty JSON for editors and diffs (2-space indent, as the CLI prints).
inline QString qjson(const nlohmann::json& j, int indent = 2) { return qstr(j.dump(indent)); }

}  // namespace gs
