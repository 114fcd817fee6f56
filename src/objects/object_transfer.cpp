#include "objects/object_transfer.hpp"

#include "core/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/multiple_exceptions.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <utility>

namespace dokkerr::objects {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

// The store is written and read a megabyte at a time: few calls, little memory.
constexpr std::size_t kPiece = 1024 * 1024;
// How long the store's reader waits for the consumer to take a piece.
constexpr std::chrono::minutes kSendWait{5};

// Reads from `source` into `into` until it holds a piece; false once the source has ended.
asio::awaitable<bool> fill(const PieceSource& source, std::string& into) {
  while (into.size() < kPiece) {
    const auto piece = co_await source();
    if (piece.empty()) co_return false;
    into.append(piece);
  }
  co_return true;
}

// Pieces cross from the pool thread that reads the store to the coroutine that consumes them;
// the last message carries an error code instead: eof at the end, aborted when the read failed.
using PieceChannel =
    asio::experimental::concurrent_channel<void(boost::system::error_code, std::string)>;

}  // namespace

asio::awaitable<ObjectInfo> write_object(ObjectStore& store, std::string key, BlockingPool& pool,
                                         PieceSource source) {
  auto open = [&store, &key] { return store.create(key); };
  auto writer = co_await pool.run(open);
  std::exception_ptr failure;
  ObjectInfo info;
  try {
    std::string current;
    std::string next;
    bool more = co_await fill(source, current);
    // While one piece is stored on the pool, the next is read from the source.
    while (more) {
      auto store_current = [&writer, &current] { writer->write(current); };
      more = co_await (pool.run(store_current) && fill(source, next));
      current.swap(next);
      next.clear();
    }
    auto finish = [&writer, &current] {
      if (!current.empty()) writer->write(current);
      return writer->commit();
    };
    info = co_await pool.run(finish);
  } catch (const asio::multiple_exceptions& both) {
    failure = both.first_exception();  // the store and the source both failed
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    auto drop = [&writer] { writer->abort(); };
    co_await pool.run(drop);
    std::rethrow_exception(failure);
  }
  co_return info;
}

asio::awaitable<void> read_object(ObjectStore& store, std::string key, BlockingPool& pool,
                                  PieceConsumer consume) {
  PieceChannel channel(co_await asio::this_coro::executor, 2);
  std::atomic<bool> stop{false};  // the consumer failed: the reader gives up at its next piece
  auto produce = [&store, &key, &channel, &stop] {
    // Blocks this pool thread while two pieces wait. The consumer takes every message up to the
    // last one, so a wait ends unless the consumer itself is stuck, which kSendWait bounds.
    auto send = [&channel](boost::system::error_code ec, std::string piece) {
      auto sent = channel.async_send(ec, std::move(piece), asio::use_future);
      if (sent.wait_for(kSendWait) != std::future_status::ready) {
        throw Error(ErrorKind::unavailable, "object_transfer_stalled",
                    "Reading a stored object stalled.");
      }
      sent.get();
    };
    std::string pending;
    std::exception_ptr failure;
    try {
      store.get(key, [&](std::string_view bytes) {
        if (stop) throw Error::internal_error("object transfer stopped by its consumer");
        pending.append(bytes);
        if (pending.size() >= kPiece) send({}, std::exchange(pending, {}));
      });
      if (!pending.empty()) send({}, std::move(pending));
      send(asio::error::eof, {});
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      try {
        send(asio::error::operation_aborted, {});
      } catch (...) {  // NOLINT(bugprone-empty-catch): the first failure is the one reported
      }
    }
    return failure;
  };
  auto drain = [&channel, &consume, &stop]() -> asio::awaitable<std::exception_ptr> {
    std::exception_ptr failure;
    for (;;) {
      auto [ec, piece] = co_await channel.async_receive(asio::as_tuple(asio::use_awaitable));
      if (ec) break;          // the end, or the reader's failure (which the pool reports)
      if (failure) continue;  // the reader is stopping: what it still sends is dropped
      try {
        co_await consume(std::move(piece));
      } catch (...) {
        failure = std::current_exception();
        stop = true;
      }
    }
    co_return failure;
  };
  // Both sides report rather than throw: when the consumer fails, the reader's own failure
  // (stopped) follows from it and is not the one to report.
  const auto [read_failure, consume_failure] = co_await (pool.run(produce) && drain());
  if (consume_failure) std::rethrow_exception(consume_failure);
  if (read_failure) std::rethrow_exception(read_failure);
}

}  // namespace dokkerr::objects
