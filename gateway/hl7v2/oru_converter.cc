#include "gateway/hl7v2/oru_converter.h"

#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/conversion_support.h"
#include "gateway/hl7v2/hl7_datetime.h"
#include "gateway/hl7v2/pid_death.h"

namespace trialgate::hl7v2 {
namespace {

struct Quantity {
  std::string value;       // JSON number text
  std::string comparator;  // "", "<", "<=", ">=", ">"
};

struct Unit {
  std::string text;  // as sent (OBX-6.1)
  std::string ucum;  // "" when unknown
};

class Converter {
 public:
  Converter(const Message& message, const ConvertOptions& options)
      : message_(message), options_(options),
        mapping_(options.mapping != nullptr ? *options.mapping : DefaultOruMapping()) {}

  ConversionResult Run();

 private:
  void Error(Hl7Location location, int code, std::string text) {
    issues_.Error(std::move(location), code, std::move(text));
  }

  std::string LocalSystem() const {
    if (!options_.local_code_system.empty()) return options_.local_code_system;
    return absl::StrCat("urn:", options_.site_id.empty() ? "unknown-site" : options_.site_id,
                        ":lab-codes");
  }
  std::string SystemFor(const std::string& name) const {
    auto it = mapping_.coding_systems.find(name);
    return it != mapping_.coding_systems.end() ? it->second : LocalSystem();
  }
  void WriteCoding(JsonWriter& w, const Segment& segment, int field, int first_component) const;
  void WriteCodeableConcept(JsonWriter& w, const Segment& segment, int field) const;
  void WriteQuantity(JsonWriter& w, const Quantity& q, const Unit& unit) const;
  StableId ObservationId(const Segment& obx, int obx_sequence, const Segment* obr) const;
  bool ConvertObx(const Segment& obx, int obx_sequence, const Segment* obr, int obr_sequence,
                  const SubjectIdentifier& subject);

