#ifndef TRIALGATE_TESTS_SUPPORT_PG_FAULT_PROXY_H_
#define TRIALGATE_TESTS_SUPPORT_PG_FAULT_PROXY_H_

// A TCP proxy in front of a PostgreSQL Unix socket that can cut a connection at the one moment a
// test cannot otherwise reach: right after the client's COMMIT went to the server (the outcome
// unknown to the client), or right before it did. It reads the client's messages (frontend
// protocol v3: a startup packet, then type byte + length) to find a "COMMIT", as a simple query
// or in a pipeline (an unnamed Parse of it, or the Bind of a statement the connection prepared
// as COMMIT); the server's side is copied as it comes. Clients must connect with
// sslmode=disable and gssencmode=disable (the proxy does not speak TLS).

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace trialgate::testing {

class PgFaultProxy {
 public:
  enum class Cut {
    kNone,
    kAfterCommitSent,    // COMMIT reaches the server; its answer never reaches the client
    kBeforeCommitSent,   // the connection ends instead of sending COMMIT
  };

  // Listens on 127.0.0.1:0 and forwards to `socket_path` (a PostgreSQL server's socket file).
  explicit PgFaultProxy(std::filesystem::path socket_path);
  ~PgFaultProxy();

  int port() const { return port_; }
  // libpq key/value pairs that go through the proxy.
  std::string conninfo(const std::string& user, const std::string& dbname) const;
  // The next COMMIT (of any connection) gets `cut`; later ones pass. Counts what it did.
  void CutNextCommit(Cut cut) { next_cut_ = cut; }
  int cuts() const { return cuts_; }

 private:
  void Accept();
  void Relay(int client, int server);

  const std::filesystem::path socket_path_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<Cut> next_cut_{Cut::kNone};
  std::atomic<int> cuts_{0};
  std::thread acceptor_;
  std::vector<std::thread> relays_;  // the acceptor's
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_PG_FAULT_PROXY_H_
