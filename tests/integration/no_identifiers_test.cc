// No direct identifier leaves the gateway. The real gateway binary, configured with a key file
// and forwarding to the real reference registry, is sent a transaction full of a patient's names,
// address, telephone, e-mail, MRN and insurance number, birth date, hospital resource ids,
// performers, notes, narratives, free texts, extensions and contained resources. None of it may
// appear in the feed (protobuf bytes and JSON), in the registry's file, or in either process's
// log; what the study needs (subject id, codes, quantities, dates of care) must still be there.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/registry_sink/event_lines.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/sink_process.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

// Every identifying value in transaction-full-of-identifiers.json. The year of birth (1957) is
// not one: a year is allowed to leave (docs/identity-and-personal-data.md); the full date in any spelling is.
const std::vector<std::string>& Identifiers() {
  static const auto* const kIdentifiers = new std::vector<std::string>{
      // names: patient, relative, practitioner
      "Zyxwvutsname", "Qorvathiel", "Krumpelsnitz", "Vexlington", "Prawnbottom",
      // address, telecom
      "Wlodzimierzgasse 17", "Xanthopolis", "D-88123", "+49-30-99887766",
      "qorvathiel.zyx@mailhost-zq.example",
      // MRN, insurance number, order and lab numbers
      "MRN-778899123", "KV-Q551203987", "ORD-zq-6630",
      // the hospital's resource ids and Bundle-local ids
      "pt-zq-5518", "rs-zq-1101", "ma-zq-8841", "ma-zq-8842", "obs-zq-4417", "obs-zq-4418",
      "obs-zq-4419", "ae-zq-3301", "proc-zq-2201", "prac-zq-77", "gp-zq-1",
      "5b7e9d3a-aa10-4c1e-9f21-3c5d7e9a1b",
      // the date of birth
      "1957-03-14"};
  return *kIdentifiers;
}

// The birth date in other spellings, and its month-and-year: only the year may leave.
const std::vector<std::string>& BirthDateForms() {
  static const auto* const kForms =
      new std::vector<std::string>{"1957-03", "19570314", "14.03.1957", "14/03/1957",
                                   "03/14/1957"};
  return *kForms;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// What must not appear: each identifier and each of its 7-byte pieces (so that no part of one
// longer than 6 bytes leaks, e.g. "8899123" of the MRN, "Zyxwvut" of the name), compared without
// case; and the birth date's other forms.
std::vector<std::string> ForbiddenPieces() {
  std::vector<std::string> pieces;
  for (const std::string& identifier : Identifiers()) {
    const std::string lower = Lower(identifier);
    pieces.push_back(lower);
    for (size_t i = 0; i + 7 <= lower.size(); ++i) pieces.push_back(lower.substr(i, 7));
  }
  for (const std::string& form : BirthDateForms()) pieces.push_back(form);
  std::sort(pieces.begin(), pieces.end());
  pieces.erase(std::unique(pieces.begin(), pieces.end()), pieces.end());
  return pieces;
}

// The forbidden pieces found in `content`; empty when clean.
std::vector<std::string> Leaks(const std::string& content) {
  const std::string lower = Lower(content);
  std::vector<std::string> found;
  for (const std::string& piece : ForbiddenPieces()) {
    if (lower.find(piece) != std::string::npos) found.push_back(piece);
  }
  return found;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string Json(const v1::Event& event) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(event, &json).ok());
  return json;
}

