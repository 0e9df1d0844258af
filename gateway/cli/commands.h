#ifndef TRIALGATE_GATEWAY_CLI_COMMANDS_H_
#define TRIALGATE_GATEWAY_CLI_COMMANDS_H_

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "gateway/cli/client.h"
#include "gateway/cli/mllp_client.h"

namespace trialgate::cli {

struct ServeOptions {
  std::string listen;       // empty: from the config (default 127.0.0.1:50051)
  std::string mllp_listen;  // empty: from the config (default 127.0.0.1:2575); "off": none
  std::string http_listen;  // empty: from the config (default 127.0.0.1:8080); "off": none
  std::string data_dir;     // empty: from the config (default ./data)
  std::string store;        // empty: from the config (default SQLite in the data directory)
  std::string config_file;  // empty: the embedded defaults
  bool insecure = false;    // plaintext listener, no identities: local development only
};

struct SubmitOptions {
  Connection connection;
  std::string source = "cli";
  std::vector<std::string> files;  // "-" reads standard input
};

struct PullOptions {
  Connection connection;
  uint64_t after = 0;
  bool follow = false;
  uint64_t limit = 0;
};

struct ValidateOptions {
  // No default target: a target (--target or TRIALGATE_TARGET) asks a gateway; none validates
  // in this process.
  Connection connection{.target = ""};
  std::vector<std::string> files;  // "-" reads standard input
  std::string profile;             // optional canonical URL of a profile to validate against
  std::string study_dir;           // local: a study folder instead of the embedded study
  bool require_study_profiles = false;  // local: as the config's requireStudyProfiles
};

struct TimelineOptions {
  Connection connection;
  std::string subject;  // the study subject id
};

struct ReportOptions {
  Connection connection;
  std::string format = "json";  // "json" or "html"
  std::string out;              // empty: stdout; else written atomically (temp file + rename)
  std::string cutoff;           // YYYY-MM-DD; empty: the gateway's today (UTC)
};

struct DestinationsOptions {
  Connection connection;
};

struct DeadLettersOptions {
  Connection connection;
  std::string action;                // "list", "replay" or "discard"
  std::string destination;           // list: optional filter; replay/discard: required
  std::string subject;               // optional: only this study subject's
  std::vector<uint64_t> sequences;   // replay/discard: these dead letters
  bool all = false;                  // replay/discard: every (not discarded) one
  bool include_discarded = false;    // list
  uint32_t limit = 0;                // list; 0: no limit
};

struct BenchOptions {
  Connection connection;        // gRPC: the submissions, or (mllp) the enrolments
  std::string mode = "stream";  // "stream", "unary", "http", "mllp" or "tcp-echo"
  uint64_t count = 20000;       // resources (messages) to submit
  int concurrency = 4;  // streams, unary calls in flight, HTTP or MLLP connections
  int subjects = 20;            // study subjects enrolled for the run
  std::string source = "bench";  // gRPC modes; mllp enrols as the messages' LIS@HOSPA
  std::string mllp_target = kDefaultMllpTarget;  // mllp: the gateway's MLLP listener
  int pipeline = 1;             // mllp, tcp-echo: messages in flight per connection
  bool ceiling = true;          // mllp: then the same load against an in-process echo server
  std::string http_target = "127.0.0.1:8080";  // http: the gateway's HTTP listener
  int bundle_size = 10;         // http: entries per transaction Bundle
};

struct RegistrySinkOptions {
  std::string listen = "127.0.0.1:50052";
  std::string out;  // the JSON-lines file the events are kept in
  // Mutual TLS (the gateway's client certificate must be signed by client_ca_file) or,
  // explicitly, plaintext.
  std::string cert_file, key_file, client_ca_file;
  bool insecure = false;
};

struct AuditVerifyOptions {
  std::string file;         // empty: the configured log (auditLog, else DATA_DIR/audit.log)
  std::string config_file;  // where to find the data directory or auditLog
  std::string data_dir;
};

struct Hl7ConvertOptions {
  std::vector<std::string> files;
  std::string site;               // empty: MSH-4's namespace id, lower-cased
  std::string time_zone = "UTC";  // for HL7 times without an offset
  std::string local_code_system;  // empty: urn:<site>:lab-codes
  std::string patient_identifier_system;  // for PID-3 without CX-4; empty: an error
};

struct Hl7SendOptions {
  MllpClientOptions connection;    // --target (default 127.0.0.1:2575), --ca/--cert/--key,
                                   // --server-name, --timeout
  std::vector<std::string> files;  // "-" reads standard input
};

// Each returns the process exit code; messages go to stdout (results) and stderr (problems).
int RunServe(const ServeOptions& options);
int RunSubmit(const SubmitOptions& options);
int RunPull(const PullOptions& options);
int RunValidate(const ValidateOptions& options);
int RunTimeline(const TimelineOptions& options);
// 0: written; 1: the call failed or the output could not be written (why on stderr).
int RunReport(const ReportOptions& options);
int RunBench(const BenchOptions& options);
int RunDestinations(const DestinationsOptions& options);
int RunDeadLetters(const DeadLettersOptions& options);
int RunRegistrySink(const RegistrySinkOptions& options);
// 0: intact; 1: tampered or damaged (first bad line and why on stdout); 2: cannot read.
// 0: every message converted; 1: any could not be (its issues printed); 2: bad options.
int RunHl7Convert(const Hl7ConvertOptions& options);
// Sends every message of the files in order over one MLLP connection (a new one after a
// failure), waiting for each one's ACK; one JSON line per message on `out`:
// {"file","message","controlId","ack","text","errors":[{"location","code","severity","text"}]},
// with "error" when it could not be sent or the answer is no ACK for it.
// 0: every message answered AA or CA; 1: any was not (or a file could not be read).
int RunHl7Send(const Hl7SendOptions& options, std::ostream& out = std::cout,
               std::ostream& err = std::cerr);
int RunAuditVerify(const AuditVerifyOptions& options);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_COMMANDS_H_
