#include "containers/container_model.hpp"

#include "core/error.hpp"
#include "policy/policy.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

namespace dokkerr::containers {
namespace {

std::string string_field(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Sorting key of the list: newest first, like the engine's own list; id breaks ties.
bool before(std::int64_t created_a, std::string_view id_a, std::int64_t created_b,
            std::string_view id_b) {
  if (created_a != created_b) {
    return created_a > created_b;
  }
  return id_a < id_b;
}

}  // namespace

ContainerModel::Ticket ContainerModel::take_ticket() {
  const std::lock_guard lock(mutex_);
  return next_ticket_++;
}

ContainerModel::Entry ContainerModel::make_entry(const boost::json::object& summary,
                                                 Ticket ticket) const {
  Entry entry;
  entry.id = string_field(summary, "Id");
  if (const auto* created = summary.if_contains("Created"); created != nullptr) {
    if (created->is_int64())
      entry.created = created->as_int64();
    else if (created->is_uint64())
      entry.created = static_cast<std::int64_t>(created->as_uint64());
  }
  entry.state = string_field(summary, "State");
  // The engine names a health check's verdict only in this text.
  const auto status = string_field(summary, "Status");
  if (status.ends_with("(unhealthy)")) {
    entry.health = "unhealthy";
  } else if (status.ends_with("(healthy)")) {
    entry.health = "healthy";
  } else if (status.ends_with("(health: starting)")) {
    entry.health = "starting";
  }
  entry.image = string_field(summary, "Image");
  entry.image_id = string_field(summary, "ImageID");
  if (const auto* names = summary.if_contains("Names"); names != nullptr && names->is_array()) {
    for (const auto& name : names->as_array()) {
      if (name.is_string()) {
        std::string_view text = name.as_string();
        if (!text.empty() && text.front() == '/') text.remove_prefix(1);
        entry.names.emplace_back(text);
      }
    }
  }
  if (const auto* labels = summary.if_contains("Labels");
      labels != nullptr && labels->is_object()) {
    for (const auto& label : labels->as_object()) {
      entry.labels.emplace_back(
          std::string(label.key()),
          label.value().is_string() ? std::string(label.value().as_string()) : std::string());
    }
  }
  boost::json::object with_ours = summary;
  // The owning team as its label names it (null for none): lists show it without a lookup.
  boost::json::value team = nullptr;
  for (const auto& [key, value] : entry.labels) {
    if (key == policy::kTeamLabel && !value.empty()) team = boost::json::string(value);
  }
  with_ours["Dokkerr"] = boost::json::object{{"environment", environment_}, {"team", team}};
  entry.json = boost::json::serialize(with_ours);
  entry.ticket = ticket;
  return entry;
}

void ContainerModel::replace_all(const std::vector<boost::json::object>& summaries, Ticket ticket) {
  std::unordered_map<std::string, Entry> fresh;
  fresh.reserve(summaries.size());
  for (const auto& summary : summaries) {
    auto entry = make_entry(summary, ticket);
    if (!entry.id.empty()) {
      fresh.emplace(entry.id, std::move(entry));
    }
  }
  const std::lock_guard lock(mutex_);
  // Keep what later tickets decided while the full listing was on its way.
  for (auto& [id, entry] : entries_) {
    if (entry.ticket > ticket) {
      fresh.insert_or_assign(id, std::move(entry));
    }
  }
  for (auto it = tombstones_.begin(); it != tombstones_.end();) {
    if (it->second > ticket) {
      fresh.erase(it->first);
      ++it;
    } else {
      it = tombstones_.erase(it);  // older than this listing: no longer needed
    }
  }
  entries_ = std::move(fresh);
}

void ContainerModel::upsert(const boost::json::object& summary, Ticket ticket) {
  auto entry = make_entry(summary, ticket);
  if (entry.id.empty()) {
    return;
  }
  const std::lock_guard lock(mutex_);
  if (const auto tomb = tombstones_.find(entry.id);
      tomb != tombstones_.end() && tomb->second > ticket) {
    return;
  }
  const auto existing = entries_.find(entry.id);
  if (existing != entries_.end() && existing->second.ticket > ticket) {
    return;
  }
  entries_.insert_or_assign(entry.id, std::move(entry));
}

void ContainerModel::remove(std::string_view id, Ticket ticket) {
  const std::lock_guard lock(mutex_);
  const auto existing = entries_.find(std::string(id));
  if (existing != entries_.end() && existing->second.ticket > ticket) {
    return;
  }
  if (existing != entries_.end()) {
    entries_.erase(existing);
  }
  auto& tomb = tombstones_[std::string(id)];
  tomb = std::max(tomb, ticket);
}

void ContainerModel::clear() {
  const std::lock_guard lock(mutex_);
  entries_.clear();
  tombstones_.clear();
}

bool ContainerModel::matches(const Entry& entry, const ContainerFilter& filter) {
  if (!filter.all && filter.status.empty() && entry.state != "running") {
    return false;
  }
  if (!filter.status.empty() &&
      std::find(filter.status.begin(), filter.status.end(), entry.state) == filter.status.end()) {
    return false;
  }
  if (!filter.names.empty()) {
    const bool any = std::any_of(filter.names.begin(), filter.names.end(), [&](const auto& want) {
      return std::any_of(entry.names.begin(), entry.names.end(),
                         [&](const auto& name) { return contains(name, want); });
    });
    if (!any) return false;
  }
  for (const auto& want : filter.labels) {  // every label filter must hold, as in the engine
    const auto eq = want.find('=');
    const std::string_view key = std::string_view(want).substr(0, eq);
    const bool found =
        std::any_of(entry.labels.begin(), entry.labels.end(), [&](const auto& label) {
          return label.first == key &&
                 (eq == std::string::npos || label.second == std::string_view(want).substr(eq + 1));
        });
    if (!found) return false;
  }
  if (!filter.images.empty()) {
    const bool any = std::any_of(filter.images.begin(), filter.images.end(), [&](const auto& want) {
      return entry.image == want || entry.image_id == want ||
             (want.find(':') == std::string::npos && entry.image == want + ":latest");
    });
    if (!any) return false;
  }
  if (filter.teams) {
    const auto owner =
        std::find_if(entry.labels.begin(), entry.labels.end(),
                     [](const auto& label) { return label.first == "io.dokkerr.team"; });
    const bool has_owner = owner != entry.labels.end() && !owner->second.empty();
    const bool labelled = has_owner && filter.teams->contains(owner->second);
    if (!labelled && !(!has_owner && filter.assigned.contains(entry.id))) return false;
  }
  if (!filter.ids.empty()) {
    const bool any = std::any_of(filter.ids.begin(), filter.ids.end(),
                                 [&](const auto& want) { return entry.id.starts_with(want); });
    if (!any) return false;
  }
  return true;
}

std::string ContainerModel::cursor_of(const Entry& entry) {
  return std::to_string(entry.created) + "." + entry.id;
}

ContainerPage ContainerModel::list(const ContainerFilter& filter, std::size_t limit,
                                   std::string_view cursor) const {
  std::int64_t after_created = 0;
  std::string_view after_id;
  const bool has_cursor = !cursor.empty();
  if (has_cursor) {
    const auto dot = cursor.find('.');
    const auto [ptr, ec] =
        std::from_chars(cursor.data(), cursor.data() + std::min(dot, cursor.size()), after_created);
    if (dot == std::string_view::npos || ec != std::errc{} || ptr != cursor.data() + dot) {
      throw Error::invalid("invalid_parameter", "The cursor is not one this server issued.");
    }
    after_id = cursor.substr(dot + 1);
  }
  std::vector<const Entry*> selected;
  const std::lock_guard lock(mutex_);
  selected.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) {
    if (has_cursor && !before(after_created, after_id, entry.created, entry.id)) {
      continue;
    }
    if (matches(entry, filter)) {
      selected.push_back(&entry);
    }
  }
  std::sort(selected.begin(), selected.end(), [](const Entry* a, const Entry* b) {
    return before(a->created, a->id, b->created, b->id);
  });
  ContainerPage page;
  const auto count = std::min(limit, selected.size());
  page.items.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    page.items.push_back(selected[i]->json);
  }
  if (selected.size() > count && count > 0) {
    page.next_cursor = cursor_of(*selected[count - 1]);
  }
  return page;
}

