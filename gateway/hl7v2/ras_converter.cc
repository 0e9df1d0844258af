#include "gateway/hl7v2/ras_converter.h"

#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/conversion_support.h"
#include "gateway/hl7v2/hl7_datetime.h"
#include "gateway/hl7v2/pid_death.h"

namespace trialgate::hl7v2 {
namespace {

// One administration: an RXA, the RXR right after it (its route) and the ORC of its order.
struct Administration {
  const Segment* rxa = nullptr;
  int rxa_sequence = 0;
  const Segment* rxr = nullptr;
  int rxr_sequence = 0;
  const Segment* orc = nullptr;
};

class Converter {
 public:
  Converter(const Message& message, const ConvertOptions& options)
      : message_(message), options_(options),
        mapping_(options.ras_mapping != nullptr ? *options.ras_mapping : DefaultRasMapping()) {}

  ConversionResult Run();

 private:
  // The system of a coded value: the table's for a known HL7 coding-system name, else the
  // site's own ("urn:<site>:<kind>", the convention of the study's local-codes.json).
  std::string SystemFor(const std::string& name, absl::string_view kind) const {
    auto it = mapping_.coding_systems.find(name);
    if (it != mapping_.coding_systems.end()) return it->second;
    return absl::StrCat("urn:", options_.site_id.empty() ? "unknown-site" : options_.site_id,
                        ":", kind);
  }
  void WriteCodeableConcept(JsonWriter& w, const Segment& segment, int field,
                            absl::string_view local_kind) const;
  StableId AdministrationId(const Administration& administration) const;
  bool ConvertRxa(const Administration& administration, const SubjectIdentifier& subject);

