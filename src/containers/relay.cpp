#include "containers/relay.hpp"

#include "containers/container_json.hpp"
#include "containers/container_stats.hpp"
#include "containers/output_decoder.hpp"
#include "core/json.hpp"
#include "docker/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <vector>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

// Turns raw engine bytes into messages for the client (may hold back partial input).
using Transform = std::function<std::vector<std::string>(std::string_view chunk)>;

Transform ndjson_lines() {
  auto splitter = std::make_shared<docker::LineSplitter>();
  return [splitter](std::string_view chunk) { return splitter->feed(chunk); };
}

Transform log_entries(bool tty, bool with_newline) {
  auto decoder = std::make_shared<OutputDecoder>(tty);
  return [decoder, with_newline](std::string_view chunk) {
    std::vector<std::string> out;
    for (const auto& frame : decoder->feed(chunk)) {
      auto text = boost::json::serialize(to_json(frame));
      if (with_newline) text.push_back('\n');
      out.push_back(std::move(text));
    }
    return out;
  };
}

// Engine stream → WebSocket text messages.
asio::awaitable<void> relay_to_socket(std::shared_ptr<docker::EngineStream> stream,
                                      http::WebSocketChannel& socket, Transform transform) {
  auto pump = [&]() -> asio::awaitable<void> {
    try {
      for (;;) {
        auto chunk = co_await stream->read_some();
        if (!chunk) break;
        for (auto& message : transform(*chunk)) {
          const bool sent = co_await socket.send_text(std::move(message));
          if (!sent) co_return;
        }
      }
    } catch (const std::exception&) {
      // The engine went away mid-stream; the close below tells the client.
    }
    co_await socket.close(1000, "stream ended");
  };
  auto watch = [&]() -> asio::awaitable<void> {
    for (;;) {
      // Messages from the client are not part of this protocol; they are ignored.
      auto message = co_await socket.read();
      if (!message) break;
    }
    stream->close();
  };
  co_await (pump() && watch());
}

// Engine stream → chunked HTTP body.
asio::awaitable<void> relay_to_response(std::shared_ptr<docker::EngineStream> stream,
                                        http::ResponseStream& out, Transform transform) {
  // `||` waits for the first branch to succeed: a pump that threw would leave the race to the
  // watcher, which ends only when the client leaves. So the pump never throws; its failure is
  // kept and rethrown once the race is over (the caller turns it into the stream's last line).
  std::exception_ptr failure;
  auto pump = [&]() -> asio::awaitable<void> {
    try {
      for (;;) {
        auto chunk = co_await stream->read_some();
        if (!chunk) co_return;
        for (auto& piece : transform(*chunk)) {
          const bool written = co_await out.write(piece);
          if (!written) co_return;
        }
      }
    } catch (...) {
      failure = std::current_exception();
    }
  };
  auto watch = [&]() -> asio::awaitable<void> {
    co_await out.wait_closed();
    stream->close();
  };
  co_await (pump() || watch());
  stream->close();
  if (failure) std::rethrow_exception(failure);
}

http::WebSocketReply socket_reply(std::shared_ptr<docker::EngineStream> stream,
                                  Transform transform) {
  return http::WebSocketReply{
      [stream, transform](http::WebSocketChannel& socket) -> asio::awaitable<void> {
        co_await relay_to_socket(stream, socket, transform);
      }};
}

}  // namespace

http::StreamingReply log_stream_reply(LogFeed feed) {
  std::shared_ptr<docker::EngineStream> stream = std::move(feed.stream);
  const bool tty = feed.tty;
  http::StreamingReply reply;
  reply.content_type = "application/x-ndjson";
  reply.produce = [stream, tty](http::ResponseStream& out) -> asio::awaitable<void> {
    auto transform = log_entries(tty, true);
    co_await relay_to_response(stream, out, std::move(transform));
  };
  return reply;
}

http::WebSocketReply log_socket_reply(LogFeed feed) {
  std::shared_ptr<docker::EngineStream> stream = std::move(feed.stream);
  return socket_reply(std::move(stream), log_entries(feed.tty, false));
}

