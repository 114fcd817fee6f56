#pragma once
#include "core/error.hpp"
#include "http/types.hpp"

#include <string>
#include <string_view>

namespace dokkerr::http {

// The one place where an error becomes an HTTP answer: application/problem+json with
// {type,title,status,detail,code,request_id}.
Response problem_response(const Error& error, std::string_view request_id, unsigned version = 11);
std::string problem_body(const Error& error, std::string_view request_id);

}  // namespace dokkerr::http
