#include "containers/engine_call.hpp"

#include "core/error.hpp"
#include "docker/errors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <openssl/evp.h>

#include <algorithm>

namespace dokkerr::containers {

std::string encode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string base64(std::string_view data, bool url) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const auto length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(data.data()),
                                      static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(length));
  if (url) {
    std::replace(out.begin(), out.end(), '+', '-');
    std::replace(out.begin(), out.end(), '/', '_');
  }
  return out;
}

std::string object_path(std::string_view collection, std::string_view ref, std::string_view what,
                        bool slashes_allowed) {
  bool usable = !ref.empty() && ref.size() <= 1024;
  std::size_t start = 0;
  while (usable && start <= ref.size()) {
    const auto end = std::min(ref.find('/', start), ref.size());
    const auto segment = ref.substr(start, end - start);
    usable = !segment.empty() && segment != "." && segment != ".." &&
             (slashes_allowed || end == ref.size());
    start = end + 1;
  }
  for (const char c : ref) {
    usable = usable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  }
  if (!usable) {
    throw Error::not_found(std::string(what) + "_not_found",
                           "No such " + std::string(what) + ": " + std::string(ref.substr(0, 128)));
  }
  return "/" + std::string(collection) + "/" + encode(ref);
}

boost::asio::awaitable<std::string> call(Engine& engine, docker::Verb verb, std::string target,
                                         std::string_view what, std::string body,
                                         docker::Headers headers) {
  auto response = co_await engine.client().request(verb, std::move(target), std::move(body),
                                                   std::move(headers));
  if (!response.ok()) {
    throw docker::map_engine_error(response.status, response.body, what);
  }
  co_return std::move(response.body);
}

boost::asio::awaitable<boost::json::value> call_json(Engine& engine, docker::Verb verb,
                                                     std::string target, std::string_view what,
                                                     std::string body) {
  auto text = co_await call(engine, verb, std::move(target), what, std::move(body));
  if (text.empty()) {
    co_return boost::json::value(nullptr);
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec) {
    throw Error(ErrorKind::bad_gateway, "engine_error", "The engine sent an unreadable answer.");
  }
  co_return value;
}

boost::asio::awaitable<std::unique_ptr<docker::EngineStream>> open_stream(
    Engine& engine, docker::Verb verb, std::string target, std::string_view what, std::string body,
    docker::Headers headers) {
  auto stream =
      co_await engine.client().stream(verb, std::move(target), std::move(body), std::move(headers));
  if (stream->status() < 200 || stream->status() >= 300) {
    const auto status = stream->status();
    auto error_body = co_await stream->read_all(64 * 1024);
    stream->close();
    throw docker::map_engine_error(status, error_body, what);
  }
  co_return stream;
}

boost::asio::awaitable<boost::json::value> prune(Engine& engine, std::string_view collection,
                                                 std::optional<boost::json::object> filters,
                                                 std::string_view what) {
  auto target = with_filters("/" + std::string(collection) + "/prune", filters);
  co_return co_await call_json(engine, docker::Verb::post, std::move(target), what);
}

std::string with_filters(std::string target, const std::optional<boost::json::object>& filters) {
  if (!filters) return target;
  target += target.find('?') == std::string::npos ? "?filters=" : "&filters=";
  target += encode(boost::json::serialize(*filters));
  return target;
}

boost::json::array array_of(boost::json::value answer) {
  if (auto* items = answer.if_array()) return std::move(*items);
  return {};
}

}  // namespace dokkerr::containers