http::WebSocketReply ndjson_socket_reply(std::unique_ptr<docker::EngineStream> stream) {
  return socket_reply(std::move(stream), ndjson_lines());
}

http::StreamingReply pull_progress_reply(std::unique_ptr<docker::EngineStream> engine_stream) {
  std::shared_ptr<docker::EngineStream> stream = std::move(engine_stream);
  http::StreamingReply reply;
  reply.content_type = "application/x-ndjson";
  reply.produce = [stream](http::ResponseStream& out) -> asio::awaitable<void> {
    bool failed = false;
    auto lines = ndjson_lines();
    // Progress passes through; the engine's in-band error becomes our final error line.
    auto transform = [&failed, lines](std::string_view chunk) {
      std::vector<std::string> out_lines;
      for (auto& line : lines(chunk)) {
        boost::system::error_code ec;
        auto value = boost::json::parse(line, ec);
        if (!ec && value.is_object() && value.as_object().contains("error")) {
          failed = true;
          const auto& error = value.as_object().at("error");
          line = boost::json::serialize(boost::json::object{
              {"error", error.is_string() ? error.as_string() : boost::json::string("pull failed")},
              {"code", "image_pull_failed"}});
        }
        out_lines.push_back(std::move(line) + "\n");
      }
      return out_lines;
    };
    co_await relay_to_response(stream, out, std::move(transform));
    if (!failed) co_await out.write("{\"status\":\"done\"}\n");
  };
  return reply;
}

http::StreamingReply download_reply(std::unique_ptr<docker::EngineStream> engine_stream,
                                    std::string filename) {
  std::shared_ptr<docker::EngineStream> stream = std::move(engine_stream);
  http::StreamingReply reply;
  reply.content_type = "application/x-tar";
  reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  reply.produce = [stream](http::ResponseStream& out) -> asio::awaitable<void> {
    Transform as_is = [](std::string_view chunk) {
      return std::vector<std::string>{std::string(chunk)};
    };
    co_await relay_to_response(stream, out, std::move(as_is));
  };
  return reply;
}

http::WebSocketReply exec_socket_reply(std::unique_ptr<ExecSession> exec) {
  std::shared_ptr<ExecSession> session = std::move(exec);
  return http::WebSocketReply{[session](http::WebSocketChannel& socket) -> asio::awaitable<void> {
    auto output = [&]() -> asio::awaitable<void> {
      try {
        bool client_there = true;
        while (client_there) {
          auto frames = co_await session->read_output();
          if (!frames) break;
          for (auto& frame : *frames) {
            client_there = co_await socket.send_binary(std::move(frame.payload));
            if (!client_there) break;
          }
        }
      } catch (const std::exception&) {
        // The engine closed the connection; the exit status below says how it ended.
      }
      std::optional<std::int64_t> code;
      try {
        code = co_await session->exit_code();
      } catch (const std::exception&) {
      }
      boost::json::object exit{{"type", "exit"}};
      exit["exit_code"] = code ? boost::json::value(*code) : nullptr;
      auto exit_message = boost::json::serialize(exit);
      co_await socket.send_text(std::move(exit_message));
      co_await socket.close(1000, "process exited");
    };
    auto input = [&]() -> asio::awaitable<void> {
      for (;;) {
        auto message = co_await socket.read();
        if (!message) break;
        try {
          if (message->binary) {
            co_await session->write_input(std::move(message->data));
            continue;
          }
          const auto control = json::parse_object(message->data);
          const auto type = json::optional_string(control, "type").value_or("");
          if (type == "resize") {
            const auto cols = json::optional_int(control, "cols").value_or(0);
            const auto rows = json::optional_int(control, "rows").value_or(0);
            if (cols > 0 && rows > 0 && cols <= 1000 && rows <= 1000) {
              const TerminalSize size{static_cast<int>(cols), static_cast<int>(rows)};
              co_await session->resize(size);
            }
          } else if (type == "stdin") {
            auto data = json::optional_string(control, "data").value_or("");
            co_await session->write_input(std::move(data));
          } else if (type == "eof") {
            session->close_input();
          }
        } catch (const std::exception&) {
          // A malformed control message or a write after the process ended: ignored.
        }
      }
      session->close();
    };
    co_await (output() && input());
  }};
}

