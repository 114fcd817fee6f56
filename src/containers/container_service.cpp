#include "containers/container_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/relay.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "docker/errors.hpp"
#include "docker/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxExecOutput = 1024U * 1024U;
constexpr std::size_t kMaxLogBytes = 16U * 1024U * 1024U;

std::string_view action_path(ContainerAction action) {
  switch (action) {
    case ContainerAction::start: return "start";
    case ContainerAction::stop: return "stop";
    case ContainerAction::restart: return "restart";
    case ContainerAction::kill: return "kill";
    case ContainerAction::pause: return "pause";
    case ContainerAction::unpause: return "unpause";
  }
  return "start";
}

std::string container_path(const std::string& ref) {
  return object_path("containers", ref, "container");
}

void check_name(const std::string& name) {
  // The engine's own rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ ; checked here for a clear 400.
  const auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  };
  std::string_view text = name;
  if (!text.empty() && text.front() == '/') text.remove_prefix(1);
  if (text.size() < 2 || text.size() > 128 || !std::isalnum(static_cast<unsigned char>(text.front())) ||
      !std::all_of(text.begin(), text.end(), ok_char)) {
    throw Error::invalid("invalid_parameter",
                         "Container names are 2-128 characters of [a-zA-Z0-9_.-], starting with a "
                         "letter or digit.");
  }
}

std::vector<std::string> string_list(const boost::json::object& body, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* list = json::optional_array(body, key)) {
    for (const auto& item : *list) {
      if (!item.is_string()) {
        throw Error::invalid("invalid_body", "Field '" + std::string(key) + "' must be a list of strings.");
      }
      out.emplace_back(item.as_string());
    }
  }
  return out;
}

boost::json::array to_array(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& value : values) out.emplace_back(value);
  return out;
}

std::string log_query(const LogOptions& options, bool follow) {
  std::string query = "?stdout=" + std::string(options.stdout_ ? "1" : "0") +
                      "&stderr=" + std::string(options.stderr_ ? "1" : "0") +
                      "&tail=" + encode(options.tail) +
                      "&timestamps=" + std::string(options.timestamps ? "1" : "0") +
                      "&follow=" + std::string(follow ? "1" : "0");
  if (options.since) query += "&since=" + encode(*options.since);
  if (options.until) query += "&until=" + encode(*options.until);
  return query;
}

asio::awaitable<bool> has_tty(Engine& engine, const std::string& ref) {
  auto inspect = co_await call_json(engine, docker::Verb::get, container_path(ref) + "/json", "container");
  if (inspect.is_object()) {
    if (const auto* config = inspect.as_object().if_contains("Config"); config && config->is_object()) {
      if (const auto* tty = config->as_object().if_contains("Tty"); tty && tty->is_bool()) {
        co_return tty->as_bool();
      }
    }
  }
  co_return false;
}

// Creates an exec instance and returns its id.
asio::awaitable<std::string> create_exec(Engine& engine, const std::string& ref,
                                         const ExecRequest& request, bool interactive) {
  boost::json::object body{{"AttachStdin", interactive},
                           {"AttachStdout", true},
                           {"AttachStderr", true},
                           {"Tty", request.tty},
                           {"Cmd", to_array(request.cmd)}};
  if (!request.env.empty()) body["Env"] = to_array(request.env);
  if (!request.working_dir.empty()) body["WorkingDir"] = request.working_dir;
  if (!request.user.empty()) body["User"] = request.user;
  if (request.privileged) body["Privileged"] = true;
  auto created = co_await call_json(engine, docker::Verb::post, container_path(ref) + "/exec",
                                    "container", boost::json::serialize(body));
  if (!created.is_object() || !created.as_object().if_contains("Id") ||
      !created.as_object().at("Id").is_string()) {
    throw Error(ErrorKind::bad_gateway, "engine_error", "The engine did not create the exec instance.");
  }
  co_return std::string(created.as_object().at("Id").as_string());
}

// The exit code once the process has ended (polled briefly: the engine may report the end of
// output a moment before it records the exit).
asio::awaitable<std::optional<std::int64_t>> exec_exit_code(Engine& engine, const std::string& exec_id) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto info = co_await call_json(engine, docker::Verb::get, "/exec/" + encode(exec_id) + "/json", "exec");
    if (info.is_object()) {
      const auto& object = info.as_object();
      const auto* running = object.if_contains("Running");
      const auto* code = object.if_contains("ExitCode");
      if (running && running->is_bool() && !running->as_bool() && code && code->is_int64()) {
        co_return code->as_int64();
      }
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(as_tuple);
  }
  co_return std::nullopt;
}

}  // namespace