  const Message& message_;
  const ConvertOptions& options_;
  const RasMapping& mapping_;
  IssueCollector issues_;
  TransactionBundleWriter bundle_;
};

void Converter::WriteCodeableConcept(JsonWriter& w, const Segment& segment, int field,
                                     absl::string_view local_kind) const {
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  for (int first : {1, 4}) {  // the code, then the alternate code (CWE-4..6)
    const Hl7Code code = ReadCode(segment, field, first);
    if (code.code.empty()) continue;
    WriteCoding(w, SystemFor(code.system_name, local_kind), code.code, code.display);
  }
  w.EndArray();
  w.EndObject();
}

// The administration's id: what identifies the dose, not the message that carried it, so that
// an update (RXA-21 U) or a delete (D) in a later message replaces the earlier resource: the
// sending system, the order (filler order number ORC-3, else placer ORC-2), RXA-1 (give sub-id
// counter) and RXA-2 (administration sub-id counter). Without an order number only the message
// identifies it (MSH-10 and the RXA's position): a resend matches, an update cannot.
StableId Converter::AdministrationId(const Administration& administration) const {
  const std::string system = SendingSystem(message_);
  const Segment& rxa = *administration.rxa;
  if (administration.orc != nullptr) {
    for (auto [kind, field] : {std::pair{"filler", 3}, std::pair{"placer", 2}}) {
      const std::string number = administration.orc->Text(field, 1);
      if (number.empty()) continue;
      return MakeStableId({"MedicationAdministration", system, kind, number,
                           administration.orc->Text(field, 2), rxa.Text(1), rxa.Text(2)});
    }
  }
  return MakeStableId({"MedicationAdministration", system, "message", message_.control_id(),
                       absl::StrCat("#", administration.rxa_sequence)});
}

// Writes the MedicationAdministration of one RXA, or records issues and returns false.
bool Converter::ConvertRxa(const Administration& administration,
                           const SubjectIdentifier& subject) {
  const Segment& rxa = *administration.rxa;
  const size_t issues_before = issues_.size();
  auto at = [&](int field, int component = 0) {
    return Hl7Location{"RXA", administration.rxa_sequence, field, component};
  };

  // RXA-20 completion status and RXA-21 action code: the status, by the stated policies.
  std::string completion_code = rxa.Text(20, 1);
  if (completion_code.empty()) completion_code = "CP";
  auto completion = mapping_.completion_status.find(completion_code);
  if (completion == mapping_.completion_status.end()) {
    issues_.Error(at(20), 103,
                  absl::StrCat("RXA-20 completion status ", QuoteCode(completion_code),
                               " is not a code of HL7 table 0322 (CP, PA, RE, NA)"));
  }
  std::string action_code = rxa.Text(21, 1);
  if (action_code.empty()) action_code = "A";
  auto action = mapping_.action_codes.find(action_code);
  if (action == mapping_.action_codes.end()) {
    issues_.Error(at(21), 103,
                  absl::StrCat("RXA-21 action code ", QuoteCode(action_code),
                               " is not a code of HL7 table 0323 (A, U, D)"));
  }
  if (issues_.HasErrorsSince(issues_before)) return false;
  const std::string status =
      !action->second.status.empty() ? action->second.status : completion->second.status;

  // RXA-5: the medication.
  if (rxa.Text(5, 1).empty()) {
    issues_.Error(at(5, 1), 101, "RXA-5 (administered code) is required");
  }

  // RXA-3 start, RXA-4 end: effective[x].
  std::string start, end;
  if (rxa.Text(3, 1).empty()) {
    issues_.Error(at(3, 1), 101, "RXA-3 (date/time start of administration) is required");
  } else if (absl::StatusOr<std::string> parsed =
                 Hl7DateTimeToFhir(rxa.Text(3, 1), options_.site_zone);
             parsed.ok()) {
    start = *parsed;
  } else {
    issues_.Error(at(3, 1), 102, std::string(parsed.status().message()));
  }
  if (!rxa.Text(4, 1).empty()) {
    if (absl::StatusOr<std::string> parsed = Hl7DateTimeToFhir(rxa.Text(4, 1), options_.site_zone);
        parsed.ok()) {
      end = *parsed;
    } else {
      issues_.Error(at(4, 1), 102, std::string(parsed.status().message()));
    }
  }

  // RXA-6 amount, RXA-7 units: dosage.dose, required for a dose given (PA: the amount actually
  // given). Nothing was given when not done, so no dose is written (RXA-6 is then often 0 or
  // 999); a withdrawal (entered-in-error) carries its dose only when it reads cleanly.
  std::optional<std::string> amount;
  std::string ucum;
  if (status == "not-done") {
    // no dose
  } else if (status == "entered-in-error") {
    amount = DecimalText(rxa.Text(6));
    ucum = mapping_.UcumFor(rxa.Text(7, 1), rxa.Text(7, 3));
    if (ucum.empty()) amount.reset();
  } else {
    if (rxa.Text(6).empty()) {
      issues_.Error(at(6), 101, "RXA-6 (administered amount) is required for a dose given");
    } else if (!(amount = DecimalText(rxa.Text(6)))) {
      issues_.Error(at(6), 102, "RXA-6 (administered amount) is not a number");
    } else if (rxa.Text(7, 1).empty()) {
      issues_.Error(at(7, 1), 101, "RXA-7 (administered units) is required with an amount");
    } else if ((ucum = mapping_.UcumFor(rxa.Text(7, 1), rxa.Text(7, 3))).empty()) {
      issues_.Error(at(7, 1), 103, "RXA-7 unit is neither UCUM nor in the unit table "
                                   "(fhir-profiles/hl7v2/ras_o17.json units)");
    }
  }

  // RXA-18: why it was not given.
  const bool has_reason = completion->second.takes_reason && !rxa.Text(18, 1).empty();
  if (completion->second.takes_reason && !has_reason && status == "not-done") {
    issues_.Warning(at(18, 1), 101,
                    absl::StrCat("RXA-20 ", completion_code,
                                 " without RXA-18 (refusal reason): the dose not given is kept, "
                                 "flagged as lacking a reason"));
  }

  // RXR-1: the route (HL7 table 0162 unless another coding system is named).
  const Segment* rxr = administration.rxr;
  const RouteRule* route = nullptr;
  bool route_as_sent = false;
  if (rxr != nullptr && !rxr->Text(1, 1).empty()) {
    const std::string system_name = rxr->Text(1, 3);
    if (system_name.empty() || system_name == "HL70162") {
      auto it = mapping_.routes.find(rxr->Text(1, 1));
      if (it == mapping_.routes.end()) {
        issues_.Error(Hl7Location{"RXR", administration.rxr_sequence, 1, 1}, 103,
                      "RXR-1 route is not a code of HL7 table 0162 that the gateway maps "
                      "(fhir-profiles/hl7v2/ras_o17.json routes)");
      } else {
        route = &it->second;
      }
    } else {
      route_as_sent = true;  // a coding system other than table 0162: its system by name
    }
  }

  if (issues_.HasErrorsSince(issues_before)) return false;

  const StableId id = AdministrationId(administration);
  if (bundle_.Contains(id)) {
    issues_.Error(at(2), 205,
                  "another RXA of this order has the same RXA-1 and RXA-2: each administration "
                  "needs its own sub-id counters (the resource id is built from them)");
    return false;
  }

  JsonWriter& w = bundle_.BeginEntry(id, "MedicationAdministration",
                                     Hl7Location{"RXA", administration.rxa_sequence, 0, 0});
  w.Key("status");
  w.String(status.c_str());
  if (has_reason) {
    w.Key("statusReason");
    w.StartArray();
    WriteCodeableConcept(w, rxa, 18, "reasons");
    w.EndArray();
  }
  w.Key("medicationCodeableConcept");
  WriteCodeableConcept(w, rxa, 5, "pharmacy");
  w.Key("subject");
  WriteSubject(w, subject);
  if (!end.empty() && end != start) {
    w.Key("effectivePeriod");
    w.StartObject();
    w.Key("start");
    w.String(start.c_str());
    w.Key("end");
    w.String(end.c_str());
    w.EndObject();
  } else {
    w.Key("effectiveDateTime");
    w.String(start.c_str());
  }
  // FHIR R4 mad-1: a dosage needs a dose (or rate), so a route alone is not written.
  if (amount) {
    w.Key("dosage");
    w.StartObject();
    if (route != nullptr || route_as_sent) {
      w.Key("route");
      if (route_as_sent) {
        WriteCodeableConcept(w, *rxr, 1, "routes");
      } else {
        w.StartObject();
        w.Key("coding");
        w.StartArray();
        if (!route->translation.empty()) {
          WriteCoding(w, mapping_.route_translation_system, route->translation,
                      route->translation_display);
        }
        WriteCoding(w, mapping_.route_system, rxr->Text(1, 1), route->display);
        w.EndArray();
        w.EndObject();
      }
    }
    w.Key("dose");
    w.StartObject();
    w.Key("value");
    w.RawValue(amount->c_str(), amount->size(), rapidjson::kNumberType);
    w.Key("unit");
    w.String(ucum.c_str());
    w.Key("system");
    w.String(mapping_.unit_system.c_str());
    w.Key("code");
    w.String(ucum.c_str());
    w.EndObject();
    w.EndObject();
  }
  bundle_.EndEntry();
  return true;
}

ConversionResult Converter::Run() {
  ConversionResult result;
  if (message_.message_code() != "RAS" || message_.trigger_event() != "O17") {
    issues_.Error(Hl7Location{"MSH", 1, 9, 0}, 200,
                  absl::StrCat("message type ", QuoteCode(message_.message_type()),
                               " is not converted here: only RAS^O17"));
    result.issues = std::move(issues_.issues());
    return result;
  }
  // RAS_O17: PID, then per order ORC [RXO ...] [RXE ...] {RXA [RXR] [OBX...]}. An RXR belongs
  // to the RXA just before it; one after RXO or RXE is the order's route, not a dose's.
  std::map<std::string, int> occurrences;
  std::optional<SubjectIdentifier> subject;
  bool pid_seen = false;
  const Segment* orc = nullptr;
  std::vector<Administration> administrations;
  bool in_administration = false;
  for (const Segment& segment : message_.segments()) {
    const absl::string_view name = segment.name();
    const int sequence = ++occurrences[std::string(name)];
    if (name == "PID") {
      pid_seen = true;
      subject = ReadSubject(segment, sequence, options_.patient_identifier_system, &issues_);
      if (subject) {
        ConvertPidDeath(message_, segment, sequence, *subject, options_, &bundle_, &issues_);
      }
    } else if (name == "ORC") {
      orc = &segment;
      in_administration = false;
    } else if (name == "RXA") {
      if (!pid_seen) {
        issues_.Error(Hl7Location{"PID", 1, 0, 0}, 100,
                      "a RAS^O17 needs a PID segment before its RXA");
        pid_seen = true;  // reported once
      }
      administrations.push_back(Administration{&segment, sequence, nullptr, 0, orc});
      in_administration = true;
    } else if (name == "RXR") {
      if (in_administration && administrations.back().rxr == nullptr) {
        administrations.back().rxr = &segment;
        administrations.back().rxr_sequence = sequence;
      }
    } else if (name == "RXO" || name == "RXE" || name == "RXC") {
      in_administration = false;
    }
  }
  // Without a subject each RXA is still checked, so that one ACK lists every problem.
  for (const Administration& administration : administrations) {
    ConvertRxa(administration, subject.value_or(SubjectIdentifier{}));
  }
  if (administrations.empty()) {
    issues_.Error(Hl7Location{"RXA", 1, 0, 0}, 100, "the RAS^O17 has no RXA: nothing to convert");
  }
  bundle_.Finish(issues_, &result);
  return result;
}

}  // namespace

ConversionResult ConvertRasO17(const Message& message, const ConvertOptions& options) {
  return Converter(message, options).Run();
}

}  // namespace trialgate::hl7v2
