// Issue 13 point 8: one subject's course sent once as HL7 v2 over MLLP and once as FHIR over
// gRPC gives the same protocol timeline and the same findings.
//
// The course is written down once, channel-neutrally (Course() below: which dose of which agent
// on which cycle day, given whole, in part or refused, and which lab results with one
// correction). Two independent writers render it: HL7 v2 messages as a pharmacy (RAS^O17) and a
// laboratory (ORU^R01) send them, by HL7 v2.5.1 chapters 4 and 7, and FHIR R4 resources as an EHR
// sends them, by the FHIR R4 MedicationAdministration and Observation pages. Neither calls the
// converter: the point is that the two channels agree. Subject A's messages go over a real MLLP
// connection to the gateway's listener, subject B's resources over gRPC Submit; both subjects
// belong to one site whose HL7 systems and FHIR source are configured as one, in one time zone.
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gateway/cli/mllp_client.h"
#include "gateway/hl7v2/ack.h"
#include "gateway/schedule/calendar.h"
#include "gateway/schedule/finding_codes.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/manual_clock.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::Contains;
using schedule::Date;

const Date kC1D1(2026, 1, 5);  // cycle 1 day 1, a Monday in January (Central European Time)
constexpr char kSite[] = "site-a";
constexpr char kZone[] = "Europe/Berlin";
constexpr char kFhirSource[] = "hospital-a";
// The hospital's patient identifiers: assigning authority HOSPA with this ISO OID.
constexpr char kOid[] = "1.2.276.0.76.4.8";

// ---------------------------------------------------------------------------------------------
// The course, channel-neutral.

enum class Given { kWhole, kPartial, kRefused };

struct Administration {
  std::string agent;     // carfilzomib, lenalidomide, dexamethasone
  int day;               // the cycle day it was given on (or refused on)
  int hour, minute;      // local (site) time
  int infusion_minutes;  // > 0: an IV infusion with a start and an end
  std::string amount;    // as the pharmacy records it
  std::string unit;      // UCUM: mg or mg/m2
  Given given = Given::kWhole;
  // A record that amends an earlier one (its 1-based number in Course::doses): replaces it
  // (kUpdate) or withdraws it (kDelete), made `delay_minutes` after the dose.
  enum class Action { kAdd, kUpdate, kDelete };
  Action action = Action::kAdd;
  int amends = 0;
  int delay_minutes = 0;
};

struct Result {
  std::string order;     // the laboratory's (filler) order number
  std::string loinc;
  std::string name;
  int day;               // relative to cycle 1 day 1 (1 = C1D1, 0 = the day before)
  int hour, minute;
  std::string value;
  std::string ucum;
  std::string low, high;  // reference range, or empty
  std::string flag;       // HL7 table 0078 = v3 ObservationInterpretation: N, L, H, or empty
  bool correction = false;
};

struct Course {
  std::vector<Administration> doses;
  std::vector<Result> results;  // in the order they are reported
};

