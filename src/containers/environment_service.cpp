#include "containers/environment_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/logger.hpp"

namespace dokkerr::containers {
namespace {

std::string_view status_name(EngineStatus status) {
  switch (status) {
    case EngineStatus::up: return "up";
    case EngineStatus::down: return "down";
    case EngineStatus::connecting: return "connecting";
  }
  return "down";
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    throw Error::invalid("invalid_body", "Field 'name' must be 1 to 64 characters.");
  }
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw Error::invalid("invalid_body", "Field 'name' must not contain control characters.");
    }
  }
}

void check_pem(const std::string& pem, std::string_view field) {
  if (pem.size() > 64 * 1024) {
    throw Error::invalid("invalid_body", "Field 'tls." + std::string(field) + "' is too large.");
  }
  if (!pem.empty() && pem.find("-----BEGIN ") == std::string::npos) {
    throw Error::invalid("invalid_body", "Field 'tls." + std::string(field) + "' must be PEM.");
  }
}

}  // namespace

EnvironmentInput parse_environment_input(const boost::json::object& body) {
  static constexpr std::string_view known[] = {"name", "url", "tls"};
  for (const auto& field : body) {
    if (std::find(std::begin(known), std::end(known), field.key()) == std::end(known)) {
      throw Error::invalid("invalid_body", "Unknown field '" + std::string(field.key()) + "'.");
    }
  }
  EnvironmentInput input;
  input.name = json::optional_string(body, "name");
  input.url = json::optional_string(body, "url");
  if (const auto* tls = json::optional_object(body, "tls")) {
    input.tls_given = true;
    input.tls_ca = json::optional_string(*tls, "ca").value_or("");
    input.tls_cert = json::optional_string(*tls, "cert").value_or("");
    input.tls_key = json::optional_string(*tls, "key").value_or("");
    input.tls_verify = json::optional_bool(*tls, "verify").value_or(true);
    check_pem(input.tls_ca, "ca");
    check_pem(input.tls_cert, "cert");
    check_pem(input.tls_key, "key");
    if (input.tls_cert.empty() != input.tls_key.empty()) {
      throw Error::invalid("invalid_body", "Fields 'tls.cert' and 'tls.key' go together.");
    }
  }
  if (input.name) check_name(*input.name);
  return input;
}

EnvironmentService::EnvironmentService(boost::asio::any_io_executor executor,
                                       docker::Endpoint local_endpoint, EnvironmentStore& store,
                                       BlockingPool& blocking, Logger& logger)
    : executor_(std::move(executor)), store_(store), blocking_(blocking), logger_(logger) {
  Entry local;
  local.record.id = std::string(kLocalEnvironment);
  local.record.name = std::string(kLocalEnvironment);
  local.record.url = local_endpoint.to_string();
  local.engine = std::make_shared<Engine>(executor_, local.record.id, std::move(local_endpoint), logger_);
  entries_.emplace(local.record.id, std::move(local));
}

EnvironmentService::~EnvironmentService() { stop(); }

docker::Endpoint EnvironmentService::endpoint_of(const EnvironmentRecord& record) {
  auto endpoint = docker::parse_endpoint(record.url);
  if (!record.tls_ca.empty() || !record.tls_cert.empty()) {
    endpoint.tls = true;
  }
  endpoint.tls_material.ca_pem = record.tls_ca;
  endpoint.tls_material.cert_pem = record.tls_cert;
  endpoint.tls_material.key_pem = record.tls_key;
  endpoint.tls_material.verify_peer = record.tls_verify;
  return endpoint;
}

void EnvironmentService::start() {
  auto records = store_.list();
  const std::lock_guard lock(mutex_);
  for (auto& record : records) {
    if (record.id == kLocalEnvironment) continue;
    try {
      Entry entry;
      entry.engine = std::make_shared<Engine>(executor_, record.id, endpoint_of(record), logger_);
      entry.record = std::move(record);
      entries_.emplace(entry.record.id, std::move(entry));
    } catch (const Error& error) {
      logger_.error("stored environment is unusable", {{"environment", record.id}, {"error", error.detail()}});
    }
  }
  for (auto& [id, entry] : entries_) {
    entry.engine->start();
  }
}

void EnvironmentService::stop() {
  const std::lock_guard lock(mutex_);
  for (auto& [id, entry] : entries_) {
    entry.engine->stop();
  }
}

std::shared_ptr<Engine> EnvironmentService::engine(std::string_view environment_id) const {
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(environment_id);
  if (found == entries_.end()) {
    throw Error::not_found("environment_not_found",
                           "No environment '" + std::string(environment_id) + "'.");
  }
  return found->second.engine;
}

std::shared_ptr<Engine> EnvironmentService::engine_up(std::string_view environment_id) const {
  auto found = engine(environment_id);
  found->require_up();
  return found;
}

boost::json::object EnvironmentService::describe_entry(const Entry& entry) const {
  const auto state = entry.engine->state();
  boost::json::object out;
  out["id"] = entry.record.id;
  out["name"] = entry.record.name;
  out["url"] = entry.record.url;
  out["tls"] = !entry.record.tls_ca.empty() || !entry.record.tls_cert.empty() ||
               entry.record.url.starts_with("https://");
  out["builtin"] = entry.record.id == kLocalEnvironment;
  out["status"] = status_name(state.status);
  if (!state.error.empty() && state.status != EngineStatus::up) {
    out["error"] = state.error;
  }
  if (state.status == EngineStatus::up) {
    out["engine"] = boost::json::object{{"version", state.info.version},
                                        {"api_version", state.info.api_version},
                                        {"os", state.info.os},
                                        {"arch", state.info.arch}};
    const auto counts = entry.engine->model().counts();
    out["counts"] = boost::json::object{{"containers", counts.total},
                                        {"running", counts.running},
                                        {"paused", counts.paused},
                                        {"stopped", counts.stopped},
                                        {"images", entry.engine->image_count()}};
  }
  if (!entry.record.created_at.empty()) out["created_at"] = entry.record.created_at;
  if (!entry.record.updated_at.empty()) out["updated_at"] = entry.record.updated_at;
  return out;
}