  const Message& message_;
  const ConvertOptions& options_;
  const OruMapping& mapping_;
  IssueCollector issues_;
  TransactionBundleWriter bundle_;
};

// The Observation's id: what identifies the result, not the message that carried it, so that
// a correction (OBX-11 C) or a withdrawal (D, W) in a later message replaces the earlier
// Observation: the sending system, the order (filler order number OBR-3, else placer OBR-2),
// the test (OBX-3 code and coding system) and OBX-4 sub-id. Without an order number only the
// message identifies it (MSH-10, OBX-1): a resend matches, a correction cannot.
StableId Converter::ObservationId(const Segment& obx, int obx_sequence, const Segment* obr) const {
  const std::string system = SendingSystem(message_);
  if (obr != nullptr) {
    for (auto [kind, field] : {std::pair{"filler", 3}, std::pair{"placer", 2}}) {
      const std::string number = obr->Text(field, 1);
      if (number.empty()) continue;
      return MakeStableId({"Observation", system, kind, number, obr->Text(field, 2),
                           obx.Text(3, 1), obx.Text(3, 3), obx.Text(4)});
    }
  }
  std::string set_id = obx.Text(1);
  if (set_id.empty()) set_id = absl::StrCat("#", obx_sequence);
  return MakeStableId({"Observation", system, "message", message_.control_id(), set_id});
}

void Converter::WriteCoding(JsonWriter& w, const Segment& segment, int field,
                            int first_component) const {
  const Hl7Code code = ReadCode(segment, field, first_component);
  hl7v2::WriteCoding(w, SystemFor(code.system_name), code.code, code.display);
}

void Converter::WriteCodeableConcept(JsonWriter& w, const Segment& segment, int field) const {
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  if (!segment.Text(field, 1).empty()) WriteCoding(w, segment, field, 1);
  if (!segment.Text(field, 4).empty()) WriteCoding(w, segment, field, 4);  // alternate
  w.EndArray();
  w.EndObject();
}

void Converter::WriteQuantity(JsonWriter& w, const Quantity& q, const Unit& unit) const {
  w.StartObject();
  w.Key("value");
  w.RawValue(q.value.c_str(), q.value.size(), rapidjson::kNumberType);
  if (!q.comparator.empty()) {
    w.Key("comparator");
    w.String(q.comparator.c_str());
  }
  if (!unit.text.empty()) {
    w.Key("unit");
    w.String((unit.ucum.empty() ? unit.text : unit.ucum).c_str());
  }
  if (!unit.ucum.empty()) {
    w.Key("system");
    w.String(mapping_.unit_system.c_str());
    w.Key("code");
    w.String(unit.ucum.c_str());
  }
  w.EndObject();
}

// Writes the Observation for one OBX, or records issues and returns false.
bool Converter::ConvertObx(const Segment& obx, int obx_sequence, const Segment* obr,
                           int obr_sequence, const SubjectIdentifier& subject) {
  const size_t issues_before = issues_.size();
  auto at = [&](int field, int component = 0) {
    return Hl7Location{"OBX", obx_sequence, field, component};
  };
  auto has_new_errors = [&] { return issues_.HasErrorsSince(issues_before); };

  // What is not a result, or not a value the gateway converts, is skipped with a warning
  // (docs/hl7v2.md, OBX-11 and OBX-2): one pending or order-detail row must not refuse the
  // results around it. These checks come first: a skipped OBX is not checked further.
  auto skip = [&](Hl7Location where, int code, const std::string& why) {
    issues_.Warning(std::move(where), code,
                    absl::StrCat("OBX ", obx_sequence, " is not converted (skipped): ", why));
    return false;
  };

  // OBX-11: status, by the stated policy.
  const std::string status_code = obx.Text(11);
  const bool has_value = !obx.Raw(5).empty();
  const StatusRule* rule = &mapping_.missing_status;
  if (!status_code.empty()) {
    auto it = mapping_.status_policy.find(status_code);
    if (it == mapping_.status_policy.end()) {
      Error(at(11), 103, "OBX-11 is not a code of HL7 table 0085");
      return false;
    }
    rule = &it->second;
    if (!rule->convert) {
      return skip(at(11), 0, absl::StrCat("OBX-11 '", status_code, "', ", rule->reason));
    }
  } else if (!has_value) {
    return skip(at(11), 101, "OBX-11 (observation result status) and OBX-5 (value) are empty: "
                             "nothing to store");
  }

  // OBX-2: a value of a type not converted (RP reference pointer, ED encapsulated data, ...).
  const std::string value_type = obx.Text(2);
  auto kind = mapping_.value_types.find(value_type);
  if (has_value && !value_type.empty() && kind == mapping_.value_types.end()) {
    return skip(at(2), 103,
                absl::StrCat("OBX-2 value type ", QuoteCode(value_type),
                             " is not converted (fhir-profiles/hl7v2/oru_r01.json value_types)"));
  }
  if (status_code.empty()) {
    issues_.Warning(at(11), 101, absl::StrCat("OBX ", obx_sequence, ": ", rule->reason,
                                              " (OBX-11 is required by HL7)"));
  }

  // OBX-3: code.
  if (obx.Text(3, 1).empty()) Error(at(3, 1), 101, "OBX-3 (observation identifier) is required");

  // Effective time: OBX-14, else OBR-7.
  std::string effective;
  {
    Hl7Location where = at(14, 1);
    std::string dtm = obx.Text(14, 1);
    if (dtm.empty() && obr != nullptr) {
      dtm = obr->Text(7, 1);
      where = Hl7Location{"OBR", obr_sequence, 7, 1};
    }
    if (dtm.empty()) {
      Error(at(14), 101, "neither OBX-14 nor OBR-7 gives the observation's time");
    } else {
      absl::StatusOr<std::string> parsed = Hl7DateTimeToFhir(dtm, options_.site_zone);
      if (parsed.ok()) {
        effective = *parsed;
      } else {
        Error(where, 102, std::string(parsed.status().message()));
      }
    }
  }

  // OBX-5: value (its type is one of value_types, or it is empty).
  if (has_value && value_type.empty()) {
    Error(at(2), 101, "OBX-2 (value type) is required with a value in OBX-5");
  }
  if (!has_value && rule->requires_value) {
    Error(at(5), 101, absl::StrCat("OBX-11 '", status_code, "' is converted only with OBX-5: ",
                                   rule->reason));
  }
  if (obx.RepetitionCount(5) > 1) {
    Error(at(5), 102, "OBX-5 repeats: one Observation holds one value");
  }
  std::optional<Quantity> quantity;
  if (has_value && kind != mapping_.value_types.end() && kind->second == "valueQuantity") {
    if (value_type == "SN") {
      // SN: comparator ^ number [^ separator ^ number]; only "comparator number" is one quantity.
      std::string comparator = obx.Text(5, 1);
      if (!obx.Text(5, 3).empty() || !obx.Text(5, 4).empty()) {
        Error(at(5, 3), 102, "an SN range or ratio (SN-3/SN-4) is not converted");
      } else if (comparator == "=") {
        comparator = "";
      } else if (!comparator.empty() && comparator != "<" && comparator != ">" &&
                 comparator != "<=" && comparator != ">=") {
        Error(at(5, 1), 102, "SN-1 comparator must be one of < > <= >= =");
      }
      std::optional<std::string> number = DecimalText(obx.Text(5, 2));
      if (!number) {
        Error(at(5, 2), 102, "SN-2 is not a number");
      } else {
        quantity = Quantity{*number, comparator};
      }
    } else {
      std::optional<std::string> number = DecimalText(obx.Text(5));
      if (!number) {
        Error(at(5), 102, "OBX-5 is not a number (OBX-2 NM)");
      } else {
        quantity = Quantity{*number, ""};
      }
    }
  }

  // OBX-6: units.
  Unit unit{obx.Text(6, 1), ""};
  if (!unit.text.empty()) {
    unit.ucum = mapping_.UcumFor(unit.text, obx.Text(6, 3));
    if (unit.ucum.empty()) {
      // FHIR R4 allows a Quantity with a unit and no code; the study's mapper converts a study
      // analyte's value only from a unit its table knows, else keeps it as sent and flags it.
      issues_.Warning(at(6, 1), 103,
                      absl::StrCat("OBX ", obx_sequence, ": OBX-6 unit ", QuoteCode(unit.text),
                                   " is neither UCUM nor in the unit table (fhir-profiles/hl7v2/"
                                   "oru_r01.json units): kept as text only (Quantity.unit, no "
                                   "system or code)"));
    }
  }

  // OBX-7: reference range.
  struct Range {
    std::optional<std::string> low, high;
    std::string text;
  } range;
  const std::string range_text = std::string(absl::StripAsciiWhitespace(obx.Text(7)));
  if (!range_text.empty()) {
    absl::string_view r = range_text;
    if (absl::StartsWith(r, ">=") || absl::StartsWith(r, "<=")) {
      auto n = DecimalText(r.substr(2));
      (r[0] == '>' ? range.low : range.high) = n;
    } else if (r[0] == '>' || r[0] == '<') {
      auto n = DecimalText(r.substr(1));
      (r[0] == '>' ? range.low : range.high) = n;
    } else {
      size_t dash = r.find('-', 1);  // a leading '-' is the first number's sign
      if (dash != absl::string_view::npos) {
        range.low = DecimalText(r.substr(0, dash));
        range.high = DecimalText(r.substr(dash + 1));
        if (!range.low || !range.high) range.low = range.high = std::nullopt;
      }
    }
    if (!range.low && !range.high) range.text = range_text;
  }

  // OBX-8: interpretation codes (may repeat).
  std::vector<std::string> interpretations;
  for (int rep = 1; rep <= obx.RepetitionCount(8); ++rep) {
    const std::string code = obx.Text(8, 1, 0, rep);
    if (code.empty()) continue;
    auto it = mapping_.interpretation.find(code);
    if (it == mapping_.interpretation.end()) {
      Error(at(8, 1), 103, "OBX-8 is not a code of HL7 table 0078 that the gateway maps");
    } else {
      interpretations.push_back(it->second);
    }
  }

  if (has_new_errors()) return false;

  const StableId id = ObservationId(obx, obx_sequence, obr);
  if (bundle_.Contains(id)) {
    Error(at(4), 205,
          "another OBX of this order has the same OBX-3 and OBX-4: each result of an order "
          "needs its own OBX-4 sub-id (the Observation id is built from them)");
    return false;
  }

  JsonWriter& w = bundle_.BeginEntry(id, "Observation", Hl7Location{"OBX", obx_sequence, 0, 0});
  w.Key("status");
  w.String(rule->status.c_str());
  w.Key("category");
  w.StartArray();
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  w.StartObject();
  w.Key("system");
  w.String("http://terminology.hl7.org/CodeSystem/observation-category");
  w.Key("code");
  w.String("laboratory");
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("code");
  WriteCodeableConcept(w, obx, 3);
  w.Key("subject");
  WriteSubject(w, subject);
  w.Key("effectiveDateTime");
  w.String(effective.c_str());
  if (quantity) {
    w.Key("valueQuantity");
    WriteQuantity(w, *quantity, unit);
  } else if (has_value && kind->second == "valueCodeableConcept") {
    w.Key("valueCodeableConcept");
    WriteCodeableConcept(w, obx, 5);
  } else if (has_value && kind->second == "valueString") {
    w.Key("valueString");
    w.String(obx.Text(5).c_str());
  }
  if (!interpretations.empty()) {
    w.Key("interpretation");
    w.StartArray();
    for (const std::string& code : interpretations) {
      w.StartObject();
      w.Key("coding");
      w.StartArray();
      w.StartObject();
      w.Key("system");
      w.String(mapping_.interpretation_system.c_str());
      w.Key("code");
      w.String(code.c_str());
      w.EndObject();
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  }
  if (range.low || range.high || !range.text.empty()) {
    w.Key("referenceRange");
    w.StartArray();
    w.StartObject();
    for (auto [name, bound] : {std::pair{"low", &range.low}, std::pair{"high", &range.high}}) {
      if (!*bound) continue;
      w.Key(name);
      WriteQuantity(w, Quantity{**bound, ""}, unit);
    }
    if (!range.text.empty()) {
      w.Key("text");
      w.String(range.text.c_str());
    }
    w.EndObject();
    w.EndArray();
  }
  bundle_.EndEntry();
  return true;
}

ConversionResult Converter::Run() {
  ConversionResult result;
  if (message_.message_code() != "ORU" || message_.trigger_event() != "R01") {
    Error(Hl7Location{"MSH", 1, 9, 0}, 200,
          absl::StrCat("message type ", QuoteCode(message_.message_type()),
                       " is not converted here: only ORU^R01"));
    result.issues = std::move(issues_.issues());
    return result;
  }
  std::map<std::string, int> occurrences;
  std::optional<SubjectIdentifier> subject;
  bool pid_seen = false, pid_missing_reported = false;
  const Segment* obr = nullptr;
  int obr_sequence = 0;
  for (const Segment& segment : message_.segments()) {
    const int sequence = ++occurrences[std::string(segment.name())];
    if (segment.name() == "PID") {
      pid_seen = true;
      subject = ReadSubject(segment, sequence, options_.patient_identifier_system, &issues_);
      if (subject) {
        ConvertPidDeath(message_, segment, sequence, *subject, options_, &bundle_, &issues_);
      }
    } else if (segment.name() == "OBR") {
      obr = &segment;
      obr_sequence = sequence;
    } else if (segment.name() == "OBX") {
      if (!pid_seen && !pid_missing_reported) {
        Error(Hl7Location{"PID", 1, 0, 0}, 100, "an ORU^R01 needs a PID segment before its OBX");
        pid_missing_reported = true;
      }
      // Without a subject the OBX is still checked, so that one ACK lists every problem.
      ConvertObx(segment, sequence, obr, obr_sequence,
                 subject.value_or(SubjectIdentifier{}));
    }
  }
  if (occurrences["OBX"] == 0) {
    Error(Hl7Location{"OBX", 1, 0, 0}, 100, "the ORU^R01 has no OBX: nothing to convert");
  }
  bundle_.Finish(issues_, &result);
  return result;
}

}  // namespace

ConversionResult ConvertOruR01(const Message& message, const ConvertOptions& options) {
  return Converter(message, options).Run();
}

}  // namespace trialgate::hl7v2