// A faithful, compact slice of KRd cycle 1 (schedule.json, phase reinduction: carfilzomib
// 27 mg/m2 IV days 1, 2, 8, 9, 15, 16; lenalidomide 25 mg oral days 1-21; dexamethasone 40 mg
// days 1, 8, 15, 22) for a patient of 170 cm and 70 kg (BSA 1.8181 m2, 27 mg/m2 = 49.1 mg), with:
//   - carfilzomib day 1 recorded per m2 (27 mg/m2), the others in mg (49 mg);
//   - carfilzomib day 8 partially administered: 20 mg before the infusion was stopped (PA);
//   - carfilzomib day 15 never reported;
//   - lenalidomide day 5 refused by the patient (RE, with a reason);
//   - dexamethasone day 22 given a day late, on day 23;
//   - lenalidomide day 12 first recorded as 15 mg, updated to 25 mg the next day;
//   - a dexamethasone dose recorded on day 2 by mistake and deleted two hours later;
//   - height and weight before day 1, neutrophils on days 1 and 15 (day 15 corrected later from
//     0.8 to 1.1), serum M-protein before day 1 and on day 22.
Course KrdCycleOne() {
  Course course;
  course.results = {
      {"VIT-1", "8302-2", "Body height", -2, 10, 0, "170", "cm", "", "", ""},
      {"VIT-2", "29463-7", "Body weight", -2, 10, 5, "70", "kg", "", "", ""},
      {"SPEP-1", "33358-3", "Protein.monoclonal [Mass/volume] in Serum or Plasma", -2, 8, 10,
       "2.40", "g/dL", "", "", ""},
      {"CBC-1", "751-8", "Neutrophils [#/volume] in Blood", 1, 7, 30, "2.1", "10*9/L", "1.8",
       "7.7", "N"},
  };
  for (int day = 1; day <= 23; ++day) {
    for (int k : {1, 2, 8, 9, 15, 16}) {
      if (day != k || day == 15) continue;
      Administration dose{"carfilzomib", day, 9, 0, 30, "49", "mg"};
      if (day == 1) dose.amount = "27", dose.unit = "mg/m2";
      if (day == 8) dose.amount = "20", dose.infusion_minutes = 12, dose.given = Given::kPartial;
      course.doses.push_back(dose);
    }
    if (day <= 21) {
      Administration dose{"lenalidomide", day, 8, 0, 0, "25", "mg"};
      if (day == 5) dose.amount = "0", dose.given = Given::kRefused;
      course.doses.push_back(dose);
    }
    if (day == 1 || day == 8 || day == 15 || day == 23) {
      course.doses.push_back({"dexamethasone", day, 8, 30, 0, "40", "mg"});
    }
  }
  for (size_t i = 0; i < course.doses.size(); ++i) {
    Administration& dose = course.doses[i];
    if (dose.agent != "lenalidomide" || dose.day != 12) continue;
    Administration update = dose;
    dose.amount = "15";
    update.action = Administration::Action::kUpdate;
    update.amends = static_cast<int>(i) + 1;
    update.delay_minutes = 24 * 60;
    course.doses.push_back(update);
    break;
  }
  course.doses.push_back({"dexamethasone", 2, 8, 30, 0, "40", "mg"});
  Administration withdrawal = course.doses.back();
  withdrawal.action = Administration::Action::kDelete;
  withdrawal.amends = static_cast<int>(course.doses.size());
  withdrawal.delay_minutes = 120;
  course.doses.push_back(withdrawal);
  course.results.push_back({"CBC-2", "751-8", "Neutrophils [#/volume] in Blood", 15, 7, 30,
                            "0.8", "10*9/L", "1.8", "7.7", "L"});
  course.results.push_back({"SPEP-2", "33358-3",
                            "Protein.monoclonal [Mass/volume] in Serum or Plasma", 22, 8, 10,
                            "1.60", "g/dL", "", "", ""});
  // The laboratory corrects day 15's count a day later.
  course.results.push_back({"CBC-2", "751-8", "Neutrophils [#/volume] in Blood", 15, 7, 30,
                            "1.1", "10*9/L", "1.8", "7.7", "L", /*correction=*/true});
  return course;
}

// The study agents by WHO ATC (HL7 table 0396 "WC").
std::string Atc(const std::string& agent) {
  if (agent == "carfilzomib") return "L01XG02";
  if (agent == "lenalidomide") return "L04AX04";
  return "H02AB02";  // dexamethasone
}
bool Intravenous(const Administration& dose) { return dose.agent == "carfilzomib"; }

// SNOMED CT "Refusal of treatment by patient (situation)".
constexpr char kRefusedCode[] = "105480006";
constexpr char kRefusedDisplay[] = "Refusal of treatment by patient";

absl::CivilMinute LocalTime(int day, int hour, int minute) {
  const Date date = kC1D1 + (day - 1);
  return absl::CivilMinute(date.year(), date.month(), date.day(), hour, minute);
}

// When each item is reported: a dose when it ends, a result two hours after the sample, its
// correction a day later. Both channels send the course in this order.
absl::CivilMinute ReportedAt(const Administration& dose) {
  return LocalTime(dose.day, dose.hour, dose.minute) + dose.infusion_minutes + dose.delay_minutes;
}
absl::CivilMinute ReportedAt(const Result& result) {
  return LocalTime(result.day, result.hour, result.minute) + 120 + (result.correction ? 24 * 60 : 0);
}

// `items` (time reported, text) in the order they were reported.
std::vector<std::string> InReportingOrder(
    std::vector<std::pair<absl::CivilMinute, std::string>> items) {
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [when, text] : items) out.push_back(std::move(text));
  return out;
}

// ---------------------------------------------------------------------------------------------
// HL7 v2: what the pharmacy (PHARM@HOSPA) and the laboratory (LIS@HOSPA) send for one patient.
// Times without an offset (local time at the site), as these systems commonly write them.

std::string Segment(std::vector<std::string> fields) { return absl::StrJoin(fields, "|") + "\r"; }

std::string Dtm(absl::CivilMinute t) {
  return absl::StrFormat("%04d%02d%02d%02d%02d", t.year(), t.month(), t.day(), t.hour(),
                         t.minute());
}

std::string Msh(const std::string& application, const std::string& type,
                const std::string& control_id, absl::CivilMinute sent) {
  return Segment({"MSH", "^~\\&", application, "HOSPA", "TRIALGATE", "KRD", Dtm(sent), "", type,
                  control_id, "P", "2.5.1"});
}

