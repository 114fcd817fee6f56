#pragma once
// What happened on the platform that subscribers outside may want to hear of (outbound event
// webhooks). An interface in core, like AuditTrail, so any domain can announce without
// depending on who listens, and unit tests can pass a fake.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <string>

namespace dokkerr {

struct PlatformEvent {
  std::string type;         // "container.died", "stack.deployed", … (webhooks/events.hpp)
  std::string team_id;      // whose it is ("" for none: platform subscriptions only)
  std::string environment;  // "" when none
  std::string subject;      // what it is about: "stack:local/shop", "container:<id>"
  boost::json::object data;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queues the event for its subscribers; never throws (a failure is logged).
  virtual boost::asio::awaitable<void> publish(PlatformEvent event) = 0;
};

}  // namespace dokkerr