ExecRequest parse_exec_request(const boost::json::object& body) {
  static constexpr std::string_view known[] = {"Cmd", "Env", "WorkingDir", "User", "Tty",
                                               "Privileged"};
  for (const auto& field : body) {
    if (std::find(std::begin(known), std::end(known), field.key()) == std::end(known)) {
      throw Error::invalid("invalid_body", "Unknown field '" + std::string(field.key()) + "'.");
    }
  }
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

asio::awaitable<std::string> ContainerService::list(std::string env, ContainerFilter filter,
                                                    std::size_t limit, std::string cursor) {
  auto engine = environments_.engine_up(env);
  const auto page = engine->model().list(filter, limit, cursor);
  std::string body = "{\"items\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0) body.push_back(',');
    body += page.items[i];
  }
  body += "],\"next_cursor\":";
  body += page.next_cursor ? boost::json::serialize(boost::json::value(*page.next_cursor)) : "null";
  body += "}";
  co_return body;
}

asio::awaitable<std::string> ContainerService::create(std::string env, std::optional<std::string> name,
                                                      boost::json::object body) {
  // The engine would create a container without an image; nobody wants that.
  const auto image = json::optional_string(body, "Image");
  if (!image || image->empty()) {
    throw Error::invalid("invalid_body", "Field 'Image' is required.");
  }
  auto engine = environments_.engine_up(env);
  std::string target = "/containers/create";
  if (name) {
    check_name(*name);
    target += "?name=" + encode(*name);
  }
  // The engine gets a body re-serialized from what we parsed, never the client's raw bytes.
  auto created = co_await call_json(*engine, docker::Verb::post, std::move(target), "container",
                                    boost::json::serialize(body));
  if (created.is_object()) {
    if (const auto* id = created.as_object().if_contains("Id"); id && id->is_string()) {
      co_await engine->refresh_container(std::string(id->as_string()));
    }
  }
  co_return boost::json::serialize(created);
}

asio::awaitable<std::string> ContainerService::inspect(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  auto value = co_await call_json(*engine, docker::Verb::get, container_path(ref) + "/json", "container");
  if (value.is_object()) {
    value.as_object()["Dokkerr"] = boost::json::object{{"environment", env}};
  }
  co_return boost::json::serialize(value);
}

asio::awaitable<void> ContainerService::act(std::string env, std::string ref, ContainerAction action,
                                            const http::QueryParams& query) {
  auto engine = environments_.engine_up(env);
  std::string target = container_path(ref) + "/" + std::string(action_path(action));
  if (action == ContainerAction::stop || action == ContainerAction::restart) {
    if (query.has("t")) target += "?t=" + std::to_string(query.integer("t", 10, 0, 3600));
  } else if (action == ContainerAction::kill) {
    if (auto signal = query.get("signal")) {
      if (signal->empty() || signal->size() > 16) {
        throw Error::invalid("invalid_parameter", "Query parameter 'signal' is not a signal.");
      }
      target += "?signal=" + encode(*signal);
    }
  }
  auto response = co_await engine->client().request(docker::Verb::post, std::move(target));
  // 304 means "already in that state": the request's goal holds, so it is a success.
  if (!response.ok() && response.status != 304) {
    throw docker::map_engine_error(response.status, response.body, "container");
  }
  co_await engine->refresh_container(engine->resolve(ref));
}

asio::awaitable<void> ContainerService::rename(std::string env, std::string ref, std::string name) {
  check_name(name);
  auto engine = environments_.engine_up(env);
  const auto id = engine->resolve(ref);
  co_await call(*engine, docker::Verb::post, container_path(ref) + "/rename?name=" + encode(name), "container");
  co_await engine->refresh_container(id);
}

asio::awaitable<std::string> ContainerService::update(std::string env, std::string ref,
                                                      boost::json::object body) {
  auto engine = environments_.engine_up(env);
  auto result = co_await call_json(*engine, docker::Verb::post, container_path(ref) + "/update",
                                   "container", boost::json::serialize(body));
  co_await engine->refresh_container(engine->resolve(ref));
  boost::json::value warnings = boost::json::array{};
  if (result.is_object()) {
    if (auto* found = result.as_object().if_contains("Warnings"); found && found->is_array()) {
      warnings = std::move(*found);
    }
  }
  boost::json::object document{{"Warnings", std::move(warnings)}};
  co_return boost::json::serialize(document);
}