std::string Pid(const std::string& mrn) {
  return Segment({"PID", "1", "", absl::StrCat(mrn, "^^^HOSPA&", kOid, "&ISO^MR"), "",
                  "Muster^Erika", "", "19600812", "F"});
}

std::vector<std::string> Hl7Messages(const Course& course, const std::string& mrn) {
  std::vector<std::pair<absl::CivilMinute, std::string>> messages;
  int n = 0;
  for (const Administration& dose : course.doses) {
    ++n;
    const absl::CivilMinute start = LocalTime(dose.day, dose.hour, dose.minute);
    const absl::CivilMinute end = start + dose.infusion_minutes;
    // An update or a delete names the order of the administration it amends (ORC-2/3) with the
    // same RXA-1/RXA-2, and says what it does in RXA-21.
    const std::string order = absl::StrCat("RX-", mrn, "-", dose.amends > 0 ? dose.amends : n);
    // RXA: 1 give sub-id, 2 administration sub-id, 3 start, 4 end, 5 code, 6 amount, 7 units,
    // 8-17 (not used here), 18 substance/treatment refusal reason, 19 indication,
    // 20 completion status (table 0322), 21 action code (table 0323).
    std::vector<std::string> rxa(22);
    rxa[0] = "RXA";
    rxa[1] = "0";
    rxa[2] = "1";
    rxa[3] = Dtm(start);
    rxa[4] = Dtm(end);
    rxa[5] = absl::StrCat(Atc(dose.agent), "^", dose.agent, "^WC");
    rxa[6] = dose.amount;
    rxa[7] = absl::StrCat(dose.unit, "^^UCUM");
    if (dose.given == Given::kRefused) {
      rxa[18] = absl::StrCat(kRefusedCode, "^", kRefusedDisplay, "^SCT");
    }
    rxa[20] = dose.given == Given::kWhole ? "CP" : dose.given == Given::kPartial ? "PA" : "RE";
    rxa[21] = dose.action == Administration::Action::kAdd      ? "A"
              : dose.action == Administration::Action::kUpdate ? "U"
                                                               : "D";
    messages.emplace_back(ReportedAt(dose), absl::StrCat(
        Msh("PHARM", "RAS^O17^RAS_O17", absl::StrCat("RAS-", mrn, "-", n), ReportedAt(dose)),
        Pid(mrn),
        Segment({"ORC", "RE", absl::StrCat(order, "^PHARM"), absl::StrCat(order, "^PHARM")}),
        Segment(rxa),
        Intravenous(dose) ? Segment({"RXR", "IV^Intravenous^HL70162"})
                          : Segment({"RXR", "PO^Oral^HL70162"})));
  }
  int m = 0;
  for (const Result& result : course.results) {
    ++m;
    const absl::CivilMinute taken = LocalTime(result.day, result.hour, result.minute);
    const std::string range = result.low.empty() ? "" : absl::StrCat(result.low, "-", result.high);
    messages.emplace_back(ReportedAt(result), absl::StrCat(
        Msh("LIS", "ORU^R01^ORU_R01", absl::StrCat("ORU-", mrn, "-", m), ReportedAt(result)),
        Pid(mrn),
        Segment({"OBR", "1", absl::StrCat(result.order, "^LIS"), absl::StrCat(result.order, "^LIS"),
                 absl::StrCat(result.loinc, "^", result.name, "^LN"), "", "", Dtm(taken)}),
        Segment({"OBX", "1", "NM", absl::StrCat(result.loinc, "^", result.name, "^LN"), "",
                 result.value, absl::StrCat(result.ucum, "^^UCUM"), range, result.flag, "", "",
                 result.correction ? "C" : "F", "", "", Dtm(taken)})));
  }
  return InReportingOrder(std::move(messages));
}

// ---------------------------------------------------------------------------------------------
// FHIR R4: what the EHR (source "hospital-a") sends for one patient, naming it by identifier.
// January in Central Europe is UTC+01:00.

std::string FhirTime(absl::CivilMinute t) {
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:00+01:00", t.year(), t.month(), t.day(),
                         t.hour(), t.minute());
}

std::string PatientIdentifier(const std::string& mrn) {
  return absl::StrCat(R"({"identifier": {"system": "urn:oid:)", kOid, R"(", "value": ")", mrn,
                      R"("}})");
}

