// Cost of one shared rate-limit decision (RedisBuckets::take through RedisClient) against a
// real Redis, one at a time and with many in flight. bench/redis_limiter.sh compiles it against a
// release build, runs it, and puts redis-benchmark's EVALSHA of the same script next to it.
//
//   redis_limiter URL ITERATIONS CONCURRENCY
//   redis_limiter --print-script     (the bucket script, for the baseline)
//
// Prints "sequential NS_PER_OP" and "concurrent OPS_PER_SECOND" lines.
#include "cache/redis_buckets.hpp"
#include "cache/redis_client.hpp"
#include "core/logger.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using dokkerr::cache::RedisBuckets;
using dokkerr::cache::RedisClient;

// A burst no run exhausts: every take is allowed, so every take does the same work.
constexpr double kBurst = 1e12;
constexpr double kPerSecond = 1e9;

asio::awaitable<long> takes(RedisBuckets& buckets, std::string key, long count) {
  long failed = 0;
  for (long i = 0; i < count; ++i) {
    const auto take = co_await buckets.take(key, kBurst, kPerSecond);
    if (!take || !take->allowed) ++failed;
  }
  co_return failed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--print-script") {
    std::fwrite(RedisBuckets::script().data(), 1, RedisBuckets::script().size(), stdout);
    return 0;
  }
  if (argc != 4) {
    std::fprintf(stderr, "usage: redis_limiter URL ITERATIONS CONCURRENCY\n");
    return 2;
  }
  const long iterations = std::atol(argv[2]);
  const long concurrency = std::atol(argv[3]);
  asio::io_context io(1);
  dokkerr::Logger logger(dokkerr::LogLevel::error);
  dokkerr::cache::RedisSettings settings;
  settings.endpoint = dokkerr::cache::parse_redis_url(argv[1]);
  settings.command_timeout = std::chrono::milliseconds(2000);
  RedisClient client(io.get_executor(), settings, logger, "bench");
  RedisBuckets buckets(client);
  client.start();
  std::thread runner([&io] { io.run(); });
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!client.connected() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!client.connected()) {
    std::fprintf(stderr, "redis_limiter: not connected: %s\n", client.last_error().c_str());
    client.stop();
    io.stop();
    runner.join();
    return 1;
  }
  // Warm up: loads the script (EVAL after NOSCRIPT) and the connection.
  (void)asio::co_spawn(io, takes(buckets, "bench:warm", 1000), asio::use_future).get();

  const auto sequential_start = Clock::now();
  const long sequential_failed =
      asio::co_spawn(io, takes(buckets, "bench:sequential", iterations), asio::use_future).get();
  const auto sequential_ns =
      std::chrono::duration<double, std::nano>(Clock::now() - sequential_start).count();

  std::vector<std::future<long>> workers;
  const auto concurrent_start = Clock::now();
  for (long w = 0; w < concurrency; ++w) {
    workers.push_back(asio::co_spawn(
        io, takes(buckets, "bench:concurrent:" + std::to_string(w), iterations / concurrency),
        asio::use_future));
  }
  long concurrent_failed = 0;
  for (auto& worker : workers) concurrent_failed += worker.get();
  const auto concurrent_s = std::chrono::duration<double>(Clock::now() - concurrent_start).count();

  client.stop();
  io.stop();
  runner.join();
  std::printf("sequential %.0f\n", sequential_ns / static_cast<double>(iterations));
  std::printf("concurrent %.0f\n",
              static_cast<double>(iterations / concurrency * concurrency) / concurrent_s);
  if (sequential_failed + concurrent_failed > 0) {
    std::fprintf(stderr, "redis_limiter: %ld takes failed\n",
                 sequential_failed + concurrent_failed);
    return 1;
  }
  return 0;
}
