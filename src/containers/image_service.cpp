#include "containers/image_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/registry_guard.hpp"
#include "core/error.hpp"
#include "docker/errors.hpp"
#include "docker/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

std::string image_path(const std::string& ref) {
  return object_path("images", ref, "image", true);  // "registry:5000/team/app:tag"
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
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':')
          fail();
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
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      if (!ok) fail();
    }
    start = end + 1;
  }
}

void check_tag(const std::string& tag) {
  const bool ok =
      !tag.empty() && tag.size() <= 128 &&
      (std::isalnum(static_cast<unsigned char>(tag.front())) || tag.front() == '_') &&
      std::all_of(tag.begin(), tag.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      });
  if (!ok) {
    throw Error::invalid("invalid_reference", "Tags are 1-128 characters of [A-Za-z0-9_.-].");
  }
}

// Collects an engine's NDJSON answer (load, import); an error object in it becomes our error.
boost::json::array collect_lines(const std::string& body, std::string_view what) {
  boost::json::array items;
  docker::LineSplitter lines;
  for (const auto& line : lines.feed(body)) {
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
  return items;
}

}  // namespace

asio::awaitable<boost::json::array> ImageService::list(std::string env, ImageListOptions options) {
  auto engine = environments_.engine_up(env);
  boost::json::object filters;
  if (options.dangling) filters["dangling"] = boost::json::array{"true"};
  if (options.reference) {
    filters["reference"] = boost::json::array{boost::json::string(*options.reference)};
  }
  std::string target = "/images/json?all=" + std::string(options.all ? "1" : "0");
  if (!filters.empty()) target += "&filters=" + encode(boost::json::serialize(filters));
  auto images = co_await call_json(*engine, docker::Verb::get, std::move(target), "image");
  co_return array_of(std::move(images));
}

asio::awaitable<boost::json::value> ImageService::inspect(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  auto target = image_path(ref) + "/json";
  co_return co_await call_json(*engine, docker::Verb::get, std::move(target), "image");
}

asio::awaitable<boost::json::array> ImageService::history(std::string env, std::string ref) {
  auto engine = environments_.engine_up(env);
  auto target = image_path(ref) + "/history";
  auto layers = co_await call_json(*engine, docker::Verb::get, std::move(target), "image");
  co_return array_of(std::move(layers));
}

asio::awaitable<std::unique_ptr<docker::EngineStream>> ImageService::pull(const Principal& caller,
                                                                          std::string env,
                                                                          PullRequest request) {
  if (registries_ != nullptr) co_await registries_->check(caller, request.image);
  auto engine = environments_.engine_up(env);
  std::string target = "/images/create?fromImage=" + encode(request.image);
  if (!request.tag.empty()) target += "&tag=" + encode(request.tag);
  if (!request.auth && logins_ != nullptr) {
    request.auth = co_await logins_->login_for(caller, request.team, registry_of(request.image));
  }
  docker::Headers headers;
  if (request.auth) headers.emplace_back("X-Registry-Auth", registry_auth_header(*request.auth));
  std::string no_body;
  co_return co_await open_stream(*engine, docker::Verb::post, std::move(target), "image",
                                 std::move(no_body), std::move(headers));
}

PullPolicy pull_policy_from(std::string_view text) {
  if (text == "missing") return PullPolicy::missing;
  if (text == "always") return PullPolicy::always;
  throw Error::invalid("invalid_parameter", "Query parameter 'pull' is 'missing' or 'always'.");
}

PullRequest pull_request_for(std::string_view reference) {
  PullRequest request;
  if (const auto at = reference.find('@'); at != std::string_view::npos) {
    request.image = std::string(reference.substr(0, at));
    request.tag = std::string(reference.substr(at + 1));
    return request;
  }
  const auto slash = reference.rfind('/');
  const auto colon = reference.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    request.image = std::string(reference.substr(0, colon));
    request.tag = std::string(reference.substr(colon + 1));
  } else {
    request.image = std::string(reference);
    request.tag = "latest";
  }
  return request;
}

asio::awaitable<std::unique_ptr<docker::EngineStream>> ImageService::push(const Principal& caller,
                                                                          std::string env,
                                                                          std::string reference,
                                                                          std::string team) {
  auto request = pull_request_for(reference);
  check_repository(request.image);
  if (!request.tag.empty()) check_tag(request.tag);
  if (registries_ != nullptr) co_await registries_->check(caller, request.image);
  auto engine = environments_.engine_up(env);
  std::optional<RegistryCredentials> login;
  if (logins_ != nullptr) {
    login = co_await logins_->login_for(caller, std::move(team), registry_of(request.image));
  }
  // The engine refuses a push without the header, even to a registry that needs no login.
  docker::Headers headers;
  headers.emplace_back("X-Registry-Auth", registry_auth_header(login.value_or(RegistryCredentials{})));
  std::string target = image_path(request.image) + "/push";
  if (!request.tag.empty()) target += "?tag=" + encode(request.tag);
  std::string no_body;
  co_return co_await open_stream(*engine, docker::Verb::post, std::move(target), "image",
                                 std::move(no_body), std::move(headers));
}