asio::awaitable<void> ContainerService::remove(std::string env, std::string ref, bool force, bool volumes) {
  auto engine = environments_.engine_up(env);
  const auto id = engine->resolve(ref);
  co_await call(*engine, docker::Verb::delete_,
                container_path(ref) + "?force=" + (force ? "1" : "0") + "&v=" + (volumes ? "1" : "0"),
                "container");
  engine->forget_container(id);
}

asio::awaitable<std::string> ContainerService::top(std::string env, std::string ref, std::string ps_args) {
  auto engine = environments_.engine_up(env);
  std::string target = container_path(ref) + "/top";
  if (!ps_args.empty()) target += "?ps_args=" + encode(ps_args);
  co_return co_await call(*engine, docker::Verb::get, std::move(target), "container");
}

asio::awaitable<std::string> ContainerService::wait(std::string env, std::string ref, std::string condition) {
  if (condition != "not-running" && condition != "next-exit" && condition != "removed") {
    throw Error::invalid("invalid_parameter",
                         "Query parameter 'condition' must be not-running, next-exit or removed.");
  }
  auto engine = environments_.engine_up(env);
  auto result = co_await call(*engine, docker::Verb::post,
                              container_path(ref) + "/wait?condition=" + condition, "container");
  co_return result;
}

asio::awaitable<std::string> ContainerService::logs(std::string env, std::string ref, LogOptions options) {
  auto engine = environments_.engine_up(env);
  const bool tty = co_await has_tty(*engine, ref);
  auto stream = co_await open_stream(*engine, docker::Verb::get,
                                     container_path(ref) + "/logs" + log_query(options, false), "container");
  auto transform = log_entries(tty, false);
  std::string body = "{\"items\":[";
  bool first = true;
  bool truncated = false;
  std::size_t bytes = 0;
  while (auto chunk = co_await stream->read_some()) {
    bytes += chunk->size();
    if (bytes > kMaxLogBytes) {
      truncated = true;
      break;
    }
    for (const auto& entry : transform(*chunk)) {
      if (!first) body.push_back(',');
      first = false;
      body += entry;
    }
  }
  stream->close();
  body += "],\"truncated\":";
  body += truncated ? "true" : "false";
  body += ",\"next_cursor\":null}";
  co_return body;
}

asio::awaitable<http::StreamingReply> ContainerService::follow_logs(std::string env, std::string ref,
                                                                    LogOptions options) {
  auto engine = environments_.engine_up(env);
  const bool tty = co_await has_tty(*engine, ref);
  std::shared_ptr<docker::EngineStream> stream = co_await open_stream(
      *engine, docker::Verb::get, container_path(ref) + "/logs" + log_query(options, true), "container");
  http::StreamingReply reply;
  reply.content_type = "application/x-ndjson";
  reply.produce = [stream, tty](http::ResponseStream& out) -> asio::awaitable<void> {
    co_await relay_to_response(stream, out, log_entries(tty, true));
  };
  co_return reply;
}

asio::awaitable<http::WebSocketReply> ContainerService::logs_socket(std::string env, std::string ref,
                                                                    LogOptions options) {
  auto engine = environments_.engine_up(env);
  const bool tty = co_await has_tty(*engine, ref);
  std::shared_ptr<docker::EngineStream> stream = co_await open_stream(
      *engine, docker::Verb::get, container_path(ref) + "/logs" + log_query(options, true), "container");
  co_return http::WebSocketReply{[stream, tty](http::WebSocketChannel& socket) -> asio::awaitable<void> {
    co_await relay_to_socket(stream, socket, log_entries(tty, false));
  }};
}

asio::awaitable<std::string> ContainerService::stats(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::get, container_path(ref) + "/stats?stream=0", "container");
}

asio::awaitable<http::WebSocketReply> ContainerService::stats_socket(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  std::shared_ptr<docker::EngineStream> stream = co_await open_stream(
      *engine, docker::Verb::get, container_path(ref) + "/stats?stream=1", "container");
  co_return http::WebSocketReply{[stream](http::WebSocketChannel& socket) -> asio::awaitable<void> {
    co_await relay_to_socket(stream, socket, ndjson_lines(false));
  }};
}

