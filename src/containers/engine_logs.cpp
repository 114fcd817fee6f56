#include "containers/engine_logs.hpp"

#include "containers/engine_call.hpp"
#include "containers/output_decoder.hpp"

namespace dokkerr::containers {
namespace {

constexpr std::size_t kMaxLogBytes = 16U * 1024U * 1024U;

}  // namespace

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

boost::asio::awaitable<Logs> read_logs(Engine& engine, std::string target, std::string_view what,
                                       bool tty) {
  auto stream = co_await open_stream(engine, docker::Verb::get, std::move(target), what);
  OutputDecoder decoder(tty);
  Logs logs;
  std::size_t bytes = 0;
  for (;;) {
    auto chunk = co_await stream->read_some();
    if (!chunk) break;
    bytes += chunk->size();
    if (bytes > kMaxLogBytes) {
      logs.truncated = true;
      break;
    }
    for (auto& frame : decoder.feed(*chunk)) logs.entries.push_back(std::move(frame));
  }
  stream->close();
  co_return logs;
}

}  // namespace dokkerr::containers
