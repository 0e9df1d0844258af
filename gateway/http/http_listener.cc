#include "gateway/http/http_listener.h"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/bounded_task_queue.h"
#include "gateway/http/fhir_json.h"
#include "gateway/security/tls_server_context.h"
#include "spdlog/spdlog.h"

namespace trialgate::http {
namespace {

// Debian's cpp-httplib is compiled with a listen backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG): a
// burst of more new connections than that has SYNs dropped and waits a second for the retry,
// and some clients give up reading meanwhile (measured: 32 concurrent creates, a few failed).
// The listening socket is the library's protected member, so a subclass widens the backlog
// once it is bound (listen() again on a listening socket only changes the backlog).
constexpr int kListenBacklog = 1024;

template <class Base>
class WideBacklog : public Base {
 public:
  using Base::Base;
  bool WidenBacklog() { return ::listen(this->svr_sock_, kListenBacklog) == 0; }
};
using PlainServer = WideBacklog<httplib::Server>;
using TlsServer = WideBacklog<httplib::SSLServer>;

struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  HostPort parsed;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &parsed.port) || parsed.port < 0 ||
      parsed.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "http.listen '", listen, "' is not host:port (e.g. 127.0.0.1:8080, or port 0 for any)"));
  }
  parsed.host = listen.substr(0, colon);
  if (parsed.host.size() > 2 && parsed.host.front() == '[' && parsed.host.back() == ']') {
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);  // [::1]
  }
  return parsed;
}

// What the library answers by itself (an over-limit body, a malformed request line, a path no
// route serves) in the terms of every other answer: an OperationOutcome.
httplib::Server::HandlerResponse AnswerLibraryError(const httplib::Request&,
                                                    httplib::Response& response,
                                                    size_t max_body_bytes) {
  if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  switch (response.status) {
    case 413:
      SendError(MakeHttpError(413, "too-costly",
                              absl::StrCat("the body is larger than the gateway's limit of ",
                                           max_body_bytes, " bytes")),
                response);
      break;
    case 404:
      SendError(MakeHttpError(404, "not-found",
                              "no such endpoint: the FHIR API is at /fhir (see /fhir/metadata); "
                              "operations at /healthz, /readyz and /metrics"),
                response);
      break;
    default:
      SendError(MakeHttpError(response.status, response.status < 500 ? "invalid" : "exception",
                              StatusText(response.status)),
                response);
  }
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    const HttpListenerOptions& options, const Routes& routes) {
  // A client that goes before its answer is written must cost an error, not the process:
  // cpp-httplib sends without MSG_NOSIGNAL and OpenSSL writes with write(2).
  std::signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<HostPort> where = ParseListen(options.listen);
  if (!where.ok()) return where.status();
  std::unique_ptr<HttpListener> listener(new HttpListener());
  if (options.tls != nullptr) {
    absl::Status configured;
    const security::ServerTls tls = *options.tls;
    auto server = std::make_unique<TlsServer>([&](SSL_CTX& ctx) {
      configured = security::ConfigureServerContext(&ctx, tls);
      return configured.ok();
    });
    if (!configured.ok()) return configured;
    if (!server->is_valid()) return absl::InternalError("cannot set up TLS for the HTTP listener");
    listener->server_ = std::move(server);
  } else {
    listener->server_ = std::make_unique<PlainServer>();
  }
  httplib::Server& server = *listener->server_;
  server.new_task_queue = [workers = options.workers, queued = options.max_queued_connections] {
    return new BoundedTaskQueue(workers, queued);
  };
  server.set_payload_max_length(options.max_body_bytes);
  server.set_read_timeout(options.read_timeout_seconds, 0);
  server.set_write_timeout(options.read_timeout_seconds, 0);
  server.set_keep_alive_timeout(options.keep_alive_timeout_seconds);
  server.set_keep_alive_max_count(options.keep_alive_max_requests);
  server.set_tcp_nodelay(true);
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response& response) {
    if (!BoundedTaskQueue::RefusingThisConnection()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    response.set_header("Retry-After", "1");
    response.set_header("Connection", "close");
    SendError(MakeHttpError(503, "transient",
                            "the gateway is serving as many HTTP connections as it can; "
                            "retry shortly"),
              response);
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [max = options.max_body_bytes](const httplib::Request& request, httplib::Response& response) {
        return AnswerLibraryError(request, response, max);
      }));
  server.set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
        spdlog::error("http: {} {} failed with an exception", request.method, request.path);
        SendError(MakeHttpError(500, "exception", "the gateway failed to handle the request"),
                  response);
      });
  routes(server);

  int port = where->port;
  if (port == 0) {
    port = server.bind_to_any_port(where->host);
    if (port < 0) port = 0;
  } else if (!server.bind_to_port(where->host, port)) {
    port = 0;
  }
  if (port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", options.listen,
                                               " (address in use or invalid?)"));
  }
  const bool widened = options.tls != nullptr
                           ? static_cast<TlsServer&>(server).WidenBacklog()
                           : static_cast<PlainServer&>(server).WidenBacklog();
  if (!widened) spdlog::warn("http: cannot widen the listen backlog: {}", std::strerror(errno));
  listener->address_ = absl::StrCat(options.listen.substr(0, options.listen.rfind(':')), ":", port);
  auto stopped = std::make_shared<std::atomic<bool>>(false);
  listener->thread_ = std::thread([&server, stopped] {
    server.listen_after_bind();
    *stopped = true;
  });
  // Server::stop() does nothing before the accept loop runs, and the loop would then run
  // forever: Shutdown right after Start (a failed start, a short test) must find it running.
  while (!server.is_running() && !*stopped) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (*stopped) return absl::UnavailableError("the HTTP listener stopped as it started");
  return listener;
}

HttpListener::~HttpListener() { Shutdown(); }

void HttpListener::Shutdown() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trialgate::http
