#include "containers/image_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/relay.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

std::string image_path(const std::string& ref) {
  return object_path("images", ref, "image", true);  // "registry:5000/team/app:tag"
}

// The engine's X-Registry-Auth header: base64url of the JSON credentials.
std::string base64url(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const auto length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(data.data()),
                                      static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(length));
  for (auto& c : out) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return out;
}

// Repository names as the engine accepts them: optional registry host[:port]/, then lowercase
// path components of [a-z0-9] joined by '.', '_', '__' or '-'. Checked here so that a bad name
// is a clear 400 rather than the engine's 500 "invalid reference format".
void check_repository(const std::string& repo) {
  const auto fail = [] {
    throw Error::invalid("invalid_reference",
                         "Repository names are lowercase path components of [a-z0-9._-], "
                         "optionally after a registry host[:port]/.");
  };
  if (repo.empty() || repo.size() > 255) fail();
  std::string_view rest = repo;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const auto first = rest.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      for (const char c : first) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':') fail();
      }
      rest = rest.substr(slash + 1);
    }
  }
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto end = std::min(rest.find('/', start), rest.size());
    const auto part = rest.substr(start, end - start);
    if (part.empty() || !std::isalnum(static_cast<unsigned char>(part.front())) ||
        !std::isalnum(static_cast<unsigned char>(part.back()))) {
      fail();
    }
    for (const char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      if (!ok) fail();
    }
    start = end + 1;
  }
}

void check_tag(const std::string& tag) {
  const bool ok = !tag.empty() && tag.size() <= 128 &&
                  (std::isalnum(static_cast<unsigned char>(tag.front())) || tag.front() == '_') &&
                  std::all_of(tag.begin(), tag.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
                  });
  if (!ok) {
    throw Error::invalid("invalid_reference", "Tags are 1-128 characters of [A-Za-z0-9_.-].");
  }
}

void check_reference(const std::string& text, std::string_view field) {
  if (text.empty() || text.size() > 512) {
    throw Error::invalid("invalid_body", "Field '" + std::string(field) + "' must be 1 to 512 characters.");
  }
  for (const char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      throw Error::invalid("invalid_body", "Field '" + std::string(field) + "' must not contain spaces or control characters.");
    }
  }
}

// Collects an engine's NDJSON answer (load, import) into {"items":[...]}; an error object in it
// becomes our error.
std::string collect_lines(const std::string& body, std::string_view what) {
  boost::json::array items;
  auto lines = ndjson_lines(false);
  auto all = lines(body);
  all.push_back({});
  for (const auto& line : all) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (ec) continue;
    if (value.is_object()) {
      if (const auto* error = value.as_object().if_contains("error"); error && error->is_string()) {
        // The engine's text names its own temporary paths; the client gets a plain statement.
        throw Error(ErrorKind::invalid, "invalid_body",
                    "The engine could not read the uploaded " + std::string(what) + " tarball.",
                    std::string(error->as_string()));
      }
    }
    items.push_back(std::move(value));
  }
  return items_document(std::move(items));
}

}  // namespace

void check_engine_filters(const std::string& filters) {
  boost::system::error_code ec;
  auto value = boost::json::parse(filters, ec);
  bool ok = !ec && value.is_object();
  if (ok) {
    for (const auto& entry : value.as_object()) {
      const auto& list = entry.value();
      // The engine takes {"key":["v"]} and the older {"key":{"v":true}}.
      if (list.is_array()) {
        for (const auto& item : list.as_array()) ok = ok && item.is_string();
      } else if (!list.is_object()) {
        ok = false;
      }
    }
  }
  if (!ok) {
    throw Error::invalid("invalid_parameter",
                         "Query parameter 'filters' must be a JSON object of string lists.");
  }
}

PullRequest parse_pull_request(const boost::json::object& body) {
  PullRequest request;
  request.image = json::required_string(body, "image");
  check_reference(request.image, "image");
  request.tag = json::optional_string(body, "tag").value_or("");
  if (!request.tag.empty()) check_reference(request.tag, "tag");
  if (const auto* auth = json::optional_object(body, "auth")) {
    boost::json::object credentials;
    for (const auto key : {"username", "password", "serveraddress", "identitytoken"}) {
      if (auto value = json::optional_string(*auth, key)) credentials[key] = *value;
    }
    request.registry_auth = base64url(boost::json::serialize(credentials));
  }
  return request;
}