std::vector<std::string> FhirResources(const Course& course, const std::string& mrn) {
  std::vector<std::pair<absl::CivilMinute, std::string>> resources;
  int n = 0;
  std::map<std::string, int> versions;
  for (const Administration& dose : course.doses) {
    ++n;
    // An amendment is a new version of the same resource; a withdrawal has the status
    // entered-in-error (FHIR R4 medication-admin-status).
    const std::string id = absl::StrCat("ma-", mrn, "-", dose.amends > 0 ? dose.amends : n);
    const int version = ++versions[id];
    const absl::CivilMinute start = LocalTime(dose.day, dose.hour, dose.minute);
    std::string effective =
        dose.infusion_minutes > 0
            ? absl::StrCat(R"("effectivePeriod": {"start": ")", FhirTime(start), R"(", "end": ")",
                           FhirTime(start + dose.infusion_minutes), R"("})")
            : absl::StrCat(R"("effectiveDateTime": ")", FhirTime(start), R"(")");
    const std::string route =
        Intravenous(dose)
            ? R"({"coding": [{"system": "http://snomed.info/sct", "code": "47625008", "display": "Intravenous route"}]})"
            : R"({"coding": [{"system": "http://snomed.info/sct", "code": "26643006", "display": "Oral route"}]})";
    // A partial administration is "completed" with the amount that was given (FHIR R4 has no
    // partial status); a refused one is "not-done" with a statusReason and no dosage.
    std::string status_and_dosage =
        dose.given == Given::kRefused
            ? absl::StrCat(R"("status": "not-done", "statusReason": [{"coding": [{"system": "http://snomed.info/sct", "code": ")",
                           kRefusedCode, R"(", "display": ")", kRefusedDisplay, R"("}]}])")
            : absl::StrCat(R"("status": ")",
                           dose.action == Administration::Action::kDelete ? "entered-in-error"
                                                                          : "completed",
                           R"(", "dosage": {"route": )", route,
                           R"(, "dose": {"value": )", dose.amount, R"(, "unit": ")", dose.unit,
                           R"(", "system": "http://unitsofmeasure.org", "code": ")", dose.unit,
                           R"("}})");
    resources.emplace_back(ReportedAt(dose), absl::StrCat(
        R"({"resourceType": "MedicationAdministration", "id": ")", id,
        R"(", "meta": {"versionId": ")", version, R"("}, )",
        status_and_dosage, R"(, "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": ")",
        Atc(dose.agent), R"(", "display": ")", dose.agent, R"("}]}, "subject": )",
        PatientIdentifier(mrn), ", ", effective, "}"));
  }
  for (const Result& result : course.results) {
    const int version = ++versions[result.order];
    const absl::CivilMinute taken = LocalTime(result.day, result.hour, result.minute);
    std::string extras;
    if (!result.low.empty()) {
      extras += absl::StrCat(R"(, "referenceRange": [{"low": {"value": )", result.low,
                             R"(, "unit": ")", result.ucum,
                             R"(", "system": "http://unitsofmeasure.org", "code": ")", result.ucum,
                             R"("}, "high": {"value": )", result.high, R"(, "unit": ")", result.ucum,
                             R"(", "system": "http://unitsofmeasure.org", "code": ")", result.ucum,
                             R"("}}])");
    }
    if (!result.flag.empty()) {
      extras += absl::StrCat(
          R"(, "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": ")",
          result.flag, R"("}]}])");
    }
    resources.emplace_back(ReportedAt(result), absl::StrCat(
        R"({"resourceType": "Observation", "id": "obs-)", mrn, "-", result.order,
        R"(", "meta": {"versionId": ")", version, R"("}, "status": ")",
        result.correction ? "corrected" : "final",
        R"(", "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],)",
        R"( "code": {"coding": [{"system": "http://loinc.org", "code": ")", result.loinc,
        R"(", "display": ")", result.name, R"("}]}, "subject": )", PatientIdentifier(mrn),
        R"(, "effectiveDateTime": ")", FhirTime(taken), R"(", "valueQuantity": {"value": )",
        result.value, R"(, "unit": ")", result.ucum,
        R"(", "system": "http://unitsofmeasure.org", "code": ")", result.ucum, R"("})", extras,
        "}"));
  }
  return InReportingOrder(std::move(resources));
}

std::string Enrolment(const std::string& subject, const std::string& mrn) {
  return absl::StrCat(R"({"resourceType": "ResearchSubject", "id": "rs-)", mrn, R"(",
    "identifier": [{"system": "urn:trialgate:krd-asct2:subject", "value": ")", subject, R"("}],
    "status": "on-study", "period": {"start": ")", schedule::FormatDate(kC1D1 - 7), R"("},
    "study": {"reference": "ResearchStudy/krd-asct2"}, "individual": )",
                      PatientIdentifier(mrn), "}");
}

// ---------------------------------------------------------------------------------------------
// Comparing two timelines, ignoring what names the subject, the events and their sources.

