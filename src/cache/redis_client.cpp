#include "cache/redis_client.hpp"

#include "core/logger.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <hiredis/hiredis.h>

namespace dokkerr::cache {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kFirstBackoff{250};

RedisValue copy_reply(const redisReply& reply) {
  RedisValue value;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      value.type = RedisValue::Type::integer;
      value.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      value.type = reply.type == REDIS_REPLY_STRING   ? RedisValue::Type::string
                   : reply.type == REDIS_REPLY_STATUS ? RedisValue::Type::status
                                                      : RedisValue::Type::error;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      value.type = RedisValue::Type::array;
      value.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        value.elements.push_back(copy_reply(*reply.element[i]));
      }
      break;
    default:
      value.type = RedisValue::Type::nil;
  }
  return value;
}

// The command in the protocol's own encoding (RESP), appended to `out`.
void append_command(std::string& out, const std::vector<std::string>& args) {
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  pointers.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& arg : args) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* command = nullptr;
  const auto length = redisFormatCommandArgv(&command, static_cast<int>(args.size()),
                                             pointers.data(), lengths.data());
  if (length < 0 || command == nullptr) throw std::bad_alloc();
  out.append(command, static_cast<std::size_t>(length));
  redisFreeCommand(command);
}

bool is_message(const RedisValue& value) {
  return value.type == RedisValue::Type::array && value.elements.size() == 3 &&
         value.elements[0].type == RedisValue::Type::string && value.elements[0].text == "message";
}

}  // namespace

struct RedisClient::Pending {
  // The wake timer never expires on its own: a reply or a dropped link cancels it, and the
  // link's watchdog judges the deadline. One timer in the reactor's queue per connection
  // instead of one per command spares two timerfd updates a command.
  Pending(const asio::any_io_executor& executor, std::chrono::steady_clock::time_point due)
      : wake(executor, asio::steady_timer::time_point::max()), deadline(due) {}
  asio::steady_timer wake;
  std::chrono::steady_clock::time_point deadline;
  std::optional<RedisValue> reply;
  bool finished = false;
};

void RedisClient::ReaderDeleter::operator()(redisReader* reader) const {
  redisReaderFree(reader);
}

RedisClient::RedisClient(asio::any_io_executor executor, RedisSettings settings, Logger& logger,
                         std::string name)
    : strand_(asio::make_strand(std::move(executor))),
      settings_(std::move(settings)),
      logger_(logger),
      name_(std::move(name)),
      resolver_(strand_),
      socket_(strand_),
      link_down_(strand_),
      watchdog_(strand_),
      backoff_(strand_) {}

RedisClient::~RedisClient() = default;

void RedisClient::on_message(MessageHandler handler) {
  message_handler_ = std::move(handler);
}

void RedisClient::on_connect(ConnectHook hook) {
  connect_hook_ = std::move(hook);
}

void RedisClient::start() {
  asio::co_spawn(strand_, supervise(), asio::detached);
}

void RedisClient::stop() {
  stopped_ = true;
  asio::post(strand_, [this] {
    drop_link("stopped");
    resolver_.cancel();
    backoff_.cancel();
    link_down_.cancel();
  });
}

std::string RedisClient::last_error() const {
  const std::lock_guard lock(error_mutex_);
  return last_error_;
}

asio::awaitable<std::optional<RedisValue>> RedisClient::call(std::vector<std::string> args) {
  if (!connected()) co_return std::nullopt;
  co_return co_await asio::co_spawn(strand_, send(std::move(args), false), asio::use_awaitable);
}

asio::awaitable<std::optional<RedisValue>> RedisClient::call_during_connect(
    std::vector<std::string> args) {
  co_return co_await asio::co_spawn(strand_, send(std::move(args), true), asio::use_awaitable);
}

asio::awaitable<std::optional<RedisValue>> RedisClient::send(std::vector<std::string> args,
                                                             bool during_connect) {
  if (!link_open_ || (!during_connect && !connected()) ||
      pending_.size() >= settings_.max_pending) {
    co_return std::nullopt;
  }
  append_command(outgoing_, args);
  auto pending = std::make_shared<Pending>(
      strand_, std::chrono::steady_clock::now() + settings_.command_timeout);
  pending_.push_back(pending);
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(strand_, write_loop(link_), asio::detached);
  }
  boost::system::error_code ec;
  co_await pending->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!pending->finished) {
    drop_link("no reply within " + std::to_string(settings_.command_timeout.count()) + " ms");
  }
  co_return std::move(pending->reply);
}

asio::awaitable<void> RedisClient::write_loop(std::uint64_t link) {
  while (link == link_ && !outgoing_.empty()) {
    std::string sending;
    sending.swap(outgoing_);
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(sending),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (link != link_) co_return;
    if (ec) {
      drop_link("write: " + ec.message());
      co_return;
    }
  }
  if (link == link_) writing_ = false;
}

// Replies come in order, so the oldest command is the one to time: when it is overdue, its
// place in the pipeline is lost and the connection ends.
asio::awaitable<void> RedisClient::watch_replies(std::uint64_t link) {
  const auto tick = std::max(std::chrono::milliseconds(5), settings_.command_timeout / 4);
  while (link == link_) {
    watchdog_.expires_after(tick);
    boost::system::error_code ec;
    co_await watchdog_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (link != link_) co_return;
    if (!pending_.empty() && pending_.front()->deadline <= std::chrono::steady_clock::now()) {
      drop_link("no reply within " + std::to_string(settings_.command_timeout.count()) + " ms");
      co_return;
    }
  }
}

