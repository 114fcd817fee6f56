#include "monitoring/live_feed.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::monitoring {
namespace {

namespace bj = boost::json;

bj::value optional_number(const std::optional<double>& value) {
  return value ? bj::value(*value) : bj::value(nullptr);
}

std::optional<double> number_in(const bj::object& row, std::string_view key) {
  const auto* value = row.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_double()) return value->as_double();
  if (value->is_int64()) return static_cast<double>(value->as_int64());
  if (value->is_uint64()) return static_cast<double>(value->as_uint64());
  return std::nullopt;
}

std::string text_in(const bj::object& row, std::string_view key) {
  const auto* value = row.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

std::string live_message(std::string_view node_id, const LiveRound& round) {
  bj::array rows;
  rows.reserve(round.rows.size());
  for (const auto& row : round.rows) {
    rows.push_back(bj::object{{"e", row.environment},
                              {"i", row.id},
                              {"n", row.name},
                              {"t", row.team},
                              {"c", optional_number(row.cpu_percent)},
                              {"m", row.memory_bytes},
                              {"mp", optional_number(row.memory_percent)},
                              {"rx", optional_number(row.network_receive_bps)},
                              {"tx", optional_number(row.network_transmit_bps)}});
  }
  return bj::serialize(
      bj::object{{"node", node_id}, {"at", round.at_ms}, {"rows", std::move(rows)}});
}

std::optional<LiveRound> parse_live_message(std::string_view message,
                                            std::string_view own_node_id) {
  if (message.size() > LiveFeed::kMaxMessageBytes) return std::nullopt;
  boost::system::error_code ec;
  const auto value = bj::parse(message, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& doc = value.as_object();
  if (text_in(doc, "node") == own_node_id) return std::nullopt;
  const auto at = number_in(doc, "at");
  const auto* rows = doc.if_contains("rows");
  if (!at || rows == nullptr || !rows->is_array()) return std::nullopt;
  LiveRound round;
  round.at_ms = static_cast<std::int64_t>(*at);
  for (const auto& item : rows->as_array()) {
    if (!item.is_object()) continue;
    const auto& row = item.as_object();
    round.rows.push_back(LiveRow{text_in(row, "e"), text_in(row, "i"), text_in(row, "n"),
                                 text_in(row, "t"), number_in(row, "c"),
                                 number_in(row, "m").value_or(0), number_in(row, "mp"),
                                 number_in(row, "rx"), number_in(row, "tx")});
  }
  return round;
}

void LiveFeed::update(LiveRound round) {
  auto shared = std::make_shared<const LiveRound>(std::move(round));
  {
    const std::lock_guard lock(mutex_);
    latest_ = shared;
  }
  if (relay_) relay_(live_message(node_id_, *shared));
}

void LiveFeed::accept(std::string_view message) {
  auto round = parse_live_message(message, node_id_);
  if (!round) return;
  auto shared = std::make_shared<const LiveRound>(std::move(*round));
  const std::lock_guard lock(mutex_);
  if (shared->at_ms >= latest_->at_ms) latest_ = std::move(shared);
}

std::shared_ptr<const LiveRound> LiveFeed::latest() const {
  const std::lock_guard lock(mutex_);
  return latest_;
}

}  // namespace dokkerr::monitoring