// A channel-neutral name for each of a timeline's events: a dose by its agent, slot and status;
// any other event by its kind, date and position.
std::map<std::string, std::string> EventLabels(const v1::Timeline& timeline) {
  std::map<std::string, std::string> labels;
  auto label_dose = [&](const v1::TimelineDose& dose) {
    if (!dose.event_id().empty()) {
      labels[dose.event_id()] =
          absl::StrCat("dose ", dose.agent(), " day ", dose.day(), " ", dose.date(), " ",
                       dose.status());
    }
  };
  for (const v1::TimelinePhase& phase : timeline.phases()) {
    for (const v1::TimelineCycle& cycle : phase.cycles()) {
      for (const v1::TimelineDose& dose : cycle.doses()) label_dose(dose);
    }
    for (const v1::TimelineDose& dose : phase.doses()) label_dose(dose);
  }
  for (const v1::TimelineEvent& event : timeline.events()) {
    if (labels.count(event.event_id())) continue;
    labels[event.event_id()] = absl::StrCat(event.kind(), " ", event.date(), " ",
                                            event.position().ShortDebugString());
  }
  return labels;
}

v1::Timeline Normalised(v1::Timeline timeline) {
  const std::map<std::string, std::string> labels = EventLabels(timeline);
  auto relabel = [&](std::string* id) {
    if (id->empty()) return;
    auto it = labels.find(*id);
    *id = it == labels.end() ? "(unknown event)" : it->second;
  };
  timeline.clear_subject_id();
  for (v1::TimelinePhase& phase : *timeline.mutable_phases()) {
    for (v1::TimelineCycle& cycle : *phase.mutable_cycles()) {
      for (v1::TimelineDose& dose : *cycle.mutable_doses()) relabel(dose.mutable_event_id());
    }
    for (v1::TimelineDose& dose : *phase.mutable_doses()) relabel(dose.mutable_event_id());
    relabel(phase.mutable_response_event_id());
    relabel(phase.mutable_transplant_event_id());
    for (std::string& id : *phase.mutable_harvest_event_ids()) relabel(&id);
  }
  for (v1::TimelineEvent& event : *timeline.mutable_events()) relabel(event.mutable_event_id());
  // What the labs derive names the lab events it rests on.
  for (v1::TimelineResponse& response : *timeline.mutable_responses()) {
    relabel(response.mutable_event_id());
    for (std::string& id : *response.mutable_response()->mutable_evidence_event_ids()) relabel(&id);
  }
  for (v1::TimelineToxicity& toxicity : *timeline.mutable_toxicities()) {
    relabel(toxicity.mutable_event_id());
    relabel(toxicity.mutable_lab()->mutable_lab_event_id());
  }
  relabel(timeline.mutable_new_therapy_event_id());
  for (v1::TimelineFinding& finding : *timeline.mutable_findings()) {
    // The key is CODE|anchor|SEVERITY; an anchor that is a source resource
    // (system/ResourceType/id) names the channel and the sender's id: it becomes the event's label.
    std::vector<std::string> parts = absl::StrSplit(finding.key(), '|');
    if (parts.size() == 3 && absl::StrContains(parts[1], "/MedicationAdministration/")) {
      parts[1] = labels.count(finding.event_id()) ? labels.at(finding.event_id()) : "?";
      finding.set_key(absl::StrJoin(parts, "|"));
    }
    relabel(finding.mutable_event_id());
  }
  // Both lists are ordered with the ids as the last key: order them by the labels instead.
  std::sort(timeline.mutable_events()->begin(), timeline.mutable_events()->end(),
            [](const v1::TimelineEvent& a, const v1::TimelineEvent& b) {
              return std::tie(a.date(), a.event_id()) < std::tie(b.date(), b.event_id());
            });
  std::sort(timeline.mutable_findings()->begin(), timeline.mutable_findings()->end(),
            [](const v1::TimelineFinding& a, const v1::TimelineFinding& b) {
              return std::tie(a.date(), a.key()) < std::tie(b.date(), b.key());
            });
  return timeline;
}

