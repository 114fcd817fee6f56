#pragma once
// The route side of the engine's streams: an engine stream (logs, stats, events, pull progress,
// image export) or an interactive exec becomes a chunked HTTP reply or a WebSocket, and is moved
// to the client until either side ends. The side that ends first closes the other (an engine
// stream is closed when the client leaves; the WebSocket is closed when the engine's stream
// ends), so no pump outlives its peer.
#include "containers/container_service.hpp"
#include "docker/client.hpp"
#include "http/types.hpp"

#include <memory>
#include <string>

namespace dokkerr::containers {

// Log entries {"stream","data"}: NDJSON over chunked HTTP, or one WebSocket text message each.
http::StreamingReply log_stream_reply(LogFeed feed);
http::WebSocketReply log_socket_reply(LogFeed feed);
// The engine's NDJSON documents (stats, events), one WebSocket text message each.
http::WebSocketReply ndjson_socket_reply(std::unique_ptr<docker::EngineStream> stream);
// Several containers' stats: a first message {"items":[],"missing":[refs]}, then once a second
// {"items":[compact_stats + "id", …]} with each container's newest sample since the last one,
// from its engine stream or, for the containers the collector samples, from the collector.
// Ends when the client leaves, or when every engine stream has ended and none is collected.
http::WebSocketReply stats_board_reply(StatsBoard board);
// Pull progress as NDJSON; the engine's in-band error becomes a last line
// {"error","code":"image_pull_failed"}, and a pull that succeeded ends with {"status":"done"}.
http::StreamingReply pull_progress_reply(std::unique_ptr<docker::EngineStream> stream);
// The engine's bytes as they are, as a download (application/x-tar).
http::StreamingReply download_reply(std::unique_ptr<docker::EngineStream> stream,
                                    std::string filename);

// Interactive exec over a WebSocket: binary messages are stdin (client → server) and output
// (server → client); text control messages {"type":"resize","cols","rows"}, {"type":"stdin",
// "data"}, {"type":"eof"}; at the end the server sends {"type":"exit","exit_code"} and closes.
http::WebSocketReply exec_socket_reply(std::unique_ptr<ExecSession> session);

}  // namespace dokkerr::containers
