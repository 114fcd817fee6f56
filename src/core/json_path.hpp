#pragma once
// How error details name a place in a request body ("HostConfig.Mounts[0].Type",
// "Labels[\"io.dokkerr.team\"]"). Keys are client input shown back to the client, so they are
// cut short and stripped of control characters before they reach a message.
#include <cstddef>
#include <string>
#include <string_view>

namespace dokkerr::json {

// A key as it may appear in a message: at most 64 bytes (cut on a UTF-8 boundary), control
// characters replaced, quotes and backslashes escaped.
std::string printable(std::string_view text);

// Appends ".Key" for identifier-like keys and ["key"] for anything else (label names, ports,
// paths), so the rendered path stays unambiguous.
void append_key(std::string& path, std::string_view key);
void append_index(std::string& path, std::size_t index);

}  // namespace dokkerr::json