bool IsLowerHex(const std::string& text, size_t size) {
  return text.size() == size && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

TEST(NoIdentifiersTest, NothingIdentifyingReachesTheFeedTheRegistryOrTheLogs) {
  TempDir dir;
  const std::string body = TestData("transaction-full-of-identifiers.json");
  // The check can fail: every identifier is really in what is submitted.
  for (const std::string& identifier : Identifiers()) {
    ASSERT_THAT(body, HasSubstr(identifier)) << "the test data lost an identifier";
  }
  const std::vector<std::string> in_body = Leaks(body);
  for (const std::string& identifier : Identifiers()) {
    ASSERT_THAT(in_body, ::testing::Contains(Lower(identifier))) << "Leaks() misses it";
  }

  // The key comes from an owner-only file.
  const std::filesystem::path key_file = dir.path() / "hmac.key";
  std::ofstream(key_file) << std::string(64, '7') << "\n";
  ::chmod(key_file.c_str(), 0600);

  const std::filesystem::path sink_file = dir.path() / "registry.jsonl";
  const std::filesystem::path sink_log = dir.path() / "registry.log";
  const std::filesystem::path gateway_log = dir.path() / "gateway.log";
  const std::filesystem::path config_file = dir.path() / "trialgate.json";
  // The logs at their most verbose: spdlog logs nothing below info, so what can be turned up is
  // gRPC's own logging, in the child processes only.
  ::setenv("GRPC_VERBOSITY", "DEBUG", 1);
  SinkProcess sink(sink_file, sink_log);
  ASSERT_FALSE(sink.address().empty());
  std::ofstream(config_file) << R"({"pseudonymisationKeyFile": ")" << key_file.string()
                             << R"(", "deviationDelayMilliseconds": 0, "destinations": [
      {"name": "registry", "address": ")"
                             << sink.address() << R"(", "insecure": true,
       "retryInitialMilliseconds": 20, "retryMaxMilliseconds": 200}]})";
  GatewayProcess gateway(dir.path() / "data", gateway_log, config_file);
  ::unsetenv("GRPC_VERBOSITY");
  ASSERT_FALSE(gateway.address().empty());
  GatewayClient client(gateway.address());

  v1::SubmitResponse response = client.SubmitOk(body);
  ASSERT_EQ(response.entries_size(), 9);
  bool rejected = false;
  for (const v1::EntryOutcome& entry : response.entries()) {
    rejected = rejected || entry.outcome() == v1::EntryOutcome::REJECTED;
    EXPECT_NE(entry.outcome(), v1::EntryOutcome::REJECTED) << entry.operation_outcome();
  }
  ASSERT_FALSE(rejected);

  // The schedule engine records the not-given dose as a deviation; wait for it, so that its
  // text (which quotes the reason) is checked too.
  std::vector<v1::Event> events;
  ASSERT_TRUE(Eventually([&] {
    events = client.Pull();
    return std::any_of(events.begin(), events.end(), [](const v1::Event& event) {
      return event.has_protocol_deviation() &&
             event.protocol_deviation().finding().text().find("reported as not given") !=
                 std::string::npos;
    });
  }));

  // Still useful: the study's subject id, codes, quantities and dates of care.
  int doses = 0, labs = 0, adverse_events = 0, harvests = 0, enrolments = 0;
  for (const v1::Event& event : events) {
    EXPECT_THAT(Leaks(event.SerializeAsString()), ::testing::IsEmpty()) << Json(event);
    EXPECT_THAT(Leaks(Json(event)), ::testing::IsEmpty()) << Json(event);
    EXPECT_EQ(event.subject_id(), "KRD-001-0077");
    if (event.source().resource_type() == "trialgate-derived") continue;
    // The hospital's resource id is replaced by its keyed pseudonym, the content hash is keyed.
    EXPECT_TRUE(IsLowerHex(event.source().logical_id(), 64)) << event.source().logical_id();
    EXPECT_TRUE(IsLowerHex(event.source().content_sha256(), 64));
    if (event.has_enrollment_changed()) {
      ++enrolments;
      EXPECT_EQ(event.enrollment_changed().enrolled_on(), "2026-10-01");
      EXPECT_EQ(event.enrollment_changed().arm(), "KRd");
    } else if (event.has_dose_administered()) {
      ++doses;
      const v1::DoseAdministered& dose = event.dose_administered();
      EXPECT_EQ(dose.agent(), "carfilzomib");
      if (dose.status() == v1::DoseAdministered::NOT_DONE) {
        EXPECT_EQ(dose.status_reason(), "refused by patient");  // the coding's words
        EXPECT_EQ(dose.status_reason_code().code(), "REFUSED");
      } else {
        EXPECT_EQ(dose.dose().value_decimal(), "50");
        EXPECT_EQ(dose.route(), "");  // sent only as free text
      }
    } else if (event.has_lab_result()) {
      ++labs;
      if (event.lab_result().analyte() == "anc") {
        EXPECT_EQ(event.lab_result().value_decimal(), "0.8");
        EXPECT_EQ(event.lab_result().reference_range().low_decimal(), "1.5");
        EXPECT_EQ(event.occurred_at_fhir(), "2026-10-12T08:00:00+02:00");
      } else {
        EXPECT_EQ(event.lab_result().value_text(), "");  // free text and dates: not forwarded
      }
    } else if (event.has_adverse_event_reported()) {
      ++adverse_events;
      EXPECT_EQ(event.adverse_event_reported().term(), "Neutrophil count decreased");
      EXPECT_EQ(event.adverse_event_reported().grade(), 3);
    } else if (event.has_stem_cell_harvest()) {
      ++harvests;
    }
  }
  EXPECT_EQ(enrolments, 1);
  EXPECT_EQ(doses, 2);
  EXPECT_EQ(labs, 3);
  EXPECT_EQ(adverse_events, 1);
  EXPECT_EQ(harvests, 1);

  // Forwarded: the registry holds every event of the feed, and nothing identifying.
  std::vector<std::string> feed_ids;
  for (const v1::Event& event : events) feed_ids.push_back(event.event_id());
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::vector<v1::Event>> delivered = registry_sink::ReadEventFile(sink_file);
    if (!delivered.ok()) return false;
    std::vector<std::string> ids;
    for (const v1::Event& event : *delivered) ids.push_back(event.event_id());
    return std::all_of(feed_ids.begin(), feed_ids.end(), [&](const std::string& id) {
      return std::find(ids.begin(), ids.end(), id) != ids.end();
    });
  })) << "the registry did not receive every event";
  EXPECT_THAT(Leaks(ReadFile(sink_file)), ::testing::IsEmpty());

  // The logs, after both processes stopped (flushed). They are the real ones.
  const int status = gateway.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  sink.Stop(SIGTERM);
  const std::string gateway_text = ReadFile(gateway_log);
  EXPECT_THAT(gateway_text, HasSubstr("study krd-asct2 loaded"));
  EXPECT_THAT(gateway_text, ::testing::Not(HasSubstr("development pseudonymisation key")));
  EXPECT_THAT(Leaks(gateway_text), ::testing::IsEmpty());
  const std::string sink_text = ReadFile(sink_log);
  EXPECT_THAT(sink_text, HasSubstr("publish from"));
  EXPECT_THAT(Leaks(sink_text), ::testing::IsEmpty());
}

}  // namespace
}  // namespace trialgate::testing
