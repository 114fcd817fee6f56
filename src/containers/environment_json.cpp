#include "containers/environment_json.hpp"

#include "core/json.hpp"

namespace dokkerr::containers {
namespace {

std::string_view status_name(EngineStatus status) {
  switch (status) {
    case EngineStatus::up:
      return "up";
    case EngineStatus::down:
      return "down";
    case EngineStatus::connecting:
      return "connecting";
  }
  return "down";
}

}  // namespace

EnvironmentInput environment_input_from(const boost::json::object& body) {
  json::only_fields(body, {"name", "url", "tls"});
  EnvironmentInput input;
  input.name = json::optional_string(body, "name");
  input.url = json::optional_string(body, "url");
  if (const auto* tls = json::optional_object(body, "tls")) {
    json::only_fields(*tls, {"ca", "cert", "key", "verify"});
    EnvironmentTls material;
    material.ca = json::optional_string(*tls, "ca").value_or("");
    material.cert = json::optional_string(*tls, "cert").value_or("");
    material.key = json::optional_string(*tls, "key").value_or("");
    material.verify = json::optional_bool(*tls, "verify").value_or(true);
    input.tls = std::move(material);
  }
  return input;
}

boost::json::object to_json(const EnvironmentView& environment) {
  const auto& state = environment.state;
  boost::json::object out;
  out["id"] = environment.id;
  out["name"] = environment.name;
  out["url"] = environment.url;
  out["tls"] = environment.tls;
  out["builtin"] = environment.builtin;
  out["status"] = status_name(state.status);
  if (!state.error.empty() && state.status != EngineStatus::up) out["error"] = state.error;
  if (state.status == EngineStatus::up) {
    out["engine"] = boost::json::object{{"version", state.info.version},
                                        {"api_version", state.info.api_version},
                                        {"os", state.info.os},
                                        {"arch", state.info.arch}};
    out["counts"] = boost::json::object{{"containers", environment.counts.total},
                                        {"running", environment.counts.running},
                                        {"paused", environment.counts.paused},
                                        {"stopped", environment.counts.stopped},
                                        {"images", environment.images}};
  }
  if (!environment.created_at.empty()) out["created_at"] = environment.created_at;
  if (!environment.updated_at.empty()) out["updated_at"] = environment.updated_at;
  return out;
}

}  // namespace dokkerr::containers