asio::awaitable<void> ImageService::ensure(const Principal& caller, std::string env,
                                           std::string reference, PullPolicy policy,
                                           std::string team, std::chrono::seconds deadline) {
  if (policy == PullPolicy::missing) {
    try {
      co_await inspect(env, reference);
      co_return;
    } catch (const Error& error) {
      if (error.code() != "image_not_found") throw;
    }
  }
  auto request = pull_request_for(reference);
  request.team = std::move(team);
  std::unique_ptr<docker::EngineStream> progress;
  try {
    progress = co_await pull(caller, std::move(env), std::move(request));
  } catch (const Error& error) {
    // The engine refuses some pulls before it starts (a registry that wants a login).
    if (error.code() != "engine_error") throw;
    throw Error(ErrorKind::bad_gateway, "image_pull_failed",
                "Pulling " + reference + " failed: " + error.detail());
  }
  // The engine reports a failure in-band, as a line with "error", after a 200.
  std::optional<std::string> failure;
  bool timed_out = false;
  auto read_to_end = [&]() -> asio::awaitable<void> {
    docker::LineSplitter lines;
    while (auto chunk = co_await progress->read_some()) {
      for (const auto& line : lines.feed(*chunk)) {
        boost::system::error_code ec;
        const auto value = boost::json::parse(line, ec);
        const auto* object = ec ? nullptr : value.if_object();
        if (object == nullptr) continue;
        if (const auto* error = object->if_contains("error")) {
          failure = error->is_string() ? std::string(error->as_string()) : "pull failed";
        }
      }
    }
  };
  auto watch = [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) {
      timed_out = true;
      progress->close();
    }
  };
  co_await (read_to_end() || watch());
  progress->close();
  if (timed_out) {
    throw Error(ErrorKind::bad_gateway, "image_pull_timeout",
                "Pulling " + reference + " took longer than allowed.");
  }
  if (failure) {
    throw Error(ErrorKind::bad_gateway, "image_pull_failed",
                "Pulling " + reference + " failed: " + *failure);
  }
}

asio::awaitable<void> ImageService::tag(std::string env, std::string ref, std::string repo,
                                        std::string tag) {
  check_repository(repo);
  if (!tag.empty()) check_tag(tag);
  auto engine = environments_.engine_up(env);
  std::string target = image_path(ref) + "/tag?repo=" + encode(repo);
  if (!tag.empty()) target += "&tag=" + encode(tag);
  co_await call(*engine, docker::Verb::post, std::move(target), "image");
}

asio::awaitable<boost::json::array> ImageService::remove(std::string env, std::string ref,
                                                         ImageRemoveOptions options) {
  auto engine = environments_.engine_up(env);
  auto target = image_path(ref) + "?force=" + (options.force ? "1" : "0") +
                "&noprune=" + (options.noprune ? "1" : "0");
  auto removed = co_await call_json(*engine, docker::Verb::delete_, std::move(target), "image");
  co_return array_of(std::move(removed));
}

asio::awaitable<boost::json::value> ImageService::prune(
    std::string env, std::optional<boost::json::object> filters) {
  auto engine = environments_.engine_up(env);
  co_return co_await containers::prune(*engine, "images", std::move(filters), "image");
}

asio::awaitable<std::string> ImageService::send_tarball(std::string env, std::string target,
                                                        UploadSource tarball,
                                                        std::string_view what) {
  auto engine = environments_.engine_up(env);
  const auto empty = [what] {
    return Error::invalid("invalid_body", "The body must be " + std::string(what) + " tarball.");
  };
  KeptUpload kept;
  std::string first;  // without a spool: the first piece, read before the engine is called
  if (spool_ != nullptr) {
    kept = co_await spool_->keep(std::move(tarball));
  } else {
    const auto head = co_await tarball();
    if (head.empty()) throw empty();
    first.assign(head);
  }
  std::exception_ptr failure;
  std::string answer_body;
  try {
    if (spool_ != nullptr && kept.size == 0) throw empty();
    docker::Headers headers{{"Content-Type", "application/x-tar"}};
    auto upload =
        co_await engine->client().upload(docker::Verb::post, std::move(target), std::move(headers));
    if (spool_ != nullptr) {
      const UploadSink to_engine = [&upload](std::string piece) -> asio::awaitable<void> {
        co_await upload->write(std::move(piece));
      };
      co_await spool_->replay(kept, to_engine);
    } else {
      std::string piece = std::move(first);
      while (!piece.empty()) {
        co_await upload->write(std::move(piece));
        const auto next = co_await tarball();
        piece.assign(next);
      }
    }
    auto answer = co_await upload->finish();
    if (!answer.ok()) throw docker::map_engine_error(answer.status, answer.body, "image");
    answer_body = std::move(answer.body);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!kept.name.empty()) co_await spool_->discard(kept);
  if (failure) std::rethrow_exception(failure);
  co_return answer_body;
}

asio::awaitable<boost::json::array> ImageService::load(std::string env, UploadSource tarball) {
  const auto body =
      co_await send_tarball(std::move(env), "/images/load?quiet=1", std::move(tarball), "an image");
  co_return collect_lines(body, "image");
}

asio::awaitable<std::unique_ptr<docker::EngineStream>> ImageService::export_image(std::string env,
                                                                                  std::string ref) {
  auto engine = environments_.engine_up(env);
  auto target = image_path(ref) + "/get";
  co_return co_await open_stream(*engine, docker::Verb::get, std::move(target), "image");
}

asio::awaitable<boost::json::array> ImageService::import_rootfs(std::string env,
                                                                UploadSource tarball,
                                                                std::string repo, std::string tag) {
  std::string target = "/images/create?fromSrc=-";
  if (!repo.empty()) {
    check_repository(repo);
    target += "&repo=" + encode(repo);
  }
  if (!tag.empty()) {
    check_tag(tag);
    target += "&tag=" + encode(tag);
  }
  const auto body = co_await send_tarball(std::move(env), std::move(target), std::move(tarball),
                                          "a root filesystem");
  co_return collect_lines(body, "root filesystem");
}

}  // namespace dokkerr::containers
