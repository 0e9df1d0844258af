#include "gateway/cli/main_cli.h"

#include <cctype>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/cli/commands.h"
#include "gateway/hl7v2/conversion.h"

namespace trialgate::cli {
namespace {

void AddConnectionOptions(CLI::App* command, Connection* connection) {
  command->add_option("--target", connection->target, "Gateway address")
      ->envname("TRIALGATE_TARGET")
      ->capture_default_str();
  command->add_option("--ca", connection->ca_file,
                      "PEM CA of the gateway's certificate (TLS); without --ca and --cert: "
                      "plaintext, for a gateway started with --insecure")
      ->envname("TRIALGATE_CA")
      ->check(CLI::ExistingFile);
  auto* cert = command->add_option("--cert", connection->cert_file,
                                   "PEM client certificate: who you are to the gateway")
                   ->envname("TRIALGATE_CERT")
                   ->check(CLI::ExistingFile);
  auto* key = command->add_option("--key", connection->key_file, "PEM key of --cert")
                  ->envname("TRIALGATE_KEY")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  command->add_option("--server-name", connection->server_name,
                      "Name to check in the gateway's certificate, if not the target's host");
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"trialgate: a FHIR R4 gateway for clinical trial data"};
  app.require_subcommand(1);

  ServeOptions serve;
  CLI::App* serve_command = app.add_subcommand(
      "serve", "Run the gateway (embedded KRD-ASCT2 study, SQLite store unless --store; mutual TLS from --config, or --insecure for plaintext)");
  serve_command->add_option("--listen", serve.listen, "Address to listen on [127.0.0.1:50051]");
  serve_command->add_option("--mllp-listen", serve.mllp_listen,
                            "Address to listen for HL7 v2 over MLLP on, or off [127.0.0.1:2575]");
  serve_command->add_option("--http-listen", serve.http_listen,
                            "Address to listen for HTTP on (FHIR REST at /fhir, /healthz, "
                            "/readyz, /metrics), or off [127.0.0.1:8080]");
  serve_command->add_option("--data", serve.data_dir, "Data directory [./data]");
  serve_command->add_option("--store", serve.store,
                            "Event store: a postgresql:// URI of a database replicas share "
                            "[SQLite in the data directory]");
  serve_command->add_option("--config", serve.config_file, "JSON configuration file")
      ->check(CLI::ExistingFile);
  serve_command->add_flag("--insecure", serve.insecure,
                          "Listen in plaintext without TLS or identities: every caller may do "
                          "everything. Local development only");

  SubmitOptions submit;
  CLI::App* submit_command = app.add_subcommand(
      "submit", "Submit FHIR R4 JSON files; prints one JSON line per entry, exits 1 if any "
                "entry was rejected");
  AddConnectionOptions(submit_command, &submit.connection);
  submit_command->add_option("--source", submit.source, "Sending system id")
      ->capture_default_str();
  submit_command->add_option("files", submit.files, "Files to submit ('-' for stdin)")
      ->required();

  PullOptions pull;
  CLI::App* pull_command =
      app.add_subcommand("pull", "Print events after a cursor as JSON lines");
  AddConnectionOptions(pull_command, &pull.connection);
  pull_command->add_option("--after", pull.after, "Cursor: the last sequence already seen")
      ->capture_default_str();
  pull_command->add_flag("--follow", pull.follow, "Keep the stream open for new events");
  pull_command->add_option("--limit", pull.limit, "Stop after this many events (0: no limit)")
      ->capture_default_str();

  ValidateOptions validate;
  CLI::App* validate_command = app.add_subcommand(
      "validate", "Validate FHIR R4 JSON files against the R4 definitions (and the profiles "
                  "they claim) without storing ($validate): in this process with the embedded "
                  "study, no gateway needed, or by the gateway at --target; prints one JSON "
                  "line per file, exits 1 if any has errors");
  AddConnectionOptions(validate_command, &validate.connection);
  // Remote only when a target is named. The TLS options are then ignored without one rather
  // than refused, so that TRIALGATE_CA and the like set for other commands do not stand in the
  // way; the study options are refused with one (the gateway has its own study).
  CLI::Option* validate_target = validate_command->get_option("--target");
  validate_target->description(
      "Gateway to validate by, with its study and settings (--ca, --cert, --key and "
      "--server-name apply only then); none: validate in this process");
  validate_command->add_option(
      "--profile", validate.profile,
      "Canonical URL of a profile to validate against as well, e.g. "
      "urn:trialgate:krd-asct2:profile:dose-administration");
  validate_command
      ->add_option("--study-dir", validate.study_dir,
                   "Without --target: the study folder (as the config's studyDir) instead of "
                   "the embedded krd-asct2")
      ->check(CLI::ExistingDirectory)
      ->excludes(validate_target);
  validate_command
      ->add_flag("--require-study-profiles", validate.require_study_profiles,
                 "Without --target: hold every resource of a type the study profiles to that "
                 "profile (as the config's requireStudyProfiles)")
      ->excludes(validate_target);
  validate_command->add_option("files", validate.files, "Files to validate ('-' for stdin)")
      ->required();

