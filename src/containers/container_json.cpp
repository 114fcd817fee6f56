#include "containers/container_json.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/responses.hpp"

namespace dokkerr::containers {
namespace {

std::vector<std::string> string_list(const boost::json::object& body, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* list = json::optional_array(body, key)) {
    for (const auto& item : *list) {
      if (!item.is_string()) {
        throw Error::invalid("invalid_body",
                             "Field '" + std::string(key) + "' must be a list of strings.");
      }
      out.emplace_back(item.as_string());
    }
  }
  return out;
}

std::string_view stream_name(docker::StreamKind kind) {
  switch (kind) {
    case docker::StreamKind::stdin_:
      return "stdin";
    case docker::StreamKind::stdout_:
      return "stdout";
    case docker::StreamKind::stderr_:
      return "stderr";
    case docker::StreamKind::system:
      return "system";
  }
  return "stdout";
}

}  // namespace

ContainerFilter container_filter_from(const http::QueryParams& query) {
  ContainerFilter filter;
  filter.all = query.flag("all");
  filter.status = query.all("status");
  filter.names = query.all("name");
  filter.labels = query.all("label");
  filter.images = query.all("image");
  filter.ids = query.all("id");
  return filter;
}

LogOptions log_options_from(const http::QueryParams& query) {
  LogOptions options;
  if (auto tail = query.get("tail")) {
    if (*tail != "all") (void)query.integer("tail", 0, 0, 1'000'000);  // validates
    options.tail = *tail;
  }
  options.since = query.get("since");
  options.until = query.get("until");
  options.timestamps = query.flag("timestamps");
  options.stdout_ = query.flag("stdout", true);
  options.stderr_ = query.flag("stderr", true);
  return options;
}

ActionOptions action_options_from(const http::QueryParams& query, ContainerAction action) {
  ActionOptions options;
  if (action == ContainerAction::stop || action == ContainerAction::restart) {
    if (query.has("t")) options.stop_timeout = query.integer("t", 10, 0, 3600);
  } else if (action == ContainerAction::kill) {
    options.signal = query.get("signal");
  }
  return options;
}

RemoveOptions remove_options_from(const http::QueryParams& query) {
  RemoveOptions options;
  options.force = query.flag("force");
  options.volumes = query.flag("volumes") || query.flag("v");
  return options;
}

ExecRequest exec_request_from(const boost::json::object& body) {
  json::only_fields(body, {"Cmd", "Env", "WorkingDir", "User", "Tty", "Privileged"});
  ExecRequest request;
  request.cmd = string_list(body, "Cmd");
  if (request.cmd.empty()) {
    throw Error::invalid("invalid_body", "Field 'Cmd' must be a non-empty list of strings.");
  }
  request.env = string_list(body, "Env");
  request.working_dir = json::optional_string(body, "WorkingDir").value_or("");
  request.user = json::optional_string(body, "User").value_or("");
  request.tty = json::optional_bool(body, "Tty").value_or(false);
  request.privileged = json::optional_bool(body, "Privileged").value_or(false);
  return request;
}

ExecRequest exec_request_from(const http::QueryParams& query) {
  ExecRequest request;
  request.cmd = query.all("cmd");
  if (request.cmd.empty()) request.cmd = {"sh"};
  request.tty = query.flag("tty");
  request.env = query.all("env");
  request.working_dir = query.get("workdir").value_or("");
  request.user = query.get("user").value_or("");
  request.privileged = query.flag("privileged");
  return request;
}

std::optional<TerminalSize> terminal_size_from(const http::QueryParams& query) {
  if (!query.has("cols") && !query.has("rows")) return std::nullopt;
  return TerminalSize{static_cast<int>(query.integer("cols", 80, 1, 1000)),
                      static_cast<int>(query.integer("rows", 24, 1, 1000))};
}

std::chrono::seconds exec_timeout_from(const http::QueryParams& query) {
  return std::chrono::seconds(query.integer("timeout", 60, 1, 3600));
}

boost::json::object to_json(const ExecResult& result) {
  boost::json::object out{{"stdout", result.stdout_text},
                          {"stderr", result.stderr_text},
                          {"truncated", result.truncated}};
  out["ExitCode"] = result.exit_code ? boost::json::value(*result.exit_code) : nullptr;
  if (result.timed_out) out["timed_out"] = true;
  return out;
}

boost::json::object to_json(const docker::Frame& entry) {
  return boost::json::object{{"stream", stream_name(entry.stream)}, {"data", entry.payload}};
}

boost::json::object to_json(const Logs& logs) {
  boost::json::array items;
  items.reserve(logs.entries.size());
  for (const auto& entry : logs.entries) items.emplace_back(to_json(entry));
  auto out = http::list_object(std::move(items));
  out["truncated"] = logs.truncated;
  return out;
}

boost::json::object update_answer(boost::json::array warnings) {
  return boost::json::object{{"Warnings", std::move(warnings)}};
}

}  // namespace dokkerr::containers
