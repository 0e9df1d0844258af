// Issue 16 point 1 through the real `trialgate serve`: a consent, contacts and a death by FHIR
// over gRPC, a death by HL7 v2 (PID-29) over MLLP with `trialgate hl7 send`; the events come out
// of the feed with the day only, and the timeline ends the course at the death.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/fhir_resources.h"
#include "tests/support/gateway_harness.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using schedule::Date;

const Date kC1D1(2026, 3, 2);
const Date kDeath = kC1D1 + 9;  // cycle 1 day 10
constexpr double kBsa = 1.8181;

constexpr char kSites[] = R"({"sites": [{"id": "site-a",
  "systems": ["hospital-a", "LIS@HOSPA", "PHARM@HOSPA"]}]})";

std::string ConsentOf(const std::string& patient, Date date) {
  return absl::StrCat(R"({"resourceType": "Consent", "id": "consent-1", "status": "active",
    "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]},
    "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
    "patient": {"reference": ")", patient, R"("}, "dateTime": ")", fhir::Morning(date), R"("})");
}

std::string EncounterOf(const std::string& id, const std::string& patient, Date date) {
  return absl::StrCat(R"({"resourceType": "Encounter", "id": ")", id, R"(", "status": "finished",
    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
    "subject": {"reference": ")", patient, R"("}, "period": {"start": ")", fhir::Morning(date),
                      R"("}})");
}

// The Patient of pt-2001 with its name, MRN and birth date, dead on kDeath.
constexpr char kDeadPatient[] = R"({"resourceType": "Patient", "id": "pt-2001",
  "identifier": [{"system": "urn:oid:1.2.3.4", "value": "MRN-552211"}],
  "name": [{"family": "Sterbfall", "given": ["Ilse"]}], "birthDate": "1949-11-30",
  "deceasedDateTime": "2026-03-11T16:45:00+01:00"})";

// An ORU^R01 about the patient HOSPA knows as KRD-001-0002 (enrolled as KRD-001-0005 by
// tests/hl7v2/testdata/enrol-hl7-patient.json) whose PID reports a death on 2026-03-20.
std::string OruWithDeath() {
  return "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|202603210900+0100||ORU^R01^ORU_R01|DEATH-1|P|2.5.1\r"
         "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR||Muster^Erika||19600812|F"
         "|||||||||||||||||||||20260320083000+0100|Y\r"
         "OBR|1|ORD-D1|FIL-D1|26499-4^Neutrophils^LN|||202603190715+0100\r"
         "OBX|1|NM|751-8^Neutrophils^LN||1.2|x10E9/L^^L|1.8-7.7|L|||F|||202603190730+0100\r";
}

// The timeline of subject KRD-002-0001 (pt-2001) as Study.GetTimeline answers it.
bool GetTimeline(GatewayClient& client, v1::Timeline* timeline) {
  auto study = v1::Study::NewStub(client.channel());
  v1::GetTimelineRequest request;
  request.set_subject_id(fhir::kSubject);
  grpc::ClientContext context;
  return study->GetTimeline(&context, request, timeline).ok();
}