  TimelineOptions timeline;
  CLI::App* timeline_command = app.add_subcommand(
      "timeline", "Print a study subject's protocol timeline as JSON: phases, cycles, doses "
                  "given versus expected, findings (exit 1 if it cannot be had)");
  AddConnectionOptions(timeline_command, &timeline.connection);
  timeline_command->add_option("subject", timeline.subject, "Study subject id, e.g. KRD-001-0002")
      ->required();

  ReportOptions report;
  CLI::App* report_command = app.add_subcommand(
      "report", "Print the study's endpoints at a data cutoff (Study.GetEndpoints): JSON, or "
                "a self-contained HTML report with its plots (exit 1 if it cannot be had)");
  AddConnectionOptions(report_command, &report.connection);
  report_command->add_option("--format", report.format, "json or html")
      ->check(CLI::IsMember({"json", "html"}))
      ->capture_default_str();
  report_command->add_option("--out", report.out,
                             "File to write (replaced atomically) instead of stdout");
  report_command->add_option("--cutoff", report.cutoff,
                             "Data cutoff YYYY-MM-DD [the gateway's today, UTC]")
      ->check([](const std::string& day) -> std::string {
        // The shape only: the gateway judges the date itself (INVALID_ARGUMENT).
        bool ok = day.size() == 10;
        for (size_t i = 0; ok && i < day.size(); ++i) {
          ok = (i == 4 || i == 7) ? day[i] == '-'
                                  : std::isdigit(static_cast<unsigned char>(day[i])) != 0;
        }
        return ok ? "" : "the cutoff must be YYYY-MM-DD";
      });

  BenchOptions bench;
  CLI::App* bench_command = app.add_subcommand(
      "bench", "Load generator: submit study resources to a running gateway and report "
               "resources/s and latency");
  AddConnectionOptions(bench_command, &bench.connection);
  bench_command->add_option("--mode", bench.mode,
                            "stream, unary, http (FHIR REST creates and transactions over "
                            "HTTP, each against the same over gRPC unary), mllp (HL7 v2 "
                            "ORU^R01 over MLLP, then the same load against an in-process TCP "
                            "echo server: the ceiling) or tcp-echo (the ceiling alone)")
      ->check(CLI::IsMember({"stream", "unary", "http", "mllp", "tcp-echo"}))
      ->capture_default_str();
  bench_command->add_option("-n,--count", bench.count, "Resources (or HL7 v2 messages) to submit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  bench_command->add_option("-c,--concurrency", bench.concurrency,
                            "Streams, unary calls in flight, or HTTP or MLLP connections")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  bench_command->add_option("--subjects", bench.subjects, "Study subjects to enrol")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  bench_command->add_option("--source", bench.source, "Sending system id (gRPC modes)")
      ->capture_default_str();
  bench_command->add_option("--mllp-target", bench.mllp_target,
                            "mllp: the gateway's MLLP listener (plain TCP, or TLS with "
                            "--ca/--cert/--key)")
      ->capture_default_str();
  bench_command->add_option("--pipeline", bench.pipeline,
                            "mllp, tcp-echo: messages sent ahead per connection before its "
                            "first ACK is read (1: each waits for its ACK, as senders do)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  bench_command->add_flag("!--no-ceiling", bench.ceiling,
                          "mllp: skip the TCP echo run that follows the gateway run");
  bench_command->add_option("--http-target", bench.http_target,
                            "http: the gateway's HTTP listener (plain, or HTTPS with "
                            "--ca/--cert/--key)")
      ->capture_default_str();
  bench_command->add_option("--bundle-size", bench.bundle_size,
                            "http: entries per transaction Bundle")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  DestinationsOptions destinations;
  CLI::App* destinations_command = app.add_subcommand(
      "destinations", "Print each downstream destination's progress as a JSON line: cursor, "
                      "lag in events and seconds, last error, next attempt");
  AddConnectionOptions(destinations_command, &destinations.connection);

