#include "app/tenancy_stack_host.hpp"

#include "containers/container_service.hpp"
#include "containers/image_service.hpp"
#include "containers/network_service.hpp"
#include "containers/tenancy_service.hpp"
#include "containers/volume_service.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "docker/streams.hpp"
#include "stacks/service_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::app {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;

// "" (an administrator's, for no team) is no team named.
std::optional<std::string> team_of(const std::string& team) {
  if (team.empty()) return std::nullopt;
  return team;
}

std::string text_of(const bj::value* value) {
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

asio::awaitable<std::string> TenancyStackHost::deploying_team(const Principal& caller,
                                                              std::string env,
                                                              std::optional<std::string> team) {
  const auto creation =
      co_await tenancy_.creation(caller, env, std::move(team), perm::containers_create);
  co_return creation.team;
}

asio::awaitable<void> TenancyStackHost::check_container(const Principal& caller, std::string env,
                                                        std::string team, bj::object body) {
  containers::ContainerCreate request;
  request.team = team_of(team);
  request.body = bj::serialize(body);
  co_await containers_.check_create(caller, std::move(env), std::move(request));
}

asio::awaitable<void> TenancyStackHost::check_volume(const Principal& caller, std::string env,
                                                     std::string team, bj::object body) {
  containers::VolumeCreate request;
  request.team = team_of(team);
  request.body = bj::serialize(body);
  co_await volumes_.check_create(caller, std::move(env), std::move(request));
}

asio::awaitable<void> TenancyStackHost::ensure_network(const Principal& caller, std::string env,
                                                       std::string team, std::string name,
                                                       std::optional<bj::object> body) {
  try {
    (void)co_await networks_.inspect(caller, env, name);
    co_return;  // there, and the caller's (another team's answers not found)
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found || !body) throw;
  }
  containers::NetworkCreate request;
  request.team = team_of(team);
  request.body = bj::serialize(*body);
  (void)co_await networks_.create(caller, std::move(env), std::move(request));
}

asio::awaitable<void> TenancyStackHost::ensure_volume(const Principal& caller, std::string env,
                                                      std::string team, std::string name,
                                                      std::optional<bj::object> body) {
  try {
    (void)co_await volumes_.inspect(caller, env, name);
    co_return;
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found || !body) throw;
  }
  containers::VolumeCreate request;
  request.team = team_of(team);
  request.body = bj::serialize(*body);
  (void)co_await volumes_.create(caller, std::move(env), std::move(request));
}

asio::awaitable<std::vector<stacks::ProjectContainer>> TenancyStackHost::project_containers(
    const Principal& caller, std::string env, std::string project) {
  containers::ContainerFilter filter;
  filter.all = true;
  filter.labels.push_back(std::string(stacks::kProjectLabel) + "=" + project);
  std::vector<stacks::ProjectContainer> out;
  std::optional<std::string> cursor;
  // A stack has at most 100 services of at most 100 replicas: a few pages at most.
  for (int page = 0; page < 20; ++page) {
    auto listed = co_await containers_.list(caller, env, filter, 500, cursor.value_or(""));
    for (const auto& item : listed.items) {
      const auto value = bj::parse(item);
      const auto& summary = value.as_object();
      stacks::ProjectContainer container;
      container.id = text_of(summary.if_contains("Id"));
      if (const auto* names = summary.if_contains("Names");
          names != nullptr && names->is_array() && !names->as_array().empty()) {
        container.name = text_of(&names->as_array().front());
        if (container.name.starts_with('/')) container.name.erase(0, 1);
      }
      container.state = text_of(summary.if_contains("State"));
      container.image_id = text_of(summary.if_contains("ImageID"));
      if (const auto* labels = summary.if_contains("Labels");
          labels != nullptr && labels->is_object()) {
        const auto& l = labels->as_object();
        container.service = text_of(l.if_contains(stacks::kServiceLabel));
        container.config_hash = text_of(l.if_contains(stacks::kConfigHashLabel));
        try {
          container.number = std::stoi(text_of(l.if_contains(stacks::kNumberLabel)));
        } catch (const std::exception&) {
          container.number = 0;  // not one of a service's numbered replicas
        }
        if (text_of(l.if_contains(stacks::kOneoffLabel)) == "True") continue;  // `run` containers
      }
      out.push_back(std::move(container));
    }
    if (!listed.next_cursor) break;
    cursor = std::move(listed.next_cursor);
  }
  co_return out;
}

asio::awaitable<std::string> TenancyStackHost::create_container(const Principal& caller,
                                                                std::string env, std::string team,
                                                                std::string name, bj::object body,
                                                                std::string pull) {
  containers::ContainerCreate request;
  request.name = std::move(name);
  request.team = team_of(team);
  request.body = bj::serialize(body);
  // Pulls need images:pull in the team and a registry the platform allows, as by hand.
  if (pull != "never") request.pull = containers::pull_policy_from(pull);
  const auto created = co_await containers_.create(caller, std::move(env), std::move(request));
  co_return text_of(created.as_object().if_contains("Id"));
}

