#ifndef TRIALGATE_GATEWAY_CLI_MLLP_BENCH_H_
#define TRIALGATE_GATEWAY_CLI_MLLP_BENCH_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/mllp_client.h"

// `trialgate bench --mode mllp | tcp-echo`: HL7 v2 lab results (ORU^R01, one neutrophil count
// each) over MLLP connections, each message waiting for its ACK (or up to `pipeline` in flight),
// and the ceiling for the same load: the same client, messages and connection count against an
// in-process server that frames every message straight back.
namespace trialgate::cli {

// The messages' sending system (MSH-3 LIS, MSH-4 HOSPA); the subjects are enrolled under it,
// so that without configured sites (development) the enrolments and the results share a site.
inline constexpr char kMllpBenchSystem[] = "LIS@HOSPA";
// The assigning authority of the patients' PID-3 identifiers (CX-4 universal id).
inline constexpr char kMllpBenchPatientOid[] = "1.2.276.0.76.4.8";

// Message `i`'s MSH-10: "B" + run + "-" + i, at most 20 characters for i < 10^10.
std::string MllpBenchControlId(const std::string& run, uint64_t i);
// The patient identifier (PID-3 CX-1) of subject `subject`.
std::string MllpBenchPatientId(const std::string& run, int subject);
// The ResearchSubject that enrols subject `subject`, naming its patient by identifier.
std::string MllpBenchEnrolment(const std::string& run, int subject);
// ORU^R01 number `i`: one OBX (neutrophils, LOINC 751-8) for subject i % subjects, with its
// own MSH-10 and order numbers (OBR-2, OBR-3), so no two messages of a run are duplicates.
std::string MllpBenchOru(const std::string& run, uint64_t i, int subjects);

// A TCP server on 127.0.0.1 (an ephemeral port) that answers every MLLP frame with the same
// bytes framed again, one thread per connection, as the gateway's listener reads and answers.
class EchoServer {
 public:
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start();
  // Stops accepting, ends the connections' reads and waits for their threads.
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"

 private:
  explicit EchoServer(int listen_fd);
  void AcceptLoop();
  void Serve(int fd);

  const int listen_fd_;
  int port_ = 0;
  std::mutex mu_;
  bool stopping_ = false;
  std::vector<int> fds_;  // closed by the destructor, after the threads end
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

// How an answer is judged.
enum class MllpExpect {
  kAck,   // an ACK for this message's control id; MSA-1 AA (or CA) counts as accepted
  kEcho,  // the message's own bytes
};

struct MllpLoadResult {
  uint64_t accepted = 0;  // AA / CA, or (echo) the same bytes back
  uint64_t errors = 0;    // AE / CE
  uint64_t rejects = 0;   // AR / CR
  uint64_t other = 0;     // unreadable, for another control id, different bytes, or unanswered
  std::vector<double> latencies_ms;  // one per answer, sorted
  double seconds = 0;                // from the first send to the last answer
  double message_bytes = 0;          // mean size of a message (without MLLP framing)
  std::string first_problem;         // the first answer that was not accepted, and why
};

// Sends messages MllpBenchOru(run, i, subjects), i = 0..count-1, over `connections`
// connections to client.target (i round robin), each with up to `pipeline` messages sent
// before the oldest answer is read. Connecting is not timed.
MllpLoadResult RunMllpLoad(const MllpClientOptions& client, const std::string& run,
                           uint64_t count, int connections, int pipeline, int subjects,
                           MllpExpect expect);

// `trialgate bench --mode mllp` (enrol over gRPC, the gateway run, then the echo ceiling unless
// options.ceiling is false) and `--mode tcp-echo` (the ceiling alone). Exit code 0 when every
// message was accepted.
int RunMllpBench(const BenchOptions& options, std::ostream& out = std::cout,
                 std::ostream& err = std::cerr);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_MLLP_BENCH_H_
