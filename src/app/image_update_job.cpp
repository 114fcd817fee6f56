#include "app/image_update_job.hpp"

#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "registries/update_checker.hpp"
#include "stacks/stack_hooks.hpp"
#include "stacks/stack_service.hpp"
#include "stacks/stack_store.hpp"

#include <boost/json/serialize.hpp>

#include <map>
#include <set>

namespace dokkerr::app {
namespace asio = boost::asio;

ImageUpdateJob::ImageUpdateJob(asio::any_io_executor executor, registries::UpdateChecker& checker,
                               stacks::StackService& stacks, stacks::StackStore& stack_store,
                               stacks::HookActors& actors, AuditTrail& audit, EventSink& events,
                               BlockingPool& pool, Logger& logger, std::function<bool()> leading,
                               std::chrono::seconds interval)
    : checker_(checker),
      stacks_(stacks),
      stack_store_(stack_store),
      actors_(actors),
      audit_(audit),
      events_(events),
      pool_(pool),
      logger_(logger),
      leading_(std::move(leading)),
      interval_(interval),
      rounds_(
          executor, interval,
          [this]() -> asio::awaitable<void> {
            if (leading_()) co_await run_once();
          },
          logger, "image update check") {}

void ImageUpdateJob::start() {
  if (interval_.count() > 0) rounds_.start();
}

void ImageUpdateJob::stop() { rounds_.stop(); }

asio::awaitable<void> ImageUpdateJob::run_once() {
  co_await checker_.check_all();
  co_await update_stacks();
}

asio::awaitable<void> ImageUpdateJob::update_stacks() {
  auto load = [this] { return stack_store_.auto_updating(); };
  const auto opted_in = co_await pool_.run(load);
  std::map<std::string, std::set<std::string, std::less<>>> newer;  // environment → images
  std::set<std::string, std::less<>> redeployed_in;
  for (const auto& stack : opted_in) {
    if (!newer.contains(stack.environment)) {
      auto& images = newer[stack.environment];
      const auto results = co_await checker_.results(stack.environment);
      for (const auto& update : results) {
        if (update.status == "update_available") images.insert(update.image);
      }
    }
    const auto& images = newer[stack.environment];
    const auto pulled = stacks_.images_of(stack);
    std::string found;
    for (const auto& image : pulled) {
      if (images.contains(image)) found = image;
    }
    if (found.empty()) continue;

    AuditRecord entry;
    entry.action = "stacks.auto_update";
    entry.target = "stack:" + stack.environment + "/" + stack.name;
    entry.team_id = stack.team_id;
    entry.detail_json = boost::json::serialize(boost::json::object{{"image", found}});
    const auto actor = co_await actors_.acting_as(stack.created_by);
    if (!actor) {
      entry.result = "denied";
      entry.actor_type = "user";
      entry.actor_id = stack.created_by;
      co_await audit_.record(std::move(entry));
      continue;
    }
    set_actor(entry, *actor);
    std::string failure;
    try {
      (void)co_await stacks_.redeploy(*actor, stack.environment, stack.name);
    } catch (const Error& error) {
      failure = error.code();
    }
    entry.result = failure.empty() ? "success" : "failure";
    if (!failure.empty()) {
      entry.detail_json =
          boost::json::serialize(boost::json::object{{"image", found}, {"error", failure}});
      logger_.warn("auto-update redeploy failed",
                   {{"stack", entry.target}, {"error", failure}});
    }
    co_await audit_.record(std::move(entry));
    if (failure.empty()) {
      PlatformEvent updated;
      updated.type = "stack.auto_updated";
      updated.team_id = stack.team_id;
      updated.environment = stack.environment;
      updated.subject = "stack:" + stack.environment + "/" + stack.name;
      updated.data = {{"name", stack.name}, {"image", found}};
      co_await events_.publish(std::move(updated));
    }
    redeployed_in.insert(stack.environment);
  }
  // What the redeploys pulled is current now: the statuses say so at once.
  for (const auto& environment : redeployed_in) {
    try {
      (void)co_await checker_.check(environment);
    } catch (const Error&) {
    }
  }
}

}  // namespace dokkerr::app