asio::awaitable<void> RedisClient::read_loop(std::uint64_t link) {
  std::array<char, 16 * 1024> buffer{};
  for (;;) {
    boost::system::error_code ec;
    const auto size = co_await socket_.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (link != link_) co_return;
    if (ec) {
      drop_link(ec == asio::error::eof ? std::string("Redis closed the connection")
                                       : "read: " + ec.message());
      co_return;
    }
    if (redisReaderFeed(reader_.get(), buffer.data(), size) != REDIS_OK) {
      drop_link("cannot buffer the reply");
      co_return;
    }
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
        drop_link(std::string("unreadable reply: ") + reader_->errstr);
        co_return;
      }
      if (raw == nullptr) break;
      auto value = copy_reply(*static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      deliver(std::move(value));
      if (link != link_) co_return;
    }
  }
}

void RedisClient::deliver(RedisValue value) {
  if (message_handler_ && is_message(value)) {
    try {
      message_handler_(value.elements[1].text, value.elements[2].text);
    } catch (const std::exception& error) {
      logger_.warn("Redis message handler failed", {{"client", name_}, {"error", error.what()}});
    }
    return;
  }
  if (pending_.empty()) {
    drop_link("a reply nobody asked for");
    return;
  }
  auto pending = std::move(pending_.front());
  pending_.pop_front();
  pending->reply = std::move(value);
  pending->finished = true;
  pending->wake.cancel();
}

void RedisClient::drop_link(std::string reason) {
  if (!link_open_) return;
  link_open_ = false;
  connected_ = false;
  ++link_;
  {
    const std::lock_guard lock(error_mutex_);
    last_error_ = std::move(reason);
  }
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  for (auto& pending : pending_) {
    pending->finished = true;
    pending->wake.cancel();
  }
  pending_.clear();
  outgoing_.clear();
  writing_ = false;
  watchdog_.cancel();
  link_down_.cancel();
}

asio::awaitable<bool> RedisClient::open_link() {
  auto fail = [this](std::string reason) {
    const std::lock_guard lock(error_mutex_);
    last_error_ = std::move(reason);
    return false;
  };
  // One deadline over resolving and connecting: when it passes, both are cancelled.
  struct Attempt {
    bool finished = false;
    bool timed_out = false;
  };
  auto attempt = std::make_shared<Attempt>();
  asio::steady_timer deadline(strand_);
  deadline.expires_after(settings_.connect_timeout);
  deadline.async_wait([this, attempt](const boost::system::error_code& ec) {
    if (ec || attempt->finished) return;  // an expiry queued just before the cancel, too
    attempt->timed_out = true;
    resolver_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  });
  const auto& endpoint = settings_.endpoint;
  boost::system::error_code ec;
  const auto addresses = co_await resolver_.async_resolve(
      endpoint.host, std::to_string(endpoint.port), asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && !attempt->timed_out) {
    socket_ = asio::ip::tcp::socket(strand_);
    co_await asio::async_connect(socket_, addresses, asio::redirect_error(asio::use_awaitable, ec));
  }
  attempt->finished = true;
  deadline.cancel();
  if (attempt->timed_out) {
    co_return fail("no connection within " + std::to_string(settings_.connect_timeout.count()) +
                   " ms");
  }
  if (ec) co_return fail("connect: " + ec.message());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);

  reader_.reset(redisReaderCreate());
  if (!reader_) co_return fail("out of memory");
  link_open_ = true;
  ++link_;
  asio::co_spawn(strand_, read_loop(link_), asio::detached);
  asio::co_spawn(strand_, watch_replies(link_), asio::detached);

  const auto refused = [](const std::optional<RedisValue>& reply) {
    return !reply || reply->is_error();
  };
  if (!endpoint.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password);
    const auto reply = co_await call_during_connect(std::move(auth));
    if (refused(reply)) {
      const auto why = reply ? "AUTH refused: " + reply->text : last_error();
      drop_link(why);
      co_return fail(why);
    }
  }
  if (endpoint.database != 0) {
    std::vector<std::string> select{"SELECT", std::to_string(endpoint.database)};
    const auto reply = co_await call_during_connect(std::move(select));
    if (refused(reply)) {
      const auto why = reply ? "SELECT refused: " + reply->text : last_error();
      drop_link(why);
      co_return fail(why);
    }
  }
  if (connect_hook_) {
    const bool ready = co_await connect_hook_(*this);
    if (!ready || !link_open_) {
      drop_link("the connection could not be prepared");
      co_return fail(last_error());
    }
  }
  connected_ = true;
  co_return true;
}

asio::awaitable<void> RedisClient::supervise() {
  auto backoff = kFirstBackoff;
  bool was_up = false;
  bool reported_down = false;
  while (!stopped_) {
    bool up = false;
    try {
      up = co_await open_link();
    } catch (const std::exception& error) {
      drop_link(error.what());
    }
    if (stopped_) break;
    if (up) {
      logger_.info(was_up ? "Redis connection reopened" : "Redis connected",
                   {{"client", name_}, {"redis", settings_.endpoint.display()}});
      was_up = true;
      reported_down = false;
      backoff = kFirstBackoff;
      if (link_open_) {
        link_down_.expires_at(Clock::time_point::max());
        boost::system::error_code ec;
        co_await link_down_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (stopped_) break;
      logger_.warn("Redis connection lost; reconnecting",
                   {{"client", name_}, {"error", last_error()}});
      continue;  // once at once, then with backoff
    }
    if (!reported_down) {
      logger_.warn(
          "Redis unreachable; retrying in the background",
          {{"client", name_}, {"redis", settings_.endpoint.display()}, {"error", last_error()}});
      reported_down = true;
    }
    backoff_.expires_after(backoff);
    boost::system::error_code ec;
    co_await backoff_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    backoff = std::min(backoff * 2, settings_.max_backoff);
  }
}

}  // namespace dokkerr::cache