ContainerCounts ContainerModel::counts() const {
  return counts(ContainerFilter{});
}

ContainerCounts ContainerModel::counts(const ContainerFilter& filter) const {
  ContainerFilter scope;
  scope.all = true;
  scope.teams = filter.teams;
  scope.assigned = filter.assigned;
  ContainerCounts counts;
  const std::lock_guard lock(mutex_);
  for (const auto& [id, entry] : entries_) {
    if (!matches(entry, scope)) continue;
    ++counts.total;
    if (entry.state == "running")
      ++counts.running;
    else if (entry.state == "paused")
      ++counts.paused;
    else
      ++counts.stopped;
  }
  return counts;
}

std::vector<std::string> ContainerModel::ids(const ContainerFilter& filter) const {
  ContainerFilter scope;
  scope.all = true;
  scope.teams = filter.teams;
  scope.assigned = filter.assigned;
  std::vector<std::string> found;
  const std::lock_guard lock(mutex_);
  for (const auto& [id, entry] : entries_) {
    if (matches(entry, scope)) found.push_back(id);
  }
  return found;
}

std::vector<RunningContainer> ContainerModel::running() const {
  std::vector<RunningContainer> found;
  const std::lock_guard lock(mutex_);
  for (const auto& [id, entry] : entries_) {
    if (entry.state != "running") continue;
    RunningContainer container{id, entry.names.empty() ? std::string() : entry.names.front(), {},
                               entry.health, entry.image, entry.image_id};
    for (const auto& [key, value] : entry.labels) {
      if (key == policy::kTeamLabel) container.team = value;
    }
    found.push_back(std::move(container));
  }
  return found;
}

std::size_t ContainerModel::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

std::optional<std::string> ContainerModel::resolve(std::string_view reference) const {
  const std::lock_guard lock(mutex_);
  if (const auto exact = entries_.find(std::string(reference)); exact != entries_.end()) {
    return exact->first;
  }
  std::optional<std::string> found;
  for (const auto& [id, entry] : entries_) {
    const bool by_name =
        std::find(entry.names.begin(), entry.names.end(), reference) != entry.names.end();
    if (by_name) {
      return id;  // names are unique on an engine
    }
  }
  for (const auto& [id, entry] : entries_) {
    if (id.starts_with(reference)) {
      if (found) {
        return std::nullopt;  // ambiguous prefix
      }
      found = id;
    }
  }
  return found;
}

std::optional<std::string> ContainerModel::label(std::string_view id, std::string_view key) const {
  const std::lock_guard lock(mutex_);
  const auto entry = entries_.find(std::string(id));
  if (entry == entries_.end()) return std::nullopt;
  for (const auto& [k, v] : entry->second.labels) {
    if (k == key) return v;
  }
  return std::nullopt;
}

}  // namespace dokkerr::containers
