#pragma once
// Small helpers shared by the services: build engine paths and turn engine answers into ours.
#include "containers/engine.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace dokkerr::containers {

// Percent-encodes one path segment or query value.
std::string encode(std::string_view text);

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

// {"items": [...], "next_cursor": null} around an array.
std::string items_document(boost::json::value items);

}  // namespace dokkerr::containers