// What an event says, without its ids, subject and source: the payload's meaning (codes,
// normalised values, statuses, times) and the codes of the data-quality notes on it.
std::string Meaning(const v1::Event& event) {
  std::vector<std::string> notes;
  for (const v1::Finding& finding : event.findings()) {
    notes.push_back(absl::StrCat(finding.code(), "/", v1::Finding::Severity_Name(finding.severity())));
  }
  std::sort(notes.begin(), notes.end());
  std::string what;
  if (event.has_dose_administered()) {
    const v1::DoseAdministered& d = event.dose_administered();
    what = absl::StrCat("dose agent=", d.agent(), " study_drug=", d.study_drug(), " medication=",
                        d.medication().system(), "|", d.medication().code(),
                        " status=", v1::DoseAdministered::Status_Name(d.status()),
                        " dose=", d.dose().value_decimal(), " ", d.dose().unit(),
                        " per_m2=", d.dose_per_m2().value_decimal(), " ", d.dose_per_m2().unit(),
                        " sent=", d.dose_as_sent().value_decimal(), " ", d.dose_as_sent().unit(),
                        " route=", d.route(), " reason=", d.status_reason(), " reason_code=",
                        d.status_reason_code().system(), "|", d.status_reason_code().code(),
                        " end=", d.effective_end().ShortDebugString());
  } else if (event.has_lab_result()) {
    const v1::LabResult& l = event.lab_result();
    what = absl::StrCat("lab analyte=", l.analyte(), " code=", l.code().system(), "|",
                        l.code().code(), " value=", l.value_decimal(), " ", l.unit(),
                        " sent=", l.value_as_sent().value_decimal(), " ",
                        l.value_as_sent().unit(), " range=", l.reference_range().low_decimal(),
                        "..", l.reference_range().high_decimal(), " ",
                        l.reference_range().unit(), " interpretation=", l.interpretation(),
                        " status=", l.status());
  } else {
    what = event.ShortDebugString();
    return what;  // enrolment: not sent by both channels
  }
  return absl::StrCat(what, " at=", event.occurred_at().seconds(), " notes=",
                      absl::StrJoin(notes, ","));
}

// ---------------------------------------------------------------------------------------------

class SameCourseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(absl::FromCivil(absl::CivilSecond(kToday.year(), kToday.month(), kToday.day(), 12,
                                                 0, 0),
                               absl::UTCTimeZone()));
    config::Config config;
    // The laboratory, the pharmacy and the EHR of one hospital are one site, in one zone.
    config.site_by_system = {{kFhirSource, kSite}, {"LIS@HOSPA", kSite}, {"PHARM@HOSPA", kSite}};
    config.time_zone_by_site[kSite] = kZone;
    server_ = StartInProcess(dir_.path(), std::move(config), clock_);
    ASSERT_NE(server_, nullptr);
    ASSERT_FALSE(server_->mllp_address().empty());
    client_ = std::make_unique<GatewayClient>(server_->address());
    study_ = v1::Study::NewStub(client_->channel());
  }

  void Submit(const std::string& resource) {
    v1::SubmitResponse response = client_->SubmitOk(resource, kFhirSource);
    ASSERT_EQ(response.entries_size(), 1);
    ASSERT_NE(response.entries(0).outcome(), v1::EntryOutcome::REJECTED)
        << response.entries(0).operation_outcome() << "\n" << resource;
  }

  // Sends every message over one MLLP connection, each acknowledged before the next.
  void SendOverMllp(const std::vector<std::string>& messages) {
    cli::MllpClientOptions options;
    options.target = server_->mllp_address();
    options.timeout = absl::Seconds(60);
    absl::StatusOr<std::unique_ptr<cli::MllpClient>> connection = cli::MllpClient::Connect(options);
    ASSERT_TRUE(connection.ok()) << connection.status();
    for (const std::string& message : messages) {
      absl::StatusOr<std::string> answer = (*connection)->Exchange(message);
      ASSERT_TRUE(answer.ok()) << answer.status();
      absl::StatusOr<hl7v2::AckReport> ack = hl7v2::ReadAck(*answer);
      ASSERT_TRUE(ack.ok()) << ack.status() << "\n" << *answer;
      ASSERT_EQ(ack->code, "AA") << *answer << "\nfor\n" << message;
    }
  }

  v1::Timeline Timeline(const std::string& subject) {
    v1::GetTimelineRequest request;
    request.set_subject_id(subject);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::Timeline timeline;
    grpc::Status status = study_->GetTimeline(&context, request, &timeline);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return timeline;
  }

  // The meaning of each current event of the subject (those its timeline places), sorted.
  std::vector<std::string> CurrentEventMeanings(const v1::Timeline& timeline,
                                                const std::vector<v1::Event>& feed) {
    std::set<std::string> current;
    for (const v1::TimelineEvent& event : timeline.events()) current.insert(event.event_id());
    std::vector<std::string> meanings;
    for (const v1::Event& event : feed) {
      if (event.subject_id() != timeline.subject_id() || !current.count(event.event_id())) continue;
      if (event.has_enrollment_changed()) continue;  // both enrolled the same way, by FHIR
      meanings.push_back(Meaning(event));
    }
    std::sort(meanings.begin(), meanings.end());
    return meanings;
  }

  static const v1::TimelineDose* Slot(const v1::Timeline& timeline, const std::string& agent,
                                      int day) {
    for (const v1::TimelineDose& dose : timeline.phases(0).cycles(0).doses()) {
      if (dose.agent() == agent && dose.day() == day) return &dose;
    }
    return nullptr;
  }

  static bool HasFinding(const v1::Timeline& timeline, const std::string& code,
                         v1::Finding::Severity severity, int day) {
    for (const v1::TimelineFinding& finding : timeline.findings()) {
      if (finding.finding().code() == code && finding.finding().severity() == severity &&
          finding.position().phase() == "reinduction" && finding.position().cycle() == 1 &&
          finding.position().day() == day) {
        return true;
      }
    }
    return false;
  }

  const Date kToday = kC1D1 + 27;  // cycle 1 day 28: every cycle 1 dose is due, cycle 2 is not
  TempDir dir_;
  ManualClock clock_{absl::UnixEpoch()};  // outlives the server
  std::unique_ptr<server::GatewayServer> server_;
  std::unique_ptr<GatewayClient> client_;
  std::unique_ptr<v1::Study::Stub> study_;
};

