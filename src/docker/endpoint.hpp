#pragma once
#include <string>
#include <string_view>

namespace dokkerr::docker {

// PEM material for an engine reached over TCP+TLS with a client certificate.
struct TlsMaterial {
  std::string ca_pem;    // verifies the engine's certificate; empty = system store
  std::string cert_pem;  // client certificate (optional together with key_pem)
  std::string key_pem;
  bool verify_peer = true;
};

// Where an engine listens: unix:///path, tcp://host:port (plain) or tcp://host:port with TLS.
struct Endpoint {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string path;  // unix socket path
  std::string host;  // tcp host
  std::string port;  // tcp port
  bool tls = false;
  TlsMaterial tls_material;

  // unix:///path, tcp://host:port, or https://host:port when tls (parse_endpoint reads it back)
  [[nodiscard]] std::string to_string() const;
};

// Parses unix:///path, tcp://host:port, https://host:port (tls). Without a port, tcp means
// 2375 and https 2376, as with the Docker CLI. Throws dokkerr::Error (invalid, code
// "invalid_docker_host") naming the problem.
Endpoint parse_endpoint(std::string_view url);

}  // namespace dokkerr::docker
