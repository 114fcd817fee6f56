#include "http/client_info.hpp"

#include "http/types.hpp"

#include <boost/beast/http/field.hpp>

namespace dokkerr::http {

ClientInfo client_of(const RequestContext& context) {
  const auto agent = context.request[boost::beast::http::field::user_agent];
  return ClientInfo{context.remote_address, std::string(agent.substr(0, 256)), context.request_id};
}

}  // namespace dokkerr::http
