#include "containers/environment_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/logger.hpp"

#include <algorithm>

namespace dokkerr::containers {
namespace {

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

// The rules of a name and of TLS material, in the order the client reads them best.
void validate(const EnvironmentInput& input) {
  if (input.tls) {
    check_pem(input.tls->ca, "ca");
    check_pem(input.tls->cert, "cert");
    check_pem(input.tls->key, "key");
    if (input.tls->cert.empty() != input.tls->key.empty()) {
      throw Error::invalid("invalid_body", "Fields 'tls.cert' and 'tls.key' go together.");
    }
  }
  if (input.name) check_name(*input.name);
}

Error unknown_environment(std::string_view environment_id) {
  return Error::not_found("environment_not_found",
                          "No environment '" + std::string(environment_id) + "'.");
}

}  // namespace

EnvironmentService::EnvironmentService(boost::asio::any_io_executor executor,
                                       docker::Endpoint local_endpoint, EnvironmentStore& store,
                                       BlockingPool& blocking, Logger& logger, const Clock& clock)
    : executor_(std::move(executor)),
      store_(store),
      blocking_(blocking),
      logger_(logger),
      clock_(clock) {
  Entry local;
  local.record.id = std::string(kLocalEnvironment);
  local.record.name = std::string(kLocalEnvironment);
  local.record.url = local_endpoint.to_string();
  local.engine =
      make_engine(local.record.id, std::move(local_endpoint));
  entries_.emplace(local.record.id, std::move(local));
}

std::shared_ptr<Engine> EnvironmentService::make_engine(const std::string& id,
                                                       docker::Endpoint endpoint) {
  auto engine = std::make_shared<Engine>(executor_, id, std::move(endpoint), logger_);
  engine->on_container_event(listener_);
  return engine;
}

void EnvironmentService::on_container_events(ContainerEventListener listener) {
  const std::lock_guard lock(mutex_);
  listener_ = std::make_shared<const ContainerEventListener>(std::move(listener));
  for (auto& [id, entry] : entries_) entry.engine->on_container_event(listener_);
}

EnvironmentService::~EnvironmentService() {
  stop();
}

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
      entry.engine = make_engine(record.id, endpoint_of(record));
      entry.record = std::move(record);
      entries_.emplace(entry.record.id, std::move(entry));
    } catch (const Error& error) {
      logger_.error("stored environment is unusable",
                    {{"environment", record.id}, {"error", error.detail()}});
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
  if (found == entries_.end()) throw unknown_environment(environment_id);
  return found->second.engine;
}

std::shared_ptr<Engine> EnvironmentService::engine_up(std::string_view environment_id) const {
  auto found = engine(environment_id);
  found->require_up();
  return found;
}

EnvironmentView EnvironmentService::view_of(const Entry& entry) const {
  EnvironmentView view;
  view.id = entry.record.id;
  view.name = entry.record.name;
  view.url = entry.record.url;
  view.tls = !entry.record.tls_ca.empty() || !entry.record.tls_cert.empty() ||
             entry.record.url.starts_with("https://");
  view.builtin = entry.record.id == kLocalEnvironment;
  view.state = entry.engine->state();
  if (view.state.status == EngineStatus::up) {
    view.counts = entry.engine->model().counts();
    view.images = entry.engine->image_count();
  }
  view.created_at = entry.record.created_at;
  view.updated_at = entry.record.updated_at;
  return view;
}

EnvironmentView EnvironmentService::describe(std::string_view environment_id) const {
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(environment_id);
  if (found == entries_.end()) throw unknown_environment(environment_id);
  return view_of(found->second);
}

std::vector<EnvironmentView> EnvironmentService::list(const Principal& caller) const {
  const std::lock_guard lock(mutex_);
  std::vector<const Entry*> visible;
  for (const auto& [id, entry] : entries_) {
    if (caller.sees_environment(id)) visible.push_back(&entry);
  }
  // `local` first, then by name.
  std::sort(visible.begin(), visible.end(), [](const Entry* a, const Entry* b) {
    const bool a_local = a->record.id == kLocalEnvironment;
    const bool b_local = b->record.id == kLocalEnvironment;
    if (a_local != b_local) return a_local;
    return a->record.name < b->record.name;
  });
  std::vector<EnvironmentView> out;
  out.reserve(visible.size());
  for (const auto* entry : visible) out.push_back(view_of(*entry));
  return out;
}

std::vector<std::pair<std::string, EngineState>> EnvironmentService::states() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, EngineState>> out;
  for (const auto& [id, entry] : entries_) out.emplace_back(id, entry.engine->state());
  return out;
}

boost::asio::awaitable<EnvironmentView> EnvironmentService::create(EnvironmentInput input) {
  validate(input);
  if (!input.name) throw Error::invalid("invalid_body", "Field 'name' is required.");
  if (!input.url) throw Error::invalid("invalid_body", "Field 'url' is required.");
  EnvironmentRecord record;
  record.id = "env_" + random_hex(8);
  record.name = *input.name;
  record.url = *input.url;
  if (input.tls) {
    record.tls_ca = input.tls->ca;
    record.tls_cert = input.tls->cert;
    record.tls_key = input.tls->key;
    record.tls_verify = input.tls->verify;
  }
  record.created_at = record.updated_at = clock_.stamp();
  if (record.name == kLocalEnvironment) {
    throw Error::conflict("environment_name_conflict", "The name 'local' is reserved.");
  }
  auto endpoint = endpoint_of(record);  // validates the url before anything is stored
  auto insert = [this, record] { store_.insert(record); };
  co_await blocking_.run(std::move(insert));
  std::shared_ptr<Engine> engine;
  {
    const std::lock_guard lock(mutex_);
    engine = make_engine(record.id, std::move(endpoint));
    entries_.emplace(record.id, Entry{record, engine});
  }
  engine->start();
  logger_.info("environment added", {{"environment", record.id}, {"url", record.url}});
  co_return describe(record.id);
}

boost::asio::awaitable<EnvironmentView> EnvironmentService::update(std::string environment_id,
                                                                   EnvironmentInput input) {
  validate(input);
  if (environment_id == kLocalEnvironment) {
    throw Error::conflict("environment_builtin",
                          "The local environment comes from the server's configuration.");
  }
  EnvironmentRecord record;
  {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(environment_id);
    if (found == entries_.end()) throw unknown_environment(environment_id);
    record = found->second.record;
  }
  if (input.name) {
    if (*input.name == kLocalEnvironment) {
      throw Error::conflict("environment_name_conflict", "The name 'local' is reserved.");
    }
    record.name = *input.name;
  }
  // Another engine (or the same one reached differently): a new client and a fresh model.
  const bool reconnect = input.url.has_value() || input.tls.has_value();
  if (input.url) record.url = *input.url;
  if (input.tls) {
    record.tls_ca = input.tls->ca;
    record.tls_cert = input.tls->cert;
    record.tls_key = input.tls->key;
    record.tls_verify = input.tls->verify;
  }
  record.updated_at = clock_.stamp();
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
      new_engine = make_engine(record.id, std::move(endpoint));
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
    if (!entries_.contains(environment_id)) throw unknown_environment(environment_id);
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