  DeadLettersOptions dead_letters;
  CLI::App* dead_letters_command = app.add_subcommand(
      "deadletters", "List, replay or discard events a destination did not take");
  dead_letters_command->require_subcommand(1);
  CLI::App* list_command = dead_letters_command->add_subcommand(
      "list", "Print dead letters as JSON lines, in (destination, sequence) order");
  list_command->add_option("--destination", dead_letters.destination, "Only this destination");
  list_command->add_option("--subject", dead_letters.subject, "Only this study subject");
  list_command->add_flag("--include-discarded", dead_letters.include_discarded,
                         "Also those already discarded");
  list_command->add_option("--limit", dead_letters.limit, "At most this many (0: no limit)");
  for (const char* action : {"replay", "discard"}) {
    CLI::App* command = dead_letters_command->add_subcommand(
        action, std::string(action) == "replay"
                    ? "Put dead letters back into their destination's outbox: delivered next, "
                      "in sequence order"
                    : "Mark dead letters discarded: never delivered, kept on record");
    command->add_option("--destination", dead_letters.destination, "Destination name")
        ->required();
    auto* sequences = command->add_option("--sequence", dead_letters.sequences,
                                          "A dead letter's sequence (repeatable)");
    auto* all = command->add_flag("--all", dead_letters.all, "Every dead letter of the destination");
    sequences->excludes(all);
    command->add_option("--subject", dead_letters.subject, "With --all: only this study subject")
        ->needs(all);
  }
  for (CLI::App* command : dead_letters_command->get_subcommands({})) {
    AddConnectionOptions(command, &dead_letters.connection);
  }

  RegistrySinkOptions registry_sink;
  CLI::App* registry_sink_command = app.add_subcommand(
      "registry-sink", "Reference receiver of forwarded events: a Registry gRPC server that "
                       "keeps each event once (by event id, also across restarts) as a JSON "
                       "line in a file");
  registry_sink_command->add_option("--listen", registry_sink.listen, "Address to listen on")
      ->capture_default_str();
  registry_sink_command->add_option("--out", registry_sink.out,
                                    "File the events are appended to (created if absent)")
      ->required();
  auto* sink_cert = registry_sink_command->add_option(
      "--tls-cert", registry_sink.cert_file, "PEM certificate of this registry (mutual TLS)");
  auto* sink_key = registry_sink_command->add_option("--tls-key", registry_sink.key_file,
                                                     "PEM key of --tls-cert");
  auto* sink_ca = registry_sink_command->add_option(
      "--client-ca", registry_sink.client_ca_file,
      "PEM CA that signed the gateway's client certificate");
  auto* sink_insecure = registry_sink_command->add_flag(
      "--insecure", registry_sink.insecure,
      "Listen in plaintext, accepting events from anyone: local development only");
  for (CLI::Option* option : {sink_cert, sink_key, sink_ca}) {
    option->check(CLI::ExistingFile)->excludes(sink_insecure);
    for (CLI::Option* other : {sink_cert, sink_key, sink_ca}) {
      if (other != option) option->needs(other);
    }
  }

  AuditVerifyOptions audit_verify;
  CLI::App* audit_command =
      app.add_subcommand("audit", "Work with the audit log (see docs/audit.md)");
  audit_command->require_subcommand(1);
  CLI::App* audit_verify_command = audit_command->add_subcommand(
      "verify", "Check the audit log's hash chain; prints the record count and head hash; exit "
                "0 intact, 1 tampered or damaged (first bad line and why), 2 cannot read");
  audit_verify_command->add_option("file", audit_verify.file,
                                   "Audit log [auditLog of the config, else DATA_DIR/audit.log]");
  audit_verify_command->add_option("--config", audit_verify.config_file, "JSON configuration file")
      ->check(CLI::ExistingFile);
  audit_verify_command->add_option("--data", audit_verify.data_dir, "Data directory [./data]");

