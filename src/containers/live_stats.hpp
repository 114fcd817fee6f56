#pragma once
// Stats the metrics collector already holds, as a port the monitoring domain fills
// (app/bridges.cpp): the stats routes answer from it instead of asking the engine, which takes
// a second or two for a one-shot sample and a stream per container for live figures.
#include <boost/json/object.hpp>

#include <optional>
#include <string_view>

namespace dokkerr::containers {

class LiveStats {
 public:
  virtual ~LiveStats() = default;
  // Whether this replica collects the environment's containers now.
  [[nodiscard]] virtual bool covers(std::string_view environment) const = 0;
  // compact_stats' shape (container_stats.hpp) of the newest sample, with "at_ms"; nullopt when
  // the container has none yet.
  [[nodiscard]] virtual std::optional<boost::json::object> compact(std::string_view environment,
                                                                   std::string_view id) const = 0;
  // The engine's stats document, built from the newest two samples.
  [[nodiscard]] virtual std::optional<boost::json::object> engine_document(
      std::string_view environment, std::string_view id) const = 0;
};

}  // namespace dokkerr::containers
