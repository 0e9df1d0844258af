// The real `trialgate serve` binary fed HL7 v2 over MLLP by real senders: Debian's `mllp_send`
// (python3-hl7, written by others) and `trialgate hl7 send`; ACKs only after the commit (a
// SIGKILL right after them loses nothing), resends after a lost ACK stored once, and mutual TLS
// with the identities deploy/dev-ca.sh makes.
#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/dev_ca.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;

// Enrols the patient HOSPA's systems know as KRD-001-0002 (PID-3 with the assigning
// authority's OID 1.2.276.0.76.4.8) as study subject KRD-001-0005, naming it by identifier as an
// HL7 v2 site must (the README's example).
std::string Enrolment() {
  return testing::ReadFile(std::string(TRIALGATE_SOURCE_DIR) +
                           "/tests/hl7v2/testdata/enrol-hl7-patient.json");
}

// The lab, the pharmacy and the EHR of one hospital are one site.
constexpr char kSites[] = R"({"sites": [{"id": "site-a",
  "systems": ["hospital-a", "LIS@HOSPA", "PHARM@HOSPA"]}]})";

std::string Oru(int n) {
  return absl::StrCat(
      "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|202601050900+0100||ORU^R01^ORU_R01|ANC-", n,
      "|P|2.5.1\r",
      "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR||Muster^Erika||19600812|F\r",
      "OBR|1|ORD-", n, "|FIL-", n, "|26499-4^Neutrophils^LN|||202601050715+0100\r",
      "OBX|1|NM|751-8^Neutrophils [#/volume] in Blood by Automated count^LN||1.", n % 10,
      "|x10E9/L^^L|1.8-7.7|N|||F|||202601050730+0100\r");
}

std::filesystem::path WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// What a shell command printed on stdout, and its exit code.
CliRun Shell(const std::string& command) {
  CliRun run{-1, {}};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  std::string out;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.lines.push_back(out);
  return run;
}

std::string Port(const std::string& address) { return address.substr(address.rfind(':') + 1); }

size_t ObservationEvents(GatewayClient& client) {
  size_t count = 0;
  for (const v1::Event& event : client.Pull()) {
    if (event.source().resource_type() == "Observation") {
      EXPECT_EQ(event.source().system(), "LIS@HOSPA");
      EXPECT_EQ(event.subject_id(), "KRD-001-0005");
      EXPECT_FALSE(event.source().message_id().empty());
      ++count;
    }
  }
  return count;
}

class MllpGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = WriteFile(dir_.path() / "gateway.json", kSites); }
  TempDir dir_;
  std::filesystem::path config_;
};

TEST_F(MllpGatewayTest, MllpSendFromPython3Hl7DeliversALabResult) {
  GatewayProcess server(dir_.path() / "data", dir_.path() / "gateway.log", config_);
  ASSERT_FALSE(server.mllp_address().empty()) << ReadFile(dir_.path() / "gateway.log");
  GatewayClient client(server.address());
  ASSERT_EQ(client.SubmitOk(Enrolment()).entries(0).outcome(), v1::EntryOutcome::ACCEPTED);

  // mllp_send --loose takes LF-separated segments, as an analyst's file has them.
  const auto file = WriteFile(dir_.path() / "anc.hl7",
                              absl::StrReplaceAll(Oru(1), {{"\r", "\n"}}));
  CliRun sent = Shell("mllp_send --loose --file " + file.string() + " --port " +
                      Port(server.mllp_address()) + " 127.0.0.1");
  ASSERT_EQ(sent.exit_code, 0) << sent.lines[0];
  EXPECT_THAT(sent.lines[0], HasSubstr("MSA|AA|ANC-1"));
  EXPECT_THAT(sent.lines[0], HasSubstr("MSH|^~\\&|TRIALGATE|KRD|LIS|HOSPA|"));  // swapped
  EXPECT_THAT(sent.lines[0], ::testing::Not(HasSubstr("ERR|")));  // nothing to say
  EXPECT_EQ(ObservationEvents(client), 1u);
}