  Hl7ConvertOptions hl7_convert;
  CLI::App* hl7_command = app.add_subcommand("hl7", "Work with HL7 v2 messages (see docs/hl7v2.md)");
  hl7_command->require_subcommand(1);
  CLI::App* hl7_convert_command = hl7_command->add_subcommand(
      "convert", "Print the FHIR R4 Bundle each ORU^R01 or RAS^O17 message of the files "
                 "becomes, no server "
                 "needed: one JSON line per message (controlId, messageType, bundle or issues); "
                 "exit 1 if any could not be converted");
  hl7_convert_command->add_option("files", hl7_convert.files,
                                  "Files of messages (MLLP frames or separated by blank lines; "
                                  "'-' for stdin)")
      ->required();
  hl7_convert_command->add_option("--site", hl7_convert.site,
                                  "Site id for local codes [MSH-4 namespace id, lower-cased]");
  hl7_convert_command->add_option("--time-zone", hl7_convert.time_zone,
                                  "IANA time zone of times sent without an offset")
      ->capture_default_str();
  hl7_convert_command->add_option("--local-system", hl7_convert.local_code_system,
                                  "Code system URI of the site's local lab codes "
                                  "[urn:SITE:lab-codes]; RAS^O17 codes use urn:SITE:pharmacy, "
                                  ":routes, :reasons");
  hl7_convert_command
      ->add_option("--patient-id-system", hl7_convert.patient_identifier_system,
                   "Identifier system URI for PID-3 identifiers without an assigning authority "
                   "(CX-4), as mllp.senders[].patientIdentifierSystem [none: such a PID-3 is an "
                   "error]")
      ->check([](const std::string& uri) -> std::string {
        absl::Status status = hl7v2::CheckPatientIdentifierSystem(uri);
        return status.ok() ? "" : std::string(status.message());
      });

  Hl7SendOptions hl7_send;
  double hl7_send_timeout_seconds = 30;
  CLI::App* hl7_send_command = hl7_command->add_subcommand(
      "send", "Send the messages of the files over MLLP, one connection, in order, each waiting "
              "for its ACK: one JSON line per message (controlId, ack, errors); exit 1 if any "
              "was not answered AA or CA");
  hl7_send_command->add_option("--target", hl7_send.connection.target, "MLLP listener address")
      ->envname("TRIALGATE_MLLP_TARGET")
      ->capture_default_str();
  hl7_send_command->add_option("--ca", hl7_send.connection.ca_file,
                               "PEM CA of the listener's certificate (TLS); without --ca and "
                               "--cert: plaintext")
      ->envname("TRIALGATE_CA")
      ->check(CLI::ExistingFile);
  auto* send_cert = hl7_send_command->add_option("--cert", hl7_send.connection.cert_file,
                                                 "PEM client certificate (mutual TLS)")
                        ->envname("TRIALGATE_CERT")
                        ->check(CLI::ExistingFile);
  auto* send_key = hl7_send_command->add_option("--key", hl7_send.connection.key_file,
                                                "PEM key of --cert")
                       ->envname("TRIALGATE_KEY")
                       ->check(CLI::ExistingFile);
  send_cert->needs(send_key);
  send_key->needs(send_cert);
  hl7_send_command->add_option("--server-name", hl7_send.connection.server_name,
                               "Name to check in the listener's certificate, if not the "
                               "target's host");
  hl7_send_command->add_option("--timeout", hl7_send_timeout_seconds,
                               "Seconds to wait for connecting and for each ACK")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  hl7_send_command->add_option("files", hl7_send.files,
                               "Files of messages (MLLP frames or separated by blank lines; "
                               "'-' for stdin)")
      ->required();

  CLI11_PARSE(app, argc, argv);

  if (hl7_send_command->parsed()) {
    hl7_send.connection.timeout = absl::Seconds(hl7_send_timeout_seconds);
    return RunHl7Send(hl7_send);
  }

  if (hl7_convert_command->parsed()) return RunHl7Convert(hl7_convert);

  if (serve_command->parsed()) return RunServe(serve);
  if (submit_command->parsed()) return RunSubmit(submit);
  if (pull_command->parsed()) return RunPull(pull);
  if (validate_command->parsed()) return RunValidate(validate);
  if (timeline_command->parsed()) return RunTimeline(timeline);
  if (report_command->parsed()) return RunReport(report);
  if (destinations_command->parsed()) return RunDestinations(destinations);
  if (dead_letters_command->parsed()) {
    for (CLI::App* command : dead_letters_command->get_subcommands()) {
      dead_letters.action = command->get_name();
    }
    if (dead_letters.action != "list" && dead_letters.sequences.empty() && !dead_letters.all) {
      std::cerr << "deadletters " << dead_letters.action << ": give --sequence N or --all\n";
      return 2;
    }
    return RunDeadLetters(dead_letters);
  }
  if (registry_sink_command->parsed()) {
    if (!registry_sink.insecure && registry_sink.cert_file.empty()) {
      std::cerr << "registry-sink: give --tls-cert, --tls-key and --client-ca (mutual TLS), or "
                   "--insecure to listen in plaintext for local development\n";
      return 2;
    }
    return RunRegistrySink(registry_sink);
  }
  if (audit_verify_command->parsed()) return RunAuditVerify(audit_verify);
  return RunBench(bench);
}

}  // namespace trialgate::cli
