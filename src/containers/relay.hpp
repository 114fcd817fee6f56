#pragma once
// Moving an engine's streamed answer to a client until either side ends. The side that ends
// first closes the other (an engine stream is closed when the client leaves; the WebSocket is
// closed when the engine's stream ends), so no pump outlives its peer.
#include "docker/client.hpp"
#include "http/types.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr::containers {

// Turns raw engine bytes into messages for the client (may hold back partial input).
using Transform = std::function<std::vector<std::string>(std::string_view chunk)>;

// Engine stream → WebSocket text messages.
boost::asio::awaitable<void> relay_to_socket(std::shared_ptr<docker::EngineStream> stream,
                                             http::WebSocketChannel& socket, Transform transform);
// Engine stream → chunked HTTP body.
boost::asio::awaitable<void> relay_to_response(std::shared_ptr<docker::EngineStream> stream,
                                               http::ResponseStream& out, Transform transform);

// Transforms: NDJSON lines as they are; log frames (multiplexed or TTY) as {"stream","data"}.
Transform ndjson_lines(bool with_newline);
Transform log_entries(bool tty, bool with_newline);

}  // namespace dokkerr::containers
