// A hospital's Bundle may carry its Patient. Submit validates it and answers it, but stores
// nothing of it: no event, no row, no log line. The other entries refer to it (by fullUrl or
// Patient/id) as they would to a Patient the gateway never saw.
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What the Patient in transaction-patient-enrol-and-data.json says about the person: its id,
// MRN, national insurance number, names, birth date, phone, address.
const std::vector<std::string>& PatientBytes() {
  static const auto* const bytes = new std::vector<std::string>{
      "pt-1004",   "MRN-9911827",    "Z917364528", "Wojciechowska", "Hedwig", "Marlene",
      "1957-04-23", "+49 30 5550172", "Kastanienallee", "Potsdam"};
  return *bytes;
}

void ExpectNoPatientBytes(const std::string& what, const std::string& content) {
  for (const std::string& bytes : PatientBytes()) {
    EXPECT_THAT(content, Not(HasSubstr(bytes))) << what;
  }
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Checks every file of the store (trialgate.db, its WAL, ...); returns how many there were.
int ExpectStoreHasNoPatientBytes(const std::filesystem::path& data_dir) {
  int files = 0;
  for (const auto& file : std::filesystem::directory_iterator(data_dir)) {
    if (!file.path().filename().string().starts_with("trialgate.db")) continue;
    ++files;
    ExpectNoPatientBytes(file.path().string(), ReadFile(file.path()));
  }
  return files;
}

TEST(PatientTest, TransactionWithAPatientIsAcceptedAndNothingOfThePatientIsStoredSentOrLogged) {
  TempDir dir;
  const std::filesystem::path log = dir.path() / "server.log";
  GatewayProcess server(dir.path(), log);
  GatewayClient client(server.address());

  const std::string body = TestData("transaction-patient-enrol-and-data.json");
  v1::SubmitResponse response = client.SubmitOk(body);
  ASSERT_EQ(response.entries_size(), 4);
  for (const v1::EntryOutcome& entry : response.entries()) {
    EXPECT_EQ(entry.outcome(), v1::EntryOutcome::ACCEPTED) << entry.operation_outcome();
  }
  // The Patient: validated, answered with why it was not stored, no events.
  const v1::EntryOutcome& patient = response.entries(0);
  EXPECT_EQ(patient.resource_type(), "Patient");
  EXPECT_EQ(patient.event_ids_size(), 0);
  rapidjson::Document outcome = ParseOutcome(patient.operation_outcome());
  EXPECT_EQ(FirstIssue(outcome, "error"), nullptr);
  const rapidjson::Value* information = FirstIssue(outcome, "information");
  ASSERT_NE(information, nullptr) << patient.operation_outcome();
  EXPECT_STREQ((*information)["expression"][0].GetString(), "Bundle.entry[0].resource");
  EXPECT_THAT((*information)["diagnostics"].GetString(), HasSubstr("not stored"));
  EXPECT_THAT((*information)["diagnostics"].GetString(), HasSubstr("ResearchSubject"));

  // The ResearchSubject enrolled the patient it points at by fullUrl; the Observation (by fullUrl)
  // and the MedicationAdministration (Patient/pt-1004) became events of that study subject.
  std::vector<v1::Event> events = client.Pull();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].has_enrollment_changed());
  EXPECT_TRUE(events[1].has_lab_result());
  EXPECT_TRUE(events[2].has_dose_administered());
  for (const v1::Event& event : events) {
    EXPECT_EQ(event.subject_id(), "KRD-001-0004");
    ExpectNoPatientBytes("event " + event.event_id(), event.SerializeAsString());
  }

  // Sent again: the stored entries are duplicates; the Patient is again checked and not stored.
  v1::SubmitResponse again = client.SubmitOk(body);
  ASSERT_EQ(again.entries_size(), 4);
  EXPECT_EQ(again.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  for (int i = 1; i < 4; ++i) EXPECT_EQ(again.entries(i).outcome(), v1::EntryOutcome::DUPLICATE);
  EXPECT_EQ(client.Pull().size(), 3u);

  EXPECT_GE(ExpectStoreHasNoPatientBytes(dir.path()), 2);  // the database and its WAL
  const int status = server.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_GE(ExpectStoreHasNoPatientBytes(dir.path()), 1);  // after the last checkpoint
  const std::string log_text = ReadFile(log);
  EXPECT_THAT(log_text, HasSubstr("study krd-asct2 loaded"));  // the log is really this one
  ExpectNoPatientBytes("the server log", log_text);
}

TEST(PatientTest, InABatchThePatientAndTheEntriesReferringToItAreAccepted) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  std::string body = TestData("transaction-patient-enrol-and-data.json");
  body.replace(body.find("\"transaction\""), 13, "\"batch\"");
  v1::SubmitResponse response = client.SubmitOk(body);
  ASSERT_EQ(response.entries_size(), 4);
  for (const v1::EntryOutcome& entry : response.entries()) {
    EXPECT_EQ(entry.outcome(), v1::EntryOutcome::ACCEPTED) << entry.operation_outcome();
  }
  EXPECT_EQ(client.Pull().size(), 3u);
}

TEST(PatientTest, APatientAloneIsAcceptedAndStoresNothing) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  v1::SubmitResponse response = client.SubmitOk(
      R"({"resourceType":"Patient","id":"pt-7","identifier":[{"system":"urn:oid:1.2.3","value":"MRN-7"}],"birthDate":"1960-01-01"})");
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  EXPECT_EQ(response.entries(0).event_ids_size(), 0);
  EXPECT_THAT(response.entries(0).operation_outcome(), HasSubstr("not stored"));
  EXPECT_TRUE(client.Pull().empty());
  // Nor did it enrol anyone: data about pt-7 is still refused.
  v1::SubmitResponse observation = client.SubmitOk(
      R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"751-8"}]},"subject":{"reference":"Patient/pt-7"},"valueQuantity":{"value":1,"unit":"10*9/L","system":"http://unitsofmeasure.org","code":"10*9/L"}})");
  EXPECT_EQ(observation.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  EXPECT_THAT(observation.entries(0).operation_outcome(), HasSubstr("not enrolled"));
}

TEST(PatientTest, AnInvalidPatientRejectsItsTransaction) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  ASSERT_NE(server, nullptr);
  GatewayClient client(server->address());
  std::string body = TestData("transaction-patient-enrol-and-data.json");
  body.replace(body.find("\"gender\": \"female\""), 18, "\"gender\": \"f\"");
  v1::SubmitResponse response = client.SubmitOk(body);
  ASSERT_EQ(response.entries_size(), 4);
  EXPECT_EQ(response.entries(0).outcome(), v1::EntryOutcome::REJECTED);
  rapidjson::Document outcome = ParseOutcome(response.entries(0).operation_outcome());
  const rapidjson::Value* error = FirstIssue(outcome, "error");
  ASSERT_NE(error, nullptr);
  EXPECT_STREQ((*error)["expression"][0].GetString(), "Bundle.entry[0].resource.gender");
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(response.entries(i).outcome(), v1::EntryOutcome::REJECTED);
  }
  EXPECT_TRUE(client.Pull().empty());
}

}  // namespace
}  // namespace trialgate::testing
