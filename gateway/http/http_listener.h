#ifndef TRIALGATE_GATEWAY_HTTP_HTTP_LISTENER_H_
#define TRIALGATE_GATEWAY_HTTP_HTTP_LISTENER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "gateway/security/server_tls.h"
#include "httplib.h"

namespace trialgate::http {

struct HttpListenerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  // Mutual TLS (the gateway's "tls"); null: plaintext, for --insecure only.
  const security::ServerTls* tls = nullptr;
  size_t max_body_bytes = 16 * 1024 * 1024;  // larger bodies are answered 413
  int read_timeout_seconds = 30;             // a request that stalls longer is dropped
  int keep_alive_timeout_seconds = 5;        // an idle keep-alive connection is closed after
  size_t keep_alive_max_requests = 1000;     // requests on one connection before it is closed
  size_t workers = 8;                        // connections served at once
  size_t max_queued_connections = 64;        // waiting beyond the workers; more: 503
};

// The gateway's HTTP/1.1 listener (cpp-httplib): HTTPS with a required, verified client
// certificate, or plaintext under --insecure; bounded in connections, body size and time. What
// it serves is installed by the caller (the FHIR facade, the operational endpoints); requests
// the routes do not answer, and errors of the library (413, malformed requests), get a FHIR
// OperationOutcome body.
class HttpListener {
 public:
  using Routes = std::function<void(httplib::Server&)>;

  // Binds, installs `routes` and starts serving on a thread of its own.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const HttpListenerOptions& options,
                                                             const Routes& routes);
  ~HttpListener();

  // "host:port" actually listened on.
  const std::string& address() const { return address_; }

  // Stops accepting, lets the requests in hand finish, and returns. Idempotent.
  void Shutdown();

 private:
  HttpListener() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
};

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_HTTP_LISTENER_H_
