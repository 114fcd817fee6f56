#pragma once
// An object written from, or read into, an asynchronous stream (an HTTP request body, an engine
// upload) without holding it whole: the store's blocking calls run on the pool while the stream
// side goes on, a piece at a time.
#include "core/blocking_pool.hpp"
#include "objects/object_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace dokkerr::objects {

// The next piece of a stream; an empty one ends it. The view lasts until the next call.
using PieceSource = std::function<boost::asio::awaitable<std::string_view>()>;
// Takes one piece of an object, in order.
using PieceConsumer = std::function<boost::asio::awaitable<void>(std::string)>;

// Writes the pieces of `source` under `key` and commits; the writer is aborted when the source
// or the store fails (the error is rethrown), so nothing half-written appears under the key.
boost::asio::awaitable<ObjectInfo> write_object(ObjectStore& store, std::string key,
                                                BlockingPool& pool, PieceSource source);

// Hands the object under `key` to `consume`, piece by piece. The store's reader runs on the pool
// and waits while two pieces are in flight; an exception from `consume` stops it.
boost::asio::awaitable<void> read_object(ObjectStore& store, std::string key, BlockingPool& pool,
                                         PieceConsumer consume);

}  // namespace dokkerr::objects
