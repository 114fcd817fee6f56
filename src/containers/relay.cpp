#include "containers/relay.hpp"

#include "docker/streams.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

using namespace boost::asio::experimental::awaitable_operators;

std::string_view stream_name(docker::StreamKind kind) {
  switch (kind) {
    case docker::StreamKind::stdin_: return "stdin";
    case docker::StreamKind::stdout_: return "stdout";
    case docker::StreamKind::stderr_: return "stderr";
    case docker::StreamKind::system: return "system";
  }
  return "stdout";
}

std::string log_entry(std::string_view stream, std::string_view data, bool with_newline) {
  auto text = boost::json::serialize(boost::json::object{{"stream", stream}, {"data", data}});
  if (with_newline) text.push_back('\n');
  return text;
}

}  // namespace

Transform ndjson_lines(bool with_newline) {
  auto splitter = std::make_shared<docker::LineSplitter>();
  return [splitter, with_newline](std::string_view chunk) {
    auto lines = splitter->feed(chunk);
    if (with_newline) {
      for (auto& line : lines) line.push_back('\n');
    }
    return lines;
  };
}

Transform log_entries(bool tty, bool with_newline) {
  if (tty) {
    return [with_newline](std::string_view chunk) {
      return std::vector<std::string>{log_entry("stdout", chunk, with_newline)};
    };
  }
  auto demuxer = std::make_shared<docker::FrameDemuxer>();
  return [demuxer, with_newline](std::string_view chunk) {
    std::vector<std::string> out;
    for (const auto& frame : demuxer->feed(chunk)) {
      out.push_back(log_entry(stream_name(frame.stream), frame.payload, with_newline));
    }
    return out;
  };
}

boost::asio::awaitable<void> relay_to_socket(std::shared_ptr<docker::EngineStream> stream,
                                             http::WebSocketChannel& socket, Transform transform) {
  auto pump = [&]() -> boost::asio::awaitable<void> {
    try {
      for (;;) {
        auto chunk = co_await stream->read_some();
        if (!chunk) break;
        for (auto& message : transform(*chunk)) {
          if (!co_await socket.send_text(std::move(message))) co_return;
        }
      }
    } catch (const std::exception&) {
      // The engine went away mid-stream; the close below tells the client.
    }
    co_await socket.close(1000, "stream ended");
  };
  auto watch = [&]() -> boost::asio::awaitable<void> {
    while (co_await socket.read()) {
      // Messages from the client are not part of this protocol; they are ignored.
    }
    stream->close();
  };
  co_await (pump() && watch());
}

boost::asio::awaitable<void> relay_to_response(std::shared_ptr<docker::EngineStream> stream,
                                               http::ResponseStream& out, Transform transform) {
  auto pump = [&]() -> boost::asio::awaitable<void> {
    for (;;) {
      auto chunk = co_await stream->read_some();
      if (!chunk) co_return;
      for (auto& piece : transform(*chunk)) {
        if (!co_await out.write(piece)) co_return;
      }
    }
  };
  auto watch = [&]() -> boost::asio::awaitable<void> {
    co_await out.wait_closed();
    stream->close();
  };
  co_await (pump() || watch());
  stream->close();
}

}  // namespace dokkerr::containers