asio::awaitable<std::string> TenancyStackHost::refresh_image(const Principal& caller,
                                                             std::string env, std::string team,
                                                             std::string image) {
  // As a create with ?pull=always would: images:pull in the team the stack belongs to.
  const bool may_pull = team.empty() ? caller.has_platform(perm::images_pull)
                                     : caller.has_in_team(team, perm::images_pull);
  if (!may_pull) {
    throw Error(ErrorKind::forbidden, "permission_denied",
                "Pulling the stack's images needs the permission images:pull.");
  }
  co_await images_.ensure(caller, env, image, containers::PullPolicy::always, team);
  const auto inspected = co_await images_.inspect(std::move(env), std::move(image));
  co_return text_of(inspected.as_object().if_contains("Id"));
}

asio::awaitable<void> TenancyStackHost::rename(const Principal& caller, std::string env,
                                               std::string container, std::string name) {
  co_await containers_.rename(caller, std::move(env), std::move(container), std::move(name));
}

asio::awaitable<void> TenancyStackHost::connect(const Principal& caller, std::string env,
                                                std::string network, std::string container,
                                                bj::object endpoint) {
  containers::EndpointChange change;
  change.container = std::move(container);
  change.endpoint_config = bj::value(std::move(endpoint));
  co_await networks_.connect(caller, std::move(env), std::move(network), std::move(change));
}

asio::awaitable<void> TenancyStackHost::start(const Principal& caller, std::string env,
                                              std::string container) {
  co_await containers_.act(caller, std::move(env), std::move(container),
                           containers::ContainerAction::start, {});
}

asio::awaitable<void> TenancyStackHost::stop(const Principal& caller, std::string env,
                                             std::string container) {
  co_await containers_.act(caller, std::move(env), std::move(container),
                           containers::ContainerAction::stop, {});
}

asio::awaitable<void> TenancyStackHost::remove_container(const Principal& caller, std::string env,
                                                         std::string container) {
  containers::RemoveOptions options;
  options.force = true;
  co_await containers_.remove(caller, std::move(env), std::move(container), options);
}

asio::awaitable<stacks::ContainerStatus> TenancyStackHost::status(const Principal& caller,
                                                                  std::string env,
                                                                  std::string container) {
  const auto inspected = co_await containers_.inspect(caller, std::move(env), std::move(container));
  stacks::ContainerStatus status;
  const auto* state = inspected.as_object().if_contains("State");
  if (state == nullptr || !state->is_object()) co_return status;
  const auto& s = state->as_object();
  status.state = text_of(s.if_contains("Status"));
  if (const auto* code = s.if_contains("ExitCode"); code != nullptr && code->is_int64()) {
    status.exit_code = static_cast<int>(code->as_int64());
  }
  if (const auto* health = s.if_contains("Health"); health != nullptr && health->is_object()) {
    status.health = text_of(health->as_object().if_contains("Status"));
  }
  co_return status;
}

asio::awaitable<std::vector<stacks::LogLine>> TenancyStackHost::logs(const Principal& caller,
                                                                     std::string env,
                                                                     std::string container,
                                                                     std::size_t tail) {
  containers::LogOptions options;
  options.tail = std::to_string(tail);
  options.timestamps = true;
  const auto logs =
      co_await containers_.logs(caller, std::move(env), std::move(container), options);
  std::vector<stacks::LogLine> out;
  for (const auto& frame : logs.entries) {
    const std::string stream = frame.stream == docker::StreamKind::stderr_ ? "stderr" : "stdout";
    std::string_view rest = frame.payload;
    // A frame holds one write: whole lines, each "<RFC 3339 time> <text>".
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      const auto line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (line.empty()) continue;
      const auto space = line.find(' ');
      stacks::LogLine entry;
      entry.stream = stream;
      if (space == std::string_view::npos) {
        entry.text = std::string(line);
      } else {
        entry.time = std::string(line.substr(0, space));
        entry.text = std::string(line.substr(space + 1));
      }
      out.push_back(std::move(entry));
    }
  }
  co_return out;
}

asio::awaitable<void> TenancyStackHost::remove_network(const Principal& caller, std::string env,
                                                       std::string name) {
  try {
    co_await networks_.remove(caller, std::move(env), std::move(name));
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found) throw;
  }
}

asio::awaitable<void> TenancyStackHost::remove_volume(const Principal& caller, std::string env,
                                                      std::string name) {
  try {
    co_await volumes_.remove(caller, std::move(env), std::move(name), false);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::not_found) throw;
  }
}

}  // namespace dokkerr::app
