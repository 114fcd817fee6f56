#pragma once
// Stacks act on an environment through the containers domain's services, as the caller: the
// policy, tenancy and owner records of a stack's containers, networks and volumes are those of
// the same requests made by hand.
#include "stacks/stack_host.hpp"

namespace dokkerr::containers {
class ContainerService;
class ImageService;
class NetworkService;
class TenancyService;
class VolumeService;
}  // namespace dokkerr::containers

namespace dokkerr::app {

class TenancyStackHost final : public stacks::StackHost {
 public:
  TenancyStackHost(containers::ContainerService& containers, containers::ImageService& images,
                   containers::NetworkService& networks, containers::VolumeService& volumes,
                   containers::TenancyService& tenancy)
      : containers_(containers),
        images_(images),
        networks_(networks),
        volumes_(volumes),
        tenancy_(tenancy) {}

  boost::asio::awaitable<std::string> deploying_team(const Principal& caller, std::string env,
                                                     std::optional<std::string> team) override;
  boost::asio::awaitable<void> check_container(const Principal& caller, std::string env,
                                               std::string team, boost::json::object body) override;
  boost::asio::awaitable<void> check_volume(const Principal& caller, std::string env,
                                            std::string team, boost::json::object body) override;
  boost::asio::awaitable<void> ensure_network(const Principal& caller, std::string env,
                                              std::string team, std::string name,
                                              std::optional<boost::json::object> body) override;
  boost::asio::awaitable<void> ensure_volume(const Principal& caller, std::string env,
                                             std::string team, std::string name,
                                             std::optional<boost::json::object> body) override;
  boost::asio::awaitable<std::vector<stacks::ProjectContainer>> project_containers(
      const Principal& caller, std::string env, std::string project) override;
  boost::asio::awaitable<std::string> create_container(const Principal& caller, std::string env,
                                                       std::string team, std::string name,
                                                       boost::json::object body,
                                                       std::string pull) override;
  boost::asio::awaitable<std::string> refresh_image(const Principal& caller, std::string env,
                                                    std::string team, std::string image) override;
  boost::asio::awaitable<void> connect(const Principal& caller, std::string env,
                                       std::string network, std::string container,
                                       boost::json::object endpoint) override;
  boost::asio::awaitable<void> start(const Principal& caller, std::string env,
                                     std::string container) override;
  boost::asio::awaitable<void> stop(const Principal& caller, std::string env,
                                    std::string container) override;
  boost::asio::awaitable<void> rename(const Principal& caller, std::string env,
                                      std::string container, std::string name) override;
  boost::asio::awaitable<void> remove_container(const Principal& caller, std::string env,
                                                std::string container) override;
  boost::asio::awaitable<stacks::ContainerStatus> status(const Principal& caller, std::string env,
                                                         std::string container) override;
  boost::asio::awaitable<std::vector<stacks::LogLine>> logs(const Principal& caller,
                                                            std::string env, std::string container,
                                                            std::size_t tail) override;
  boost::asio::awaitable<void> remove_network(const Principal& caller, std::string env,
                                              std::string name) override;
  boost::asio::awaitable<void> remove_volume(const Principal& caller, std::string env,
                                             std::string name) override;

 private:
  containers::ContainerService& containers_;
  containers::ImageService& images_;
  containers::NetworkService& networks_;
  containers::VolumeService& volumes_;
  containers::TenancyService& tenancy_;
};

}  // namespace dokkerr::app