asio::awaitable<std::string> ImageService::list(std::string env, bool all, bool dangling,
                                                std::optional<std::string> reference) {
  auto engine = environments_.engine_up(env);
  boost::json::object filters;
  if (dangling) filters["dangling"] = boost::json::array{"true"};
  if (reference) filters["reference"] = boost::json::array{boost::json::string(*reference)};
  std::string target = "/images/json?all=" + std::string(all ? "1" : "0");
  if (!filters.empty()) target += "&filters=" + encode(boost::json::serialize(filters));
  co_return items_document(co_await call_json(*engine, docker::Verb::get, std::move(target), "image"));
}

asio::awaitable<std::string> ImageService::inspect(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::get, image_path(ref) + "/json", "image");
}

asio::awaitable<std::string> ImageService::history(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  co_return items_document(co_await call_json(*engine, docker::Verb::get, image_path(ref) + "/history", "image"));
}

asio::awaitable<http::StreamingReply> ImageService::pull(std::string env, PullRequest request) {
  auto engine = environments_.engine_up(env);
  std::string target = "/images/create?fromImage=" + encode(request.image);
  if (!request.tag.empty()) target += "&tag=" + encode(request.tag);
  docker::Headers headers;
  if (request.registry_auth) headers.emplace_back("X-Registry-Auth", *request.registry_auth);
  std::shared_ptr<docker::EngineStream> stream =
      co_await open_stream(*engine, docker::Verb::post, std::move(target), "image", {}, std::move(headers));
  http::StreamingReply reply;
  reply.content_type = "application/x-ndjson";
  reply.produce = [stream](http::ResponseStream& out) -> asio::awaitable<void> {
    bool failed = false;
    auto lines = ndjson_lines(false);
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
    co_await relay_to_response(stream, out, transform);
    if (!failed) co_await out.write("{\"status\":\"done\"}\n");
  };
  co_return reply;
}

asio::awaitable<void> ImageService::tag(std::string env, std::string ref, std::string repo, std::string tag) {
  check_repository(repo);
  if (!tag.empty()) check_tag(tag);
  auto engine = environments_.engine_up(env);
  std::string target = image_path(ref) + "/tag?repo=" + encode(repo);
  if (!tag.empty()) target += "&tag=" + encode(tag);
  co_await call(*engine, docker::Verb::post, std::move(target), "image");
}

asio::awaitable<std::string> ImageService::remove(std::string env, std::string ref, bool force, bool noprune) {
  auto engine = environments_.engine_up(env);
  co_return items_document(co_await call_json(
      *engine, docker::Verb::delete_,
      image_path(ref) + "?force=" + (force ? "1" : "0") + "&noprune=" + (noprune ? "1" : "0"), "image"));
}

asio::awaitable<std::string> ImageService::prune(std::string env, std::optional<std::string> filters) {
  auto engine = environments_.engine_up(env);
  std::string target = "/images/prune";
  if (filters) {
    check_engine_filters(*filters);
    target += "?filters=" + encode(*filters);
  }
  co_return co_await call(*engine, docker::Verb::post, std::move(target), "image");
}

asio::awaitable<std::string> ImageService::load(std::string env, std::string tarball) {
  if (tarball.empty()) throw Error::invalid("invalid_body", "The body must be an image tarball.");
  auto engine = environments_.engine_up(env);
  docker::Headers headers{{"Content-Type", "application/x-tar"}};
  auto body = co_await call(*engine, docker::Verb::post, "/images/load?quiet=1", "image",
                            std::move(tarball), std::move(headers));
  co_return collect_lines(body, "image");
}

asio::awaitable<http::StreamingReply> ImageService::export_image(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  std::shared_ptr<docker::EngineStream> stream =
      co_await open_stream(*engine, docker::Verb::get, image_path(ref) + "/get", "image");
  http::StreamingReply reply;
  reply.content_type = "application/x-tar";
  reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"image.tar\"");
  reply.produce = [stream](http::ResponseStream& out) -> asio::awaitable<void> {
    co_await relay_to_response(stream, out, [](std::string_view chunk) {
      return std::vector<std::string>{std::string(chunk)};
    });
  };
  co_return reply;
}

asio::awaitable<std::string> ImageService::import_rootfs(std::string env, std::string tarball,
                                                         std::string repo, std::string tag) {
  if (tarball.empty()) throw Error::invalid("invalid_body", "The body must be a root filesystem tarball.");
  std::string target = "/images/create?fromSrc=-";
  if (!repo.empty()) {
    check_repository(repo);
    target += "&repo=" + encode(repo);
  }
  if (!tag.empty()) {
    check_tag(tag);
    target += "&tag=" + encode(tag);
  }
  auto engine = environments_.engine_up(env);
  docker::Headers headers{{"Content-Type", "application/x-tar"}};
  auto body = co_await call(*engine, docker::Verb::post, std::move(target), "image",
                            std::move(tarball), std::move(headers));
  co_return collect_lines(body, "root filesystem");
}

}  // namespace dokkerr::containers
