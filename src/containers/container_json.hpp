#pragma once
// The JSON and query mapping of the container routes: requests into the service's structs, its
// results into the API's documents.
#include "containers/container_service.hpp"
#include "http/types.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::containers {

// ?all, ?status, ?name, ?label, ?image, ?id (repeatable), as the engine's list takes them.
ContainerFilter container_filter_from(const http::QueryParams& query);
// ?tail (a count or "all"), ?since, ?until, ?timestamps, ?stdout, ?stderr.
LogOptions log_options_from(const http::QueryParams& query);
// ?t= (stop, restart: 0-3600 s), ?signal= (kill).
ActionOptions action_options_from(const http::QueryParams& query, ContainerAction action);
// ?force, ?volumes (or ?v).
RemoveOptions remove_options_from(const http::QueryParams& query);

// POST …/exec: {"Cmd":[...],"Env":[...],"WorkingDir","User","Tty","Privileged"}; any other field
// is 400 unknown_field, a missing or empty Cmd 400 invalid_body.
ExecRequest exec_request_from(const boost::json::object& body);
// GET …/exec (WebSocket): ?cmd= (repeatable, default sh), ?tty, ?env=, ?workdir, ?user,
// ?privileged.
ExecRequest exec_request_from(const http::QueryParams& query);
// ?cols and ?rows (1-1000), when either is given.
std::optional<TerminalSize> terminal_size_from(const http::QueryParams& query);
// ?timeout= seconds (1-3600, default 60).
std::chrono::seconds exec_timeout_from(const http::QueryParams& query);

// {"stdout","stderr","truncated","ExitCode"[, "timed_out"]}.
boost::json::object to_json(const ExecResult& result);
// A log entry: {"stream":"stdout"|"stderr"|…,"data":"…"}.
boost::json::object to_json(const docker::Frame& entry);
// {"items":[entries],"next_cursor":null,"truncated":bool}.
boost::json::object to_json(const Logs& logs);
// The answer to an update: {"Warnings":[...]}.
boost::json::object update_answer(boost::json::array warnings);

}  // namespace dokkerr::containers