namespace {

// One container's engine stats into the board's latest samples, until its stream ends.
asio::awaitable<void> pump_stats(StatsBoard::Feed& feed,
                                 std::map<std::string, std::string>& latest) {
  try {
    docker::LineSplitter lines;
    while (auto chunk = co_await feed.stream->read_some()) {
      for (const auto& line : lines.feed(*chunk)) {
        boost::system::error_code ec;
        const auto value = boost::json::parse(line, ec);
        if (ec || !value.is_object()) continue;
        auto sample = compact_stats(value.as_object());
        sample["id"] = feed.ref;
        latest[feed.ref] = boost::json::serialize(sample);
      }
    }
  } catch (const std::exception&) {
    // The engine closed it (the container stopped, or the board ended).
  }
}

}  // namespace

// Every stream writes its newest sample into one map; a single sender (a WebSocket has one
// writer) sends what changed once a second. So the client's load does not grow with the
// engines' rate, and memory stays at one sample per container.
http::WebSocketReply stats_board_reply(StatsBoard board) {
  auto shared = std::make_shared<StatsBoard>(std::move(board));
  return http::WebSocketReply{[shared](http::WebSocketChannel& socket) -> asio::awaitable<void> {
    constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
    auto executor = co_await asio::this_coro::executor;
    std::map<std::string, std::string> latest;
    std::size_t running = shared->feeds.size();
    bool client_gone = false;
    asio::steady_timer all_ended(executor, asio::steady_timer::time_point::max());
    for (auto& feed : shared->feeds) {
      // The pumps share this coroutine's strand; they end before it returns (see below).
      asio::co_spawn(executor, pump_stats(feed, latest), [&](const std::exception_ptr&) {
        if (--running == 0) all_ended.cancel();
      });
    }
    auto send = [&]() -> asio::awaitable<void> {
      boost::json::object opening{{"items", boost::json::array{}}};
      boost::json::array missing;
      for (const auto& ref : shared->missing) missing.emplace_back(ref);
      opening["missing"] = std::move(missing);
      bool open = co_await socket.send_text(boost::json::serialize(opening));
      asio::steady_timer tick(executor);
      // The collector's samples: each sent once, when it is newer than the last one sent.
      std::map<std::string, std::int64_t> sent_at;
      while (open && !client_gone && (running > 0 || !shared->polled.empty())) {
        tick.expires_after(std::chrono::seconds(1));
        co_await tick.async_wait(as_tuple);
        for (const auto& [ref, id] : shared->polled) {
          auto sample = shared->live->compact(shared->environment, id);
          if (!sample) continue;
          const auto* at = sample->if_contains("at_ms");
          const auto at_ms = at != nullptr && at->is_int64() ? at->get_int64() : 0;
          if (sent_at[ref] == at_ms) continue;
          sent_at[ref] = at_ms;
          (*sample)["id"] = ref;
          latest[ref] = boost::json::serialize(*sample);
        }
        if (latest.empty()) continue;
        std::string message = "{\"items\":[";
        for (const auto& [ref, sample] : latest) {
          if (message.back() != '[') message.push_back(',');
          message += sample;
        }
        message += "]}";
        latest.clear();
        open = co_await socket.send_text(std::move(message));
      }
      co_await socket.close(1000, "stream ended");
    };
    auto watch = [&]() -> asio::awaitable<void> {
      // Messages from the client are not part of this protocol; they are ignored.
      while (co_await socket.read()) {
      }
      client_gone = true;
      for (auto& feed : shared->feeds) feed.stream->close();
    };
    co_await (send() && watch());
    for (auto& feed : shared->feeds) feed.stream->close();
    if (running > 0) co_await all_ended.async_wait(as_tuple);
  }};
}

}  // namespace dokkerr::containers
