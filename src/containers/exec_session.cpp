#include "containers/exec_session.hpp"

#include "containers/engine.hpp"
#include "containers/engine_call.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

// Creates an exec instance and returns its id.
asio::awaitable<std::string> create_exec(Engine& engine, const std::string& ref,
                                         const ExecRequest& request, bool interactive) {
  boost::json::object body;
  body["AttachStdin"] = interactive;
  body["AttachStdout"] = true;
  body["AttachStderr"] = true;
  body["Tty"] = request.tty;
  body["Cmd"] = json::string_array(request.cmd);
  if (!request.env.empty()) body["Env"] = json::string_array(request.env);
  if (!request.working_dir.empty()) body["WorkingDir"] = request.working_dir;
  if (!request.user.empty()) body["User"] = request.user;
  if (request.privileged) body["Privileged"] = true;
  auto target = object_path("containers", ref, "container") + "/exec";
  auto text = boost::json::serialize(body);
  const auto created = co_await call_json(engine, docker::Verb::post, std::move(target),
                                          "container", std::move(text));
  const auto* object = created.if_object();
  const auto* id = object != nullptr ? object->if_contains("Id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    throw Error(ErrorKind::bad_gateway, "engine_error",
                "The engine did not create the exec instance.");
  }
  co_return std::string(id->as_string());
}

}  // namespace

asio::awaitable<std::unique_ptr<ExecSession>> ExecSession::start(std::shared_ptr<Engine> engine,
                                                                 std::string ref,
                                                                 ExecRequest request,
                                                                 bool interactive) {
  auto exec_id = co_await create_exec(*engine, ref, request, interactive);
  boost::json::object start;
  start["Detach"] = false;
  start["Tty"] = request.tty;
  auto body = boost::json::serialize(start);
  auto target = "/exec/" + encode(exec_id) + "/start";
  auto connection =
      co_await engine->client().hijack(docker::Verb::post, std::move(target), std::move(body));
  co_return std::make_unique<ExecSession>(std::move(engine), std::move(connection),
                                          std::move(exec_id), request.tty);
}

ExecSession::ExecSession(std::shared_ptr<Engine> engine,
                         std::unique_ptr<docker::HijackedConnection> connection,
                         std::string exec_id, bool tty)
    : engine_(std::move(engine)),
      connection_(std::move(connection)),
      exec_id_(std::move(exec_id)),
      tty_(tty),
      decoder_(tty) {}

ExecSession::~ExecSession() {
  connection_->close();
}

asio::awaitable<std::optional<std::vector<docker::Frame>>> ExecSession::read_output() {
  auto chunk = co_await connection_->read_some();
  if (!chunk) co_return std::nullopt;
  co_return decoder_.feed(*chunk);
}

asio::awaitable<void> ExecSession::write_input(std::string data) {
  co_await connection_->write(std::move(data));
}

void ExecSession::close_input() {
  connection_->shutdown_write();
}

void ExecSession::close() {
  connection_->close();
}

asio::awaitable<void> ExecSession::resize(TerminalSize size) {
  auto target = "/exec/" + encode(exec_id_) + "/resize?h=" + std::to_string(size.rows) +
                "&w=" + std::to_string(size.cols);
  const auto response = co_await engine_->client().request(docker::Verb::post, std::move(target));
  (void)response;  // a resize that races the process's exit is harmless
}

// Polled briefly: the engine may report the end of the output a moment before it records the
// exit.
asio::awaitable<std::optional<std::int64_t>> ExecSession::exit_code() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto target = "/exec/" + encode(exec_id_) + "/json";
  for (int attempt = 0; attempt < 50; ++attempt) {
    const auto info = co_await call_json(*engine_, docker::Verb::get, target, "exec");
    if (const auto* object = info.if_object()) {
      const auto* running = object->if_contains("Running");
      const auto* code = object->if_contains("ExitCode");
      if (running && running->is_bool() && !running->as_bool() && code && code->is_int64()) {
        co_return code->as_int64();
      }
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(as_tuple);
  }
  co_return std::nullopt;
}

}  // namespace dokkerr::containers
