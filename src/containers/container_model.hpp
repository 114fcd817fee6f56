#pragma once
// The in-memory picture of one engine's containers, kept in sync by the engine's event stream
// (see engine.cpp) and by our own mutations. Serving lists from here spares the engine, which
// computes its list by walking every container on each call.
//
// Ordering: every refresh takes a ticket before it asks the engine; a result is applied only if
// no later-ticketed result for the same container has been applied, so a slow answer never
// overwrites a newer one, and a removal is not undone by a stale refresh.
#include "core/page.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dokkerr::containers {

struct ContainerFilter {
  bool all = false;                 // include containers that are not running
  std::vector<std::string> status;  // engine State values: created, running, paused, exited...
  std::vector<std::string> names;   // substring of a name (without the leading '/')
  std::vector<std::string> labels;  // "key" or "key=value"
  std::vector<std::string> images;  // Image or ImageID
  std::vector<std::string> ids;     // id prefixes
  // Tenancy: only containers whose io.dokkerr.team label is one of these (nullopt: all).
  std::optional<std::set<std::string, std::less<>>> teams;
  // Containers without a team label that an admin assigned to one of those teams (by full id).
  std::set<std::string, std::less<>> assigned;
};

// A running container as the metrics collector needs it.
struct RunningContainer {
  std::string id, name, team;  // team: its io.dokkerr.team label, "" for none
  std::string health;          // "healthy", "unhealthy", "starting", or "" without a health check
  std::string image, image_id;  // the reference it was created from, and the image's id
};

struct ContainerCounts {
  std::size_t total = 0, running = 0, paused = 0, stopped = 0;
};

// Items are the engine's summaries with our "Dokkerr" key, serialized once when they change.
using ContainerPage = Page<std::string>;

class ContainerModel {
 public:
  using Ticket = std::uint64_t;

  explicit ContainerModel(std::string environment) : environment_(std::move(environment)) {}

  Ticket take_ticket();
  // Replaces the whole picture with a full listing taken under `ticket`; containers changed by
  // later tickets keep their newer state.
  void replace_all(const std::vector<boost::json::object>& summaries, Ticket ticket);
  // The engine's summary of one container (from /containers/json?filters={"id":[...]}).
  void upsert(const boost::json::object& summary, Ticket ticket);
  void remove(std::string_view id, Ticket ticket);
  // Forgets everything (engine went away); the next resync rebuilds.
  void clear();

  [[nodiscard]] ContainerPage list(const ContainerFilter& filter, std::size_t limit,
                                   std::string_view cursor) const;
  [[nodiscard]] ContainerCounts counts() const;
  // Counts of the containers `filter`'s tenancy (teams and assigned) lets a caller see; its
  // other fields are ignored.
  [[nodiscard]] ContainerCounts counts(const ContainerFilter& filter) const;
  // Full ids of the containers (every state) `filter`'s tenancy lets a caller see.
  [[nodiscard]] std::vector<std::string> ids(const ContainerFilter& filter) const;
  [[nodiscard]] std::vector<RunningContainer> running() const;
  [[nodiscard]] std::size_t size() const;
  // Resolves an id, unique id prefix or name to the full id; nullopt when unknown or ambiguous.
  [[nodiscard]] std::optional<std::string> resolve(std::string_view reference) const;
  // A label of a known container; nullopt when the container or the label is unknown.
  [[nodiscard]] std::optional<std::string> label(std::string_view id, std::string_view key) const;

 private:
  struct Entry {
    std::string id;
    std::int64_t created = 0;
    std::string state;
    std::string health;  // from the summary's Status ("Up 2 minutes (unhealthy)")
    std::string image, image_id;
    std::vector<std::string> names;  // without '/'
    std::vector<std::pair<std::string, std::string>> labels;
    std::string json;  // the summary with our "Dokkerr" key, serialized once
    Ticket ticket = 0;
  };
  Entry make_entry(const boost::json::object& summary, Ticket ticket) const;
  [[nodiscard]] static bool matches(const Entry& entry, const ContainerFilter& filter);
  [[nodiscard]] static std::string cursor_of(const Entry& entry);

  std::string environment_;
  mutable std::mutex mutex_;
  Ticket next_ticket_ = 1;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, Ticket> tombstones_;  // removed ids → ticket of the removal
};

}  // namespace dokkerr::containers