TEST_F(SameCourseTest, HL7v2AndFhirGiveTheSameTimelineAndFindings) {
  const Course course = KrdCycleOne();
  const std::string subject_a = "KRD-001-0101", mrn_a = "4711";  // its course by HL7 v2
  const std::string subject_b = "KRD-001-0102", mrn_b = "4712";  // the same course by FHIR
  Submit(Enrolment(subject_a, mrn_a));
  Submit(Enrolment(subject_b, mrn_b));

  SendOverMllp(Hl7Messages(course, mrn_a));
  if (HasFatalFailure()) return;
  for (const std::string& resource : FhirResources(course, mrn_b)) {
    Submit(resource);
    if (HasFatalFailure()) return;
  }

  const v1::Timeline by_hl7 = Timeline(subject_a);
  const v1::Timeline by_fhir = Timeline(subject_b);
  ASSERT_EQ(by_hl7.subject_id(), subject_a);
  ASSERT_EQ(by_fhir.subject_id(), subject_b);

  // The two channels agree: the same events at the same positions, the same dose slots with the
  // same statuses and amounts, the same findings.
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(Normalised(by_fhir), Normalised(by_hl7)))
      << "FHIR (first) and HL7 v2 (second) timelines differ:\n" << difference;

  // And the events themselves say the same (lab values are not on the timeline).
  const std::vector<v1::Event> feed = client_->Pull();
  const std::vector<std::string> hl7_events = CurrentEventMeanings(by_hl7, feed);
  const std::vector<std::string> fhir_events = CurrentEventMeanings(by_fhir, feed);
  std::vector<std::string> only_hl7, only_fhir;
  std::set_difference(hl7_events.begin(), hl7_events.end(), fhir_events.begin(),
                      fhir_events.end(), std::back_inserter(only_hl7));
  std::set_difference(fhir_events.begin(), fhir_events.end(), hl7_events.begin(),
                      hl7_events.end(), std::back_inserter(only_fhir));
  EXPECT_TRUE(only_hl7.empty() && only_fhir.empty())
      << "events only by HL7 v2:\n  " << absl::StrJoin(only_hl7, "\n  ")
      << "\nevents only by FHIR:\n  " << absl::StrJoin(only_fhir, "\n  ");
  EXPECT_EQ(hl7_events.size(), fhir_events.size());
  for (const v1::Event& event : feed) {
    if (event.subject_id() == subject_a && !event.has_enrollment_changed() &&
        !event.has_protocol_deviation()) {
      EXPECT_THAT(event.source().system(), ::testing::AnyOf("LIS@HOSPA", "PHARM@HOSPA"));
    }
  }

  // A few facts of the course, checked on each channel's timeline on its own.
  std::set<int> deleted;
  for (const Administration& dose : course.doses) {
    if (dose.action == Administration::Action::kDelete) deleted.insert(dose.amends);
  }
  size_t doses_sent = 0;  // administrations, neither amendments nor withdrawn
  for (size_t i = 0; i < course.doses.size(); ++i) {
    doses_sent += course.doses[i].action == Administration::Action::kAdd &&
                  !deleted.count(static_cast<int>(i) + 1);
  }
  std::set<std::string> lab_orders;
  for (const Result& result : course.results) lab_orders.insert(result.order);
  for (const v1::Timeline* timeline : {&by_hl7, &by_fhir}) {
    SCOPED_TRACE(timeline->subject_id());
    EXPECT_EQ(timeline->site_id(), kSite);
    EXPECT_EQ(timeline->time_zone(), kZone);
    EXPECT_EQ(timeline->current_phase(), "reinduction");
    ASSERT_GE(timeline->phases_size(), 1);
    ASSERT_EQ(timeline->phases(0).cycles_size(), 1);
    EXPECT_EQ(timeline->phases(0).cycles(0).day1_date(), schedule::FormatDate(kC1D1));
    size_t doses = 0, labs = 0;
    for (const v1::TimelineEvent& event : timeline->events()) {
      doses += event.kind() == "dose_administered";
      labs += event.kind() == "lab_result";  // the correction replaces its result
    }
    EXPECT_EQ(doses, doses_sent);
    EXPECT_EQ(labs, lab_orders.size());

    // Refused lenalidomide on day 5: withheld, a deviation with an explanation on record.
    const v1::TimelineDose* refused = Slot(*timeline, "lenalidomide", 5);
    ASSERT_NE(refused, nullptr);
    EXPECT_EQ(refused->status(), "not-done");
    EXPECT_TRUE(HasFinding(*timeline, schedule::kDoseMissed, v1::Finding::WARNING, 5));
    ASSERT_GE(refused->findings_size(), 1);
    EXPECT_THAT(refused->findings(0).text(), ::testing::HasSubstr(kRefusedDisplay));
    // Carfilzomib day 15, never reported: missed, a major deviation.
    const v1::TimelineDose* missed = Slot(*timeline, "carfilzomib", 15);
    ASSERT_NE(missed, nullptr);
    EXPECT_EQ(missed->status(), "missed");
    EXPECT_TRUE(HasFinding(*timeline, schedule::kDoseMissed, v1::Finding::MAJOR, 15));
    // Carfilzomib day 8, partly given: 20 mg of the 27 mg/m2 x 1.8181 m2 = 49.1 mg expected,
    // 11 mg/m2, which is no dose level (27, 20, 15): out of tolerance.
    const v1::TimelineDose* partial = Slot(*timeline, "carfilzomib", 8);
    ASSERT_NE(partial, nullptr);
    EXPECT_EQ(partial->status(), "given");
    EXPECT_DOUBLE_EQ(partial->given_mg(), 20);
    EXPECT_NEAR(partial->bsa_m2(), 1.8181, 0.001);
    std::vector<std::string> partial_codes;
    for (const v1::Finding& finding : partial->findings()) partial_codes.push_back(finding.code());
    EXPECT_THAT(partial_codes, Contains(schedule::kDoseOutOfTolerance));
    // Carfilzomib day 1 sent per m2: given at 27 mg/m2, no finding.
    const v1::TimelineDose* per_m2 = Slot(*timeline, "carfilzomib", 1);
    ASSERT_NE(per_m2, nullptr);
    EXPECT_EQ(per_m2->status(), "given");
    EXPECT_DOUBLE_EQ(per_m2->given_per_m2(), 27);
    EXPECT_EQ(per_m2->findings_size(), 0);
    // Lenalidomide day 12, updated from 15 to 25 mg: given as planned, no finding.
    const v1::TimelineDose* updated = Slot(*timeline, "lenalidomide", 12);
    ASSERT_NE(updated, nullptr);
    EXPECT_EQ(updated->status(), "given");
    EXPECT_DOUBLE_EQ(updated->given_mg(), 25);
    EXPECT_EQ(updated->findings_size(), 0);
    // The dexamethasone recorded on day 2 and deleted: not on the timeline.
    EXPECT_EQ(Slot(*timeline, "dexamethasone", 2), nullptr);
    // Dexamethasone day 22 given on day 23: the slot missed, the dose on an unscheduled day.
    const v1::TimelineDose* late_slot = Slot(*timeline, "dexamethasone", 22);
    ASSERT_NE(late_slot, nullptr);
    EXPECT_EQ(late_slot->status(), "missed");
    EXPECT_TRUE(HasFinding(*timeline, schedule::kDoseMissed, v1::Finding::MAJOR, 22));
    const v1::TimelineDose* late_dose = Slot(*timeline, "dexamethasone", 23);
    ASSERT_NE(late_dose, nullptr);
    std::vector<std::string> late_codes;
    for (const v1::Finding& finding : late_dose->findings()) late_codes.push_back(finding.code());
    EXPECT_THAT(late_codes, Contains(schedule::kDayNotScheduled));
  }

  // The corrected neutrophil count is the current one on both channels.
  for (const std::vector<std::string>* events : {&hl7_events, &fhir_events}) {
    size_t corrected = 0, replaced = 0;
    for (const std::string& meaning : *events) {
      corrected += absl::StrContains(meaning, "value=1.1 10*9/L") &&
                   absl::StrContains(meaning, "status=corrected");
      replaced += absl::StrContains(meaning, "value=0.8 ");
    }
    EXPECT_EQ(corrected, 1u);
    EXPECT_EQ(replaced, 0u);
  }
}

}  // namespace
}  // namespace trialgate::testing