boost::json::object EnvironmentService::describe(std::string_view environment_id) const {
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(environment_id);
  if (found == entries_.end()) {
    throw Error::not_found("environment_not_found",
                           "No environment '" + std::string(environment_id) + "'.");
  }
  return describe_entry(found->second);
}

boost::json::array EnvironmentService::describe_all() const {
  const std::lock_guard lock(mutex_);
  boost::json::array out;
  // `local` first, then by name.
  if (const auto local = entries_.find(kLocalEnvironment); local != entries_.end()) {
    out.push_back(describe_entry(local->second));
  }
  std::vector<const Entry*> others;
  for (const auto& [id, entry] : entries_) {
    if (id != kLocalEnvironment) others.push_back(&entry);
  }
  std::sort(others.begin(), others.end(),
            [](const Entry* a, const Entry* b) { return a->record.name < b->record.name; });
  for (const auto* entry : others) out.push_back(describe_entry(*entry));
  return out;
}

std::vector<std::pair<std::string, EngineState>> EnvironmentService::states() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, EngineState>> out;
  for (const auto& [id, entry] : entries_) out.emplace_back(id, entry.engine->state());
  return out;
}

boost::asio::awaitable<boost::json::object> EnvironmentService::create(EnvironmentInput input) {
  if (!input.name) throw Error::invalid("invalid_body", "Field 'name' is required.");
  if (!input.url) throw Error::invalid("invalid_body", "Field 'url' is required.");
  EnvironmentRecord record;
  record.id = "env_" + random_hex(8);
  record.name = *input.name;
  record.url = *input.url;
  record.tls_ca = input.tls_ca;
  record.tls_cert = input.tls_cert;
  record.tls_key = input.tls_key;
  record.tls_verify = input.tls_verify;
  record.created_at = record.updated_at = now_rfc3339();
  if (record.name == kLocalEnvironment) {
    throw Error::conflict("environment_name_conflict", "The name 'local' is reserved.");
  }
  auto endpoint = endpoint_of(record);  // validates the url before anything is stored
  auto insert = [this, record] { store_.insert(record); };
  co_await blocking_.run(std::move(insert));
  auto engine = std::make_shared<Engine>(executor_, record.id, std::move(endpoint), logger_);
  {
    const std::lock_guard lock(mutex_);
    entries_.emplace(record.id, Entry{record, engine});
  }
  engine->start();
  logger_.info("environment added", {{"environment", record.id}, {"url", record.url}});
  co_return describe(record.id);
}

boost::asio::awaitable<boost::json::object> EnvironmentService::update(std::string environment_id,
                                                                       EnvironmentInput input) {
  if (environment_id == kLocalEnvironment) {
    throw Error::conflict("environment_builtin",
                          "The local environment comes from the server's configuration.");
  }
  EnvironmentRecord record;
  {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(environment_id);
    if (found == entries_.end()) {
      throw Error::not_found("environment_not_found", "No environment '" + environment_id + "'.");
    }
    record = found->second.record;
  }
  if (input.name) {
    if (*input.name == kLocalEnvironment) {
      throw Error::conflict("environment_name_conflict", "The name 'local' is reserved.");
    }
    record.name = *input.name;
  }
  const bool reconnect = input.url.has_value() || input.tls_given;
  if (input.url) record.url = *input.url;
  if (input.tls_given) {
    record.tls_ca = input.tls_ca;
    record.tls_cert = input.tls_cert;
    record.tls_key = input.tls_key;
    record.tls_verify = input.tls_verify;
  }
  record.updated_at = now_rfc3339();
  auto endpoint = endpoint_of(record);
  auto save = [this, record] { store_.update(record); };
  co_await blocking_.run(std::move(save));
  std::shared_ptr<Engine> old_engine;
  std::shared_ptr<Engine> new_engine;
  {
    const std::lock_guard lock(mutex_);
    auto& entry = entries_.at(environment_id);
    entry.record = record;
    if (reconnect) {
      old_engine = entry.engine;
      new_engine = std::make_shared<Engine>(executor_, record.id, std::move(endpoint), logger_);
      entry.engine = new_engine;
    }
  }
  if (old_engine) old_engine->stop();
  if (new_engine) new_engine->start();
  co_return describe(environment_id);
}

boost::asio::awaitable<void> EnvironmentService::remove(std::string environment_id) {
  if (environment_id == kLocalEnvironment) {
    throw Error::conflict("environment_builtin",
                          "The local environment comes from the server's configuration.");
  }
  {
    const std::lock_guard lock(mutex_);
    if (!entries_.contains(environment_id)) {
      throw Error::not_found("environment_not_found", "No environment '" + environment_id + "'.");
    }
  }
  auto erase = [this, environment_id] { store_.remove(environment_id); };
  co_await blocking_.run(std::move(erase));
  std::shared_ptr<Engine> engine;
  {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(environment_id);
    if (found != entries_.end()) {
      engine = found->second.engine;
      entries_.erase(found);
    }
  }
  if (engine) engine->stop();
  logger_.info("environment removed", {{"environment", environment_id}});
}

}  // namespace dokkerr::containers
