#include "core/strict_json.hpp"

#include "core/error.hpp"
#include "core/json_path.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

namespace dokkerr::json {
namespace {

namespace bj = boost::json;
using bj::error_code;
using bj::string_view;

// Builds the value with a value_stack (as Boost's own parser does) and keeps, per open container,
// the keys seen so far and where the parse is, to name the path of a duplicate.
class DuplicateRefusingHandler {
 public:
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

  bool on_document_begin(error_code& /*ec*/) {
    stack_.reset();
    return true;
  }
  bool on_document_end(error_code& /*ec*/) { return true; }

  bool on_object_begin(error_code& /*ec*/) {
    frames_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, error_code& /*ec*/) {
    frames_.pop_back();
    stack_.push_object(n);
    value_done();
    return true;
  }
  bool on_array_begin(error_code& /*ec*/) {
    frames_.emplace_back().is_array = true;
    return true;
  }
  bool on_array_end(std::size_t n, error_code& /*ec*/) {
    frames_.pop_back();
    stack_.push_array(n);
    value_done();
    return true;
  }

  bool on_key_part(string_view s, std::size_t /*n*/, error_code& /*ec*/) {
    key_.append(s.data(), s.size());
    stack_.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t /*n*/, error_code& /*ec*/) {
    key_.append(s.data(), s.size());
    auto& frame = frames_.back();
    if (!frame.keys.insert(key_)) {
      throw Error::invalid("duplicate_key", "Key '" + path_to(key_) +
                                                "' appears more than once in the request body.");
    }
    frame.key = key_;
    key_.clear();
    stack_.push_key(s);
    return true;
  }

  bool on_string_part(string_view s, std::size_t /*n*/, error_code& /*ec*/) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t /*n*/, error_code& /*ec*/) {
    stack_.push_string(s);
    value_done();
    return true;
  }
  bool on_number_part(string_view /*s*/, error_code& /*ec*/) { return true; }
  bool on_int64(std::int64_t i, string_view /*s*/, error_code& /*ec*/) {
    stack_.push_int64(i);
    value_done();
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view /*s*/, error_code& /*ec*/) {
    stack_.push_uint64(u);
    value_done();
    return true;
  }
  bool on_double(double d, string_view /*s*/, error_code& /*ec*/) {
    stack_.push_double(d);
    value_done();
    return true;
  }
  bool on_bool(bool b, error_code& /*ec*/) {
    stack_.push_bool(b);
    value_done();
    return true;
  }
  bool on_null(error_code& /*ec*/) {
    stack_.push_null();
    value_done();
    return true;
  }
  // Comments are off in the parse options; these only satisfy the handler interface.
  bool on_comment_part(string_view /*s*/, error_code& /*ec*/) { return true; }
  bool on_comment(string_view /*s*/, error_code& /*ec*/) { return true; }

  bj::value release() { return stack_.release(); }

 private:
  // The keys of one object so far. Most objects are small (a JWT's claims, a container's
  // HostConfig): a scan of a short list beats hashing; long ones (label maps) switch to a set.
  class SeenKeys {
   public:
    // False when the key was seen already.
    bool insert(const std::string& key) {
      if (set_.empty()) {
        if (std::find(list_.begin(), list_.end(), key) != list_.end()) return false;
        list_.push_back(key);
        if (list_.size() > kListLimit) set_.insert(list_.begin(), list_.end());
        return true;
      }
      return set_.insert(key).second;
    }

   private:
    static constexpr std::size_t kListLimit = 16;
    std::vector<std::string> list_;
    std::unordered_set<std::string> set_;
  };

  struct Frame {
    bool is_array = false;
    std::size_t index = 0;  // arrays: the element being parsed
    std::string key;        // objects: the key whose value is being parsed
    SeenKeys keys;
  };

  void value_done() {
    if (!frames_.empty() && frames_.back().is_array) {
      ++frames_.back().index;
    }
  }

  // The enclosing containers' positions, then the repeated key of the innermost object.
  std::string path_to(std::string_view key) const {
    std::string path;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      if (frames_[i].is_array) {
        append_index(path, frames_[i].index);
      } else {
        append_key(path, frames_[i].key);
      }
    }
    append_key(path, key);
    return path;
  }

  bj::value_stack stack_;
  std::vector<Frame> frames_;
  std::string key_;
};

}  // namespace

bj::value parse_strict(std::string_view text, std::size_t max_depth) {
  bj::parse_options options;
  options.max_depth = max_depth;
  bj::basic_parser<DuplicateRefusingHandler> parser(options);
  error_code ec;
  const auto consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (ec == bj::error::too_deep) {
    throw Error::invalid("invalid_json", "The request body is nested more than " +
                                             std::to_string(max_depth) + " levels deep.");
  }
  if (!ec && consumed < text.size()) {
    ec = bj::error::extra_data;
  }
  if (ec) {
    throw Error::invalid("invalid_json",
                         "The request body is not valid JSON: " + ec.message() + ".");
  }
  return parser.handler().release();
}

}  // namespace dokkerr::json