asio::awaitable<std::string> ContainerService::exec(std::string env, std::string ref, ExecRequest request,
                                                    std::chrono::seconds timeout) {
  auto engine = environments_.engine_up(env);
  const auto exec_id = co_await create_exec(*engine, ref, request, false);
  auto start_body = boost::json::serialize(boost::json::object{{"Detach", false}, {"Tty", request.tty}});
  auto connection = co_await engine->client().hijack(
      docker::Verb::post, "/exec/" + encode(exec_id) + "/start", std::move(start_body));
  std::string out, err;
  bool truncated = false;
  bool timed_out = false;
  auto read_output = [&]() -> asio::awaitable<void> {
    docker::FrameDemuxer demuxer;
    try {
      while (auto chunk = co_await connection->read_some()) {
        auto append = [&](std::string& target, std::string_view data) {
          const auto room = kMaxExecOutput - std::min(kMaxExecOutput, target.size());
          if (data.size() > room) truncated = true;
          target.append(data.substr(0, room));
        };
        if (request.tty) {
          append(out, *chunk);
          continue;
        }
        for (const auto& frame : demuxer.feed(*chunk)) {
          append(frame.stream == docker::StreamKind::stderr_ ? err : out, frame.payload);
        }
      }
    } catch (const std::exception&) {
      // Closed by the deadline below, or the engine went away: what was read is returned.
    }
  };
  auto deadline = [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    auto [ec] = co_await timer.async_wait(as_tuple);
    if (!ec) {
      timed_out = true;
      connection->close();
    }
  };
  co_await (read_output() || deadline());
  connection->close();
  boost::json::object result{{"stdout", out}, {"stderr", err}, {"truncated", truncated}};
  if (timed_out) {
    result["ExitCode"] = nullptr;
    result["timed_out"] = true;
  } else {
    const auto code = co_await exec_exit_code(*engine, exec_id);
    result["ExitCode"] = code ? boost::json::value(*code) : boost::json::value(nullptr);
  }
  co_return boost::json::serialize(result);
}

asio::awaitable<http::WebSocketReply> ContainerService::exec_socket(
    std::string env, std::string ref, ExecRequest request, std::optional<std::pair<int, int>> size) {
  auto engine = environments_.engine_up(env);
  const auto exec_id = co_await create_exec(*engine, ref, request, true);
  auto start_body = boost::json::serialize(boost::json::object{{"Detach", false}, {"Tty", request.tty}});
  std::shared_ptr<docker::HijackedConnection> connection = co_await engine->client().hijack(
      docker::Verb::post, "/exec/" + encode(exec_id) + "/start", std::move(start_body));
  auto resize = [engine, exec_id](int cols, int rows) -> asio::awaitable<void> {
    auto response = co_await engine->client().request(
        docker::Verb::post,
        "/exec/" + encode(exec_id) + "/resize?h=" + std::to_string(rows) + "&w=" + std::to_string(cols));
    (void)response;  // a resize that races the process's exit is harmless
  };
  if (size && request.tty) {
    co_await resize(size->first, size->second);
  }
  const bool tty = request.tty;
  co_return http::WebSocketReply{[engine, connection, exec_id, tty,
                                  resize](http::WebSocketChannel& socket) -> asio::awaitable<void> {
    auto output = [&]() -> asio::awaitable<void> {
      docker::FrameDemuxer demuxer;
      try {
        while (auto chunk = co_await connection->read_some()) {
          if (tty) {
            if (!co_await socket.send_binary(std::move(*chunk))) break;
            continue;
          }
          for (auto& frame : demuxer.feed(*chunk)) {
            if (!co_await socket.send_binary(std::move(frame.payload))) break;
          }
        }
      } catch (const std::exception&) {
        // The engine closed the connection; the exit status below says how it ended.
      }
      std::optional<std::int64_t> code;
      try {
        code = co_await exec_exit_code(*engine, exec_id);
      } catch (const std::exception&) {
      }
      auto exit_message = boost::json::serialize(boost::json::object{
          {"type", "exit"}, {"exit_code", code ? boost::json::value(*code) : boost::json::value(nullptr)}});
      co_await socket.send_text(std::move(exit_message));
      co_await socket.close(1000, "process exited");
    };
    auto input = [&]() -> asio::awaitable<void> {
      while (auto message = co_await socket.read()) {
        try {
          if (message->binary) {
            co_await connection->write(std::move(message->data));
            continue;
          }
          auto control = json::parse_object(message->data);
          const auto type = json::optional_string(control, "type").value_or("");
          if (type == "resize") {
            const auto cols = json::optional_int(control, "cols").value_or(0);
            const auto rows = json::optional_int(control, "rows").value_or(0);
            if (cols > 0 && rows > 0 && cols <= 1000 && rows <= 1000) {
              co_await resize(static_cast<int>(cols), static_cast<int>(rows));
            }
          } else if (type == "stdin") {
            co_await connection->write(json::optional_string(control, "data").value_or(""));
          } else if (type == "eof") {
            connection->shutdown_write();
          }
        } catch (const std::exception&) {
          // A malformed control message or a write after the process ended: ignored.
        }
      }
      connection->close();
    };
    co_await (output() && input());
  }};
}

}  // namespace dokkerr::containers
