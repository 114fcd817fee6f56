#pragma once
// One page of a listing, as services return it; the routes turn it into {items, next_cursor}.
#include <optional>
#include <string>
#include <vector>

namespace dokkerr {

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;  // set when more items follow
};

}  // namespace dokkerr
