#pragma once
// The newest round of every collected container's figures, for the live streams of teams and
// environments. The collecting replica fills it after each round; when Redis is configured it
// also hands each round to the other replicas (as JSON, through the app's relay), which fill
// theirs from it, so a stream answers the same on any replica.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::monitoring {

struct LiveRow {
  std::string environment, id, name, team;
  std::optional<double> cpu_percent;
  double memory_bytes = 0;
  std::optional<double> memory_percent;
  std::optional<double> network_receive_bps, network_transmit_bps;
};

struct LiveRound {
  std::int64_t at_ms = 0;
  std::vector<LiveRow> rows;
};

class LiveFeed {
 public:
  // A round to hand to the other replicas (set by the app when Redis is configured).
  using Relay = std::function<void(std::string message)>;
  static constexpr std::size_t kMaxMessageBytes = 16 * 1024 * 1024;

  explicit LiveFeed(std::string node_id) : node_id_(std::move(node_id)) {}
  void relay_to(Relay relay) { relay_ = std::move(relay); }

  // This replica's round.
  void update(LiveRound round);
  // Another replica's round as relayed; its own messages and anything malformed are ignored.
  void accept(std::string_view message);
  [[nodiscard]] std::shared_ptr<const LiveRound> latest() const;

 private:
  std::string node_id_;
  Relay relay_;
  mutable std::mutex mutex_;
  std::shared_ptr<const LiveRound> latest_ = std::make_shared<const LiveRound>();
};

[[nodiscard]] std::string live_message(std::string_view node_id, const LiveRound& round);
// nullopt for a message that is not a round (or is this node's own).
[[nodiscard]] std::optional<LiveRound> parse_live_message(std::string_view message,
                                                          std::string_view own_node_id);

}  // namespace dokkerr::monitoring
