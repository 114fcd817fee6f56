#pragma once
// The services against a real Docker engine, as tests/unit/docker/engine_test.cpp does: runs only
// when DOKKERR_TEST_DOCKER_HOST names one (the test environment's private dockerd, never the
// host's default socket). Everything a test creates carries the label test.dokkerr.run=<a value
// of this process>, and is removed by that label when the test ends.
#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/resource_lookup.hpp"
#include "containers/tenancy_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/logger.hpp"
#include "docker/client.hpp"
#include "docker/endpoint.hpp"
#include "unit/containers/callers.hpp"
#include "unit/containers/fakes.hpp"
#include "unit/docker/test_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace dokkerr::containers::testing {

namespace asio = boost::asio;
using docker::testing::env;
using docker::testing::run;

inline constexpr const char* kRunLabel = "test.dokkerr.run";

// Each test process labels what it creates with its own value, so that cleaning up (and
// watching events) never touches what tests running beside it made.
inline const std::string& run_value() {
  static const std::string value = dokkerr::random_hex(8);
  return value;
}

inline std::string test_image() {
  return env("DOKKERR_TEST_IMAGE").value_or("dokkerr-test/busybox:latest");
}

// A name unique to this process and call, for containers, networks and volumes.
inline std::string unique_name(std::string_view what) {
  static int counter = 0;
  return "dokkerr-unit-" + run_value() + "-" + std::string(what) + "-" + std::to_string(++counter);
}

// {"io.dokkerr…" is Dokkerr's own; this one is the test's}.
inline boost::json::object run_labels() {
  return boost::json::object{{kRunLabel, run_value()}};
}

class EngineServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto host = env("DOKKERR_TEST_DOCKER_HOST");
    if (!host) GTEST_SKIP() << "DOKKERR_TEST_DOCKER_HOST is not set: no engine to test against";
    teams_.add("team-a");
    teams_.add("team-b");
    environments_ =
        std::make_unique<EnvironmentService>(ioc_.get_executor(), docker::parse_endpoint(*host),
                                             environment_store_, pool_, logger_, clock_);
    lookup_ = make_engine_lookup(*environments_);
    tenancy_ = std::make_unique<TenancyService>(owners_, teams_, *lookup_, pool_, clock_);
    client_ = std::make_unique<docker::Client>(ioc_.get_executor(), docker::parse_endpoint(*host));
    environments_->start();
    run(ioc_, wait_until_up());
  }

  void TearDown() override {
    if (!environments_) return;
    try {
      run(ioc_, remove_everything_labelled());
      EXPECT_EQ(run(ioc_, labelled_left()), 0U) << "the test left objects on the engine";
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleaning up the engine failed: " << e.what();
    }
    environments_->stop();
    ioc_.run_for(std::chrono::milliseconds(100));
  }

  asio::awaitable<void> wait_until_up() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (environments_->engine(kEnv)->state().status != EngineStatus::up) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("the test engine did not come up");
      }
      co_await docker::testing::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The engine, asked directly (not through the services under test).
  boost::json::value engine_get(const std::string& target) {
    const auto response = run(ioc_, client_->request(docker::Verb::get, target));
    if (response.status == 404) return nullptr;
    EXPECT_TRUE(response.ok()) << target << ": " << response.status << " " << response.body;
    return boost::json::parse(response.body);
  }

  // The team label of an engine object, nullopt when it has none.
  static std::optional<std::string> team_label_of(const boost::json::value& labels) {
    const auto* object = labels.if_object();
    if (object == nullptr) return std::nullopt;
    const auto* team = object->if_contains(kTeamLabel);
    if (team == nullptr) return std::nullopt;
    return std::string(team->as_string());
  }

  // A create body of the test image with the run label and no network (the test engine has no
  // default bridge).
  static std::string container_body(std::vector<std::string> cmd, boost::json::object extra = {}) {
    boost::json::object body{{"Image", test_image()}, {"Labels", run_labels()}};
    boost::json::array command;
    for (auto& part : cmd) command.emplace_back(part);
    body["Cmd"] = std::move(command);
    boost::json::object host{{"NetworkMode", "none"}};
    body["HostConfig"] = std::move(host);
    for (auto& [key, value] : extra) body[key] = value;
    return boost::json::serialize(body);
  }

  asio::io_context ioc_;
  BlockingPool pool_{2};
  Logger logger_{LogLevel::error};
  ManualClock clock_;
  FakeEnvironmentStore environment_store_;
  FakeOwnershipStore owners_;
  FakeTeamDirectory teams_;
  std::unique_ptr<EnvironmentService> environments_;
  std::unique_ptr<ResourceLookup> lookup_;
  std::unique_ptr<TenancyService> tenancy_;
  std::unique_ptr<docker::Client> client_;
  // Volumes made without the run label (by the engine's defaults, or for a team on the fly).
  std::vector<std::string> volumes_to_remove_;

 private:
  // The engine's list at `target` (an array, or the array under `key`).
  asio::awaitable<boost::json::array> engine_list(std::string target, std::string_view key = {}) {
    const auto response = co_await client_->request(docker::Verb::get, std::move(target));
    auto answer = boost::json::parse(response.body);
    auto* items = key.empty() ? answer.if_array() : answer.at(key).if_array();
    co_return items != nullptr ? std::move(*items) : boost::json::array{};
  }

  asio::awaitable<void> engine_delete(std::string target) {
    const auto response = co_await client_->request(docker::Verb::delete_, std::move(target));
    (void)response;  // gone already is as good
  }

  static std::string label_filters() {
    const boost::json::object label{
        {"label", boost::json::array{std::string(kRunLabel) + "=" + run_value()}}};
    return encode(boost::json::serialize(label));
  }

  asio::awaitable<std::size_t> labelled_left() {
    const auto filters = label_filters();
    auto containers_target = "/containers/json?all=1&filters=" + filters;
    const auto containers = co_await engine_list(std::move(containers_target));
    auto networks_target = "/networks?filters=" + filters;
    const auto networks = co_await engine_list(std::move(networks_target));
    auto volumes_target = "/volumes?filters=" + filters;
    const auto volumes = co_await engine_list(std::move(volumes_target), "Volumes");
    co_return containers.size() + networks.size() + volumes.size();
  }

  asio::awaitable<void> remove_everything_labelled() {
    const auto filters = label_filters();
    auto containers_target = "/containers/json?all=1&filters=" + filters;
    const auto containers = co_await engine_list(std::move(containers_target));
    for (const auto& item : containers) {
      auto target = "/containers/" + std::string(item.at("Id").as_string()) + "?force=1&v=1";
      co_await engine_delete(std::move(target));
    }
    auto networks_target = "/networks?filters=" + filters;
    const auto networks = co_await engine_list(std::move(networks_target));
    for (const auto& item : networks) {
      auto target = "/networks/" + std::string(item.at("Id").as_string());
      co_await engine_delete(std::move(target));
    }
    for (const auto& name : volumes_to_remove_) {
      auto target = "/volumes/" + name + "?force=1";
      co_await engine_delete(std::move(target));
    }
    auto volumes_target = "/volumes?filters=" + filters;
    const auto volumes = co_await engine_list(std::move(volumes_target), "Volumes");
    for (const auto& item : volumes) {
      auto target = "/volumes/" + std::string(item.at("Name").as_string()) + "?force=1";
      co_await engine_delete(std::move(target));
    }
  }
};

}  // namespace dokkerr::containers::testing