TEST_F(MllpGatewayTest, AnAcknowledgedMessageSurvivesASigkillAndAResendStoresNothing) {
  std::string messages;
  for (int n = 1; n <= 20; ++n) messages += Oru(n) + "\n";
  const auto file = WriteFile(dir_.path() / "results.hl7", messages);
  {
    GatewayProcess server(dir_.path() / "data", dir_.path() / "gateway.log", config_);
    GatewayClient(server.address()).SubmitOk(Enrolment());
    CliRun sent = RunCli("hl7 send --target " + server.mllp_address() + " " + file.string());
    ASSERT_EQ(sent.exit_code, 0);
    ASSERT_EQ(sent.lines.size(), 20u);
    for (const std::string& line : sent.lines) EXPECT_THAT(line, HasSubstr("\"ack\":\"AA\""));
    server.Stop(SIGKILL);  // at once: every AA must already be durable
  }
  GatewayProcess restarted(dir_.path() / "data", dir_.path() / "gateway2.log", config_);
  GatewayClient client(restarted.address());
  EXPECT_EQ(ObservationEvents(client), 20u);

  // The sender lost the ACKs and resends everything: answered AA, stored once.
  CliRun resent = RunCli("hl7 send --target " + restarted.mllp_address() + " " + file.string());
  EXPECT_EQ(resent.exit_code, 0);
  EXPECT_EQ(ObservationEvents(client), 20u);

  // Another result under a control id already used: refused, nothing stored.
  const auto reused = WriteFile(dir_.path() / "reused.hl7",
                                absl::StrReplaceAll(Oru(3), {{"|1.3|", "|9.9|"}}));
  CliRun refused = RunCli("hl7 send --target " + restarted.mllp_address() + " " +
                          reused.string());
  EXPECT_EQ(refused.exit_code, 1);
  ASSERT_EQ(refused.lines.size(), 1u);
  EXPECT_THAT(refused.lines[0], HasSubstr("\"ack\":\"AE\""));
  EXPECT_THAT(refused.lines[0], HasSubstr("\"code\":205"));
  EXPECT_EQ(ObservationEvents(client), 20u);
}

TEST_F(MllpGatewayTest, MutualTlsAcceptsASiteCertificateAndRefusesOthers) {
  DevCa ca(dir_.path() / "ca", {"site-a:site:site-a", "warehouse:warehouse"});
  ASSERT_TRUE(ca.ok()) << "deploy/dev-ca.sh failed";
  GatewayProcess server(dir_.path() / "data", dir_.path() / "gateway.log", ca.config_file(),
                        /*insecure=*/false);
  ASSERT_FALSE(server.mllp_address().empty()) << ReadFile(dir_.path() / "gateway.log");
  const auto file = WriteFile(dir_.path() / "anc.hl7", Oru(1));
  const auto as = [&](const std::string& client) {
    return "hl7 send --target " + server.mllp_address() + " --ca " +
           ca.file("ca.pem").string() + " --cert " + ca.file(client + ".pem").string() +
           " --key " + ca.file(client + ".key").string() + " --timeout 10 " + file.string();
  };
  // The site's certificate gets an answer: the patient is not enrolled at site-a (yet).
  CliRun site = RunCli(as("site-a"));
  ASSERT_EQ(site.lines.size(), 1u);
  EXPECT_THAT(site.lines[0], HasSubstr("\"ack\":\"AE\""));
  EXPECT_THAT(site.lines[0], HasSubstr("site-a"));
  // A certificate without the site role, and plaintext, get no answer at all.
  CliRun warehouse = RunCli(as("warehouse"));
  EXPECT_EQ(warehouse.exit_code, 1);
  EXPECT_THAT(warehouse.lines.at(0), ::testing::Not(HasSubstr("\"ack\"")));
  CliRun plaintext = RunCli("hl7 send --timeout 10 --target " + server.mllp_address() + " " +
                            file.string());
  EXPECT_EQ(plaintext.exit_code, 1);
  EXPECT_THAT(ReadFile(dir_.path() / "gateway.log"), HasSubstr("no site role"));
}

}  // namespace
}  // namespace trialgate::testing
