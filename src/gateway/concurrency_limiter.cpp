#include "gateway/concurrency_limiter.hpp"

#include <charconv>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace dokkerr::gateway {

using http::SlotClass;

// Held by the limiter and by every slot it handed out, so a slot may end after the limiter.
// Entries exist only while a subject holds a slot: the map is bounded by the requests in
// progress, which the server's connection limits bound.
struct ConcurrencyLimiter::Counts {
  mutable std::mutex mutex;
  std::unordered_map<std::string, std::uint32_t> held;
};

namespace {

std::string key_of(SlotClass slot_class, std::string_view subject) {
  std::string key;
  key.reserve(subject.size() + 2);
  key.push_back(static_cast<char>('0' + static_cast<int>(slot_class)));
  key.push_back(':');
  key.append(subject);
  return key;
}

}  // namespace

std::uint32_t ConcurrencyLimits::of(SlotClass slot) const {
  switch (slot) {
    case SlotClass::stream:
      return streams;
    case SlotClass::pull:
      return pulls;
    case SlotClass::upload:
      return uploads;
    case SlotClass::automatic:
    case SlotClass::none:
      break;
  }
  return 0;
}

void apply_concurrency_limit(ConcurrencyLimits& limits, std::string_view setting) {
  const auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("'" + std::string(setting) + "': " + why);
  };
  const auto equals = setting.find('=');
  if (equals == std::string_view::npos) refuse("expected CLASS=N");
  const auto name = setting.substr(0, equals);
  std::uint32_t* target = name == "streams"   ? &limits.streams
                          : name == "pulls"   ? &limits.pulls
                          : name == "uploads" ? &limits.uploads
                                              : nullptr;
  if (target == nullptr) refuse("the class is one of streams, pulls, uploads");
  const auto number = setting.substr(equals + 1);
  std::uint32_t value = 0;
  const auto [stop, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc{} || stop != number.data() + number.size() ||
      value > 100'000) {
    refuse("the bound is a whole number from 0 to 100000");
  }
  *target = value;
}

ConcurrencyLimiter::ConcurrencyLimiter(ConcurrencyLimits limits)
    : limits_(limits), counts_(std::make_shared<Counts>()) {}

ConcurrencyLimiter::Slot ConcurrencyLimiter::acquire(SlotClass slot_class,
                                                     std::string_view subject) {
  const auto bound = limits_.of(slot_class);
  if (bound == 0) return std::make_shared<const int>(0);
  auto key = key_of(slot_class, subject);
  {
    const std::lock_guard lock(counts_->mutex);
    auto& held = counts_->held[key];
    if (held >= bound) return nullptr;
    ++held;
  }
  // The slot's deleter gives it back; it keeps the counts alive on its own.
  struct Release {
    std::shared_ptr<Counts> counts;
    std::string key;
    void operator()(const int* token) const {
      delete token;
      const std::lock_guard lock(counts->mutex);
      const auto found = counts->held.find(key);
      if (found != counts->held.end() && --found->second == 0) counts->held.erase(found);
    }
  };
  return Slot(new int(0), Release{counts_, std::move(key)});
}

std::uint32_t ConcurrencyLimiter::held(SlotClass slot_class, std::string_view subject) const {
  const std::lock_guard lock(counts_->mutex);
  const auto found = counts_->held.find(key_of(slot_class, subject));
  return found == counts_->held.end() ? 0 : found->second;
}

}  // namespace dokkerr::gateway
