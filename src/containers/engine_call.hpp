#pragma once
// Small helpers shared by the services: build engine paths and turn engine answers into ours.
#include "containers/engine.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::containers {

// Percent-encodes one path segment or query value.
std::string encode(std::string_view text);
// RFC 4648 base64 with padding, as the engine takes secret and config data; `url` gives the
// URL-safe alphabet its X-Registry-Auth header wants.
std::string base64(std::string_view data, bool url = false);

// "/<collection>/<encoded ref>" for an engine object addressed by a client. The engine's router
// decodes and cleans paths, so a reference with "." or ".." segments (or any '/' where names have
// none) would address something else: such a reference is Error not_found "<what>_not_found".
std::string object_path(std::string_view collection, std::string_view ref, std::string_view what,
                        bool slashes_allowed = false);

// Sends a request; returns the body of a 2xx answer, maps any other status with
// docker::map_engine_error(what).
boost::asio::awaitable<std::string> call(Engine& engine, docker::Verb verb, std::string target,
                                         std::string_view what, std::string body = {},
                                         docker::Headers headers = {});
// Same, parsing the body as JSON (an empty body gives null).
boost::asio::awaitable<boost::json::value> call_json(Engine& engine, docker::Verb verb,
                                                     std::string target, std::string_view what,
                                                     std::string body = {});
// Opens a streamed answer; a non-2xx status is read and mapped before anything is returned.
boost::asio::awaitable<std::unique_ptr<docker::EngineStream>> open_stream(
    Engine& engine, docker::Verb verb, std::string target, std::string_view what,
    std::string body = {}, docker::Headers headers = {});

// POST /<collection>/prune with the engine's filters: its report of what it removed.
boost::asio::awaitable<boost::json::value> prune(Engine& engine, std::string_view collection,
                                                 std::optional<boost::json::object> filters,
                                                 std::string_view what);
// `target` with the engine's filters query ({"key":["value"]}) when there are any.
std::string with_filters(std::string target, const std::optional<boost::json::object>& filters);
// The array in an engine answer; an empty one when the engine sent something else.
boost::json::array array_of(boost::json::value answer);

}  // namespace dokkerr::containers