TEST(DeathTest, ConsentContactsAndDeathsByGrpcAndMllpReachTheFeedAndEndTheCourse) {
  TempDir dir;
  const std::filesystem::path config = dir.path() / "gateway.json";
  std::ofstream(config) << kSites;
  GatewayProcess server(dir.path() / "data", dir.path() / "gateway.log", config);
  ASSERT_FALSE(server.mllp_address().empty()) << ReadFile(dir.path() / "gateway.log");
  GatewayClient client(server.address());

  // Subject KRD-002-0001 (Patient/pt-2001) by FHIR over gRPC: consent, enrolment, cycle 1 up to
  // the day of death (day 10), a clinic visit on day 6.
  // (The enrolment first: an entry can only be about a patient enrolled by then.)
  std::vector<std::string> resources = {fhir::EnrolPt2001(kC1D1 - 7),
                                        ConsentOf("Patient/pt-2001", kC1D1 - 10),
                                        fhir::Height(kC1D1 - 3, 170),
                                        fhir::Weight(kC1D1 - 3, 70),
                                        EncounterOf("enc-1", "Patient/pt-2001", kC1D1 + 5)};
  std::vector<std::pair<std::string, int>> after_death;
  for (int day = 11; day <= 28; ++day) {
    for (const char* agent : {"carfilzomib", "lenalidomide", "dexamethasone"}) {
      after_death.emplace_back(agent, day);
    }
  }
  for (std::string& dose : fhir::KrdCycle(1, kC1D1, kBsa, after_death)) {
    resources.push_back(std::move(dose));
  }
  const v1::SubmitResponse course = client.SubmitOk(fhir::Batch(resources));
  for (const v1::EntryOutcome& entry : course.entries()) {
    ASSERT_EQ(entry.outcome(), v1::EntryOutcome::ACCEPTED) << entry.operation_outcome();
  }
  v1::SubmitResponse died = client.SubmitOk(kDeadPatient);
  ASSERT_EQ(died.entries_size(), 1);
  ASSERT_EQ(died.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
      << died.entries(0).operation_outcome();
  ASSERT_EQ(died.entries(0).event_ids_size(), 1);
  // Sent again: the same event, a duplicate.
  v1::SubmitResponse again = client.SubmitOk(kDeadPatient);
  ASSERT_EQ(again.entries_size(), 1);
  EXPECT_EQ(again.entries(0).outcome(), v1::EntryOutcome::DUPLICATE);
  EXPECT_EQ(again.entries(0).event_ids(0), died.entries(0).event_ids(0));

  // Subject KRD-001-0005 by HL7 v2 over MLLP: the lab's ORU^R01 reports the death in PID-29/30.
  ASSERT_EQ(client.SubmitOk(ReadFile(std::string(TRIALGATE_SOURCE_DIR) +
                                     "/tests/hl7v2/testdata/enrol-hl7-patient.json"))
                .entries(0)
                .outcome(),
            v1::EntryOutcome::ACCEPTED);
  const std::filesystem::path oru = dir.path() / "death.hl7";
  std::ofstream(oru, std::ios::binary) << OruWithDeath();
  CliRun sent = RunCli("hl7 send --target " + server.mllp_address() + " " + oru.string());
  ASSERT_EQ(sent.exit_code, 0) << (sent.lines.empty() ? "" : sent.lines[0]);
  ASSERT_EQ(sent.lines.size(), 1u);
  EXPECT_THAT(sent.lines[0], HasSubstr(R"("ack":"AA")"));

  // The feed: each death once, the day only, of the right subject; the consent and the contact.
  int deaths = 0, consents = 0, contacts = 0;
  for (const v1::Event& event : client.Pull()) {
    const std::string bytes = event.SerializeAsString();
    for (const char* personal : {"pt-2001", "MRN-552211", "Sterbfall", "1949-11-30", "16:45",
                                 "Muster", "19600812", "08:30"}) {
      EXPECT_THAT(bytes, Not(HasSubstr(personal))) << event.DebugString();
    }
    if (event.has_subject_died()) {
      ++deaths;
      if (event.subject_id() == fhir::kSubject) {
        EXPECT_EQ(event.subject_died().date(), "2026-03-11");
        EXPECT_EQ(event.subject_died().reported_as(), "Patient.deceasedDateTime");
        EXPECT_EQ(event.occurred_at_fhir(), "2026-03-11");
      } else {
        EXPECT_EQ(event.subject_id(), "KRD-001-0005");
        EXPECT_EQ(event.subject_died().date(), "2026-03-20");
        EXPECT_EQ(event.subject_died().reported_as(), "PID-29");
        EXPECT_EQ(event.source().system(), "LIS@HOSPA");
      }
    }
    if (event.has_consent_recorded()) {
      ++consents;
      EXPECT_EQ(event.consent_recorded().date(), "2026-02-20");
      EXPECT_EQ(event.consent_recorded().status(), "active");
    }
    if (event.has_contact_recorded()) {
      ++contacts;
      EXPECT_EQ(event.contact_recorded().date(), "2026-03-07");
      EXPECT_EQ(event.contact_recorded().encounter_class().code(), "AMB");
    }
  }
  EXPECT_EQ(deaths, 2);
  EXPECT_EQ(consents, 1);
  EXPECT_EQ(contacts, 1);

  // The timeline (today, long after): off study since the day after the death, nothing missed
  // after it, the new events placed.
  v1::Timeline timeline;
  ASSERT_TRUE(GetTimeline(client, &timeline));
  EXPECT_EQ(timeline.current_phase(), "off_study");
  for (const v1::TimelineFinding& finding : timeline.findings()) {
    EXPECT_LE(finding.date(), "2026-03-11") << finding.finding().text();
    EXPECT_NE(finding.finding().code(), "DOSE_MISSED") << finding.finding().text();
  }
  std::vector<std::string> kinds;
  for (const v1::TimelineEvent& event : timeline.events()) {
    if (event.kind() == "consent_recorded" || event.kind() == "contact_recorded" ||
        event.kind() == "subject_died") {
      kinds.push_back(event.kind() + " " + event.date());
    }
  }
  EXPECT_THAT(kinds, ::testing::ElementsAre("consent_recorded 2026-02-20",
                                            "contact_recorded 2026-03-07",
                                            "subject_died 2026-03-11"));
}

// Hospitals send "deceasedBoolean": false on every Patient update. Through the real server: with
// no earlier version of the Patient stored it withdraws nothing and nothing reaches the feed;
// after a death from the same system it withdraws the death, once, and the course goes on.
TEST(DeathTest, NotDeceasedReachesTheFeedOnlyToWithdrawAnEarlierDeath) {
  TempDir dir;
  const std::filesystem::path config = dir.path() / "gateway.json";
  std::ofstream(config) << kSites;
  GatewayProcess server(dir.path() / "data", dir.path() / "gateway.log", config);
  GatewayClient client(server.address());
  ASSERT_EQ(client.SubmitOk(fhir::EnrolPt2001(kC1D1 - 7)).entries(0).outcome(),
            v1::EntryOutcome::ACCEPTED);
  auto alive = [](const std::string& city) {
    return absl::StrCat(R"({"resourceType": "Patient", "id": "pt-2001",
      "identifier": [{"system": "urn:oid:1.2.3.4", "value": "MRN-552211"}],
      "name": [{"family": "Sterbfall", "given": ["Ilse"]}], "deceasedBoolean": false,
      "address": [{"city": ")", city, R"("}]})");
  };
  auto deaths_in_feed = [&client] {
    std::vector<std::string> deaths;
    for (const v1::Event& event : client.Pull()) {
      if (!event.has_subject_died()) continue;
      EXPECT_EQ(event.subject_id(), fhir::kSubject);
      deaths.push_back(event.subject_died().withdrawn() ? "withdrawn"
                                                        : event.subject_died().date());
    }
    return deaths;
  };

  for (const char* city : {"Basel", "Bern"}) {  // two updates, neither stored
    const v1::SubmitResponse update = client.SubmitOk(alive(city));
    ASSERT_EQ(update.entries(0).outcome(), v1::EntryOutcome::ACCEPTED)
        << update.entries(0).operation_outcome();
    EXPECT_EQ(update.entries(0).event_ids_size(), 0);
  }
  EXPECT_THAT(deaths_in_feed(), ::testing::IsEmpty());

  ASSERT_EQ(client.SubmitOk(kDeadPatient).entries(0).event_ids_size(), 1);
  const v1::SubmitResponse corrected = client.SubmitOk(alive("Bern"));
  ASSERT_EQ(corrected.entries(0).outcome(), v1::EntryOutcome::ACCEPTED);
  EXPECT_EQ(corrected.entries(0).event_ids_size(), 1);
  EXPECT_EQ(client.SubmitOk(alive("Bern")).entries(0).outcome(), v1::EntryOutcome::DUPLICATE);
  EXPECT_THAT(deaths_in_feed(), ::testing::ElementsAre("2026-03-11", "withdrawn"));

  v1::Timeline timeline;
  ASSERT_TRUE(GetTimeline(client, &timeline));
  EXPECT_NE(timeline.current_phase(), "off_study");
}

}  // namespace
}  // namespace trialgate::testing
