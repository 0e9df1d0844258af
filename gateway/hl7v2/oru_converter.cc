#include "gateway/hl7v2/oru_converter.h"

#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/hl7_datetime.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::hl7v2 {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string Sha256Hex(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

// A JSON number for an HL7 NM ("+1.50" -> "1.50", ".5" -> "0.5", "007" -> "7"), or nullopt.
std::optional<std::string> DecimalText(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::string sign;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    if (text[0] == '-') sign = "-";
    text.remove_prefix(1);
  }
  size_t dot = text.find('.');
  absl::string_view whole = text.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? absl::string_view() : text.substr(dot + 1);
  for (char c : whole) if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  for (char c : fraction) if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (whole.empty() && fraction.empty()) return std::nullopt;
  while (whole.size() > 1 && whole[0] == '0') whole.remove_prefix(1);
  std::string result = absl::StrCat(sign, whole.empty() ? "0" : whole);
  if (!fraction.empty()) absl::StrAppend(&result, ".", fraction);
  return result;
}

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
    result_.issues.push_back(
        {ConversionIssue::Severity::kError, std::move(location), code, std::move(text)});
  }
  void Warning(Hl7Location location, int code, std::string text) {
    result_.issues.push_back(
        {ConversionIssue::Severity::kWarning, std::move(location), code, std::move(text)});
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
  void WriteCoding(Writer& w, const Segment& segment, int field, int first_component) const;
  void WriteCodeableConcept(Writer& w, const Segment& segment, int field) const;
  void WriteQuantity(Writer& w, const Quantity& q, const Unit& unit) const;
  bool ConvertObx(Writer& w, const Segment& obx, int obx_sequence, const Segment* obr,
                  int obr_sequence, const Segment* pid, int pid_sequence);

  const Message& message_;
  const ConvertOptions& options_;
  const OruMapping& mapping_;
  ConversionResult result_;
};

void Converter::WriteCoding(Writer& w, const Segment& segment, int field,
                            int first_component) const {
  const std::string code = segment.Text(field, first_component);
  const std::string display = segment.Text(field, first_component + 1);
  w.StartObject();
  w.Key("system");
  w.String(SystemFor(segment.Text(field, first_component + 2)).c_str());
  w.Key("code");
  w.String(code.c_str());
  if (!display.empty()) {
    w.Key("display");
    w.String(display.c_str());
  }
  w.EndObject();
}

void Converter::WriteCodeableConcept(Writer& w, const Segment& segment, int field) const {
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  if (!segment.Text(field, 1).empty()) WriteCoding(w, segment, field, 1);
  if (!segment.Text(field, 4).empty()) WriteCoding(w, segment, field, 4);  // alternate
  w.EndArray();
  w.EndObject();
}

void Converter::WriteQuantity(Writer& w, const Quantity& q, const Unit& unit) const {
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
bool Converter::ConvertObx(Writer& w, const Segment& obx, int obx_sequence, const Segment* obr,
                           int obr_sequence, const Segment* pid, int pid_sequence) {
  const size_t issues_before = result_.issues.size();
  auto at = [&](int field, int component = 0) {
    return Hl7Location{"OBX", obx_sequence, field, component};
  };
  auto has_new_errors = [&] {
    for (size_t i = issues_before; i < result_.issues.size(); ++i) {
      if (result_.issues[i].severity == ConversionIssue::Severity::kError) return true;
    }
    return false;
  };

  // OBX-11: status, by the stated policy.
  const std::string status_code = obx.Text(11);
  auto rule = mapping_.status_policy.find(status_code);
  if (rule == mapping_.status_policy.end()) {
    Error(at(11), status_code.empty() ? 101 : 103,
          status_code.empty() ? "OBX-11 (observation result status) is required"
                              : "OBX-11 is not a code of HL7 table 0085");
    return false;
  }
  if (!rule->second.convert) {
    Error(at(11), 207, absl::StrCat("OBX-11 '", status_code, "' is not converted: ",
                                    rule->second.reason));
    return false;
  }

  // Subject: PID-3, the first repetition with an id, by identifier (system from CX-4).
  std::string subject_system, subject_value;
  if (pid == nullptr) {
    Error(Hl7Location{"PID", 1, 0, 0}, 100, "an ORU^R01 needs a PID segment before its OBX");
  } else {
    for (int rep = 1; rep <= std::max(1, pid->RepetitionCount(3)); ++rep) {
      subject_value = pid->Text(3, 1, 0, rep);
      if (subject_value.empty()) continue;
      const std::string namespace_id = pid->Text(3, 4, 1, rep);
      const std::string universal_id = pid->Text(3, 4, 2, rep);
      const std::string universal_type = pid->Text(3, 4, 3, rep);
      if (universal_type == "ISO" && !universal_id.empty()) {
        subject_system = absl::StrCat("urn:oid:", universal_id);
      } else {
        subject_system = namespace_id;
      }
      break;
    }
    if (subject_value.empty()) {
      Error(Hl7Location{"PID", pid_sequence, 3, 1}, 101,
            "PID-3 (patient identifier list) has no identifier");
    } else if (subject_system.empty()) {
      Error(Hl7Location{"PID", pid_sequence, 3, 4}, 101,
            "PID-3 has no assigning authority (CX-4): the identifier's system is unknown");
    }
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

  // OBX-2 / OBX-5: value.
  const std::string value_type = obx.Text(2);
  const bool has_value = !obx.Raw(5).empty();
  auto kind = mapping_.value_types.find(value_type);
  if (has_value && kind == mapping_.value_types.end()) {
    Error(at(2), value_type.empty() ? 101 : 103,
          value_type.empty() ? "OBX-2 (value type) is required with a value in OBX-5"
                             : absl::StrCat("OBX-2 value type ", QuoteCode(value_type),
                                            " is not converted (see fhir-profiles/hl7v2/"
                                            "oru_r01.json value_types)"));
  }
  if (!has_value && rule->second.requires_value) {
    Error(at(5), 101, absl::StrCat("OBX-11 '", status_code, "' is converted only with OBX-5: ",
                                   rule->second.reason));
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
      Error(at(6, 1), 103, "OBX-6 unit is neither UCUM nor in the unit table "
                           "(fhir-profiles/hl7v2/oru_r01.json units)");
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

  // Deterministic id: the sending system, MSH-10 and OBX-1 (else the OBX's position).
  std::string set_id = obx.Text(1);
  if (set_id.empty()) set_id = absl::StrCat("#", obx_sequence);
  const std::string digest = Sha256Hex(
      absl::StrCat(SendingSystem(message_), "\x1f", message_.control_id(), "\x1f", set_id));
  const std::string id = absl::StrCat("hl7-", digest.substr(0, 40));
  const std::string uuid = absl::StrCat(digest.substr(0, 8), "-", digest.substr(8, 4), "-",
                                        digest.substr(12, 4), "-", digest.substr(16, 4), "-",
                                        digest.substr(20, 12));

  w.StartObject();
  w.Key("fullUrl");
  w.String(absl::StrCat("urn:uuid:", uuid).c_str());
  w.Key("resource");
  w.StartObject();
  w.Key("resourceType");
  w.String("Observation");
  w.Key("id");
  w.String(id.c_str());
  w.Key("status");
  w.String(rule->second.status.c_str());
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
  w.StartObject();
  w.Key("identifier");
  w.StartObject();
  w.Key("system");
  w.String(subject_system.c_str());
  w.Key("value");
  w.String(subject_value.c_str());
  w.EndObject();
  w.EndObject();
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
  w.EndObject();  // resource
  w.Key("request");
  w.StartObject();
  w.Key("method");
  w.String("PUT");
  w.Key("url");
  w.String(absl::StrCat("Observation/", id).c_str());
  w.EndObject();
  w.EndObject();  // entry
  return true;
}

ConversionResult Converter::Run() {
  if (message_.message_code() != "ORU" || message_.trigger_event() != "R01") {
    Error(Hl7Location{"MSH", 1, 9, 0}, 200,
          absl::StrCat("message type ", QuoteCode(message_.message_type()),
                       " is not converted here: only ORU^R01"));
    return std::move(result_);
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("transaction");
  w.Key("entry");
  w.StartArray();
  std::map<std::string, int> occurrences;
  const Segment* pid = nullptr;
  const Segment* obr = nullptr;
  int pid_sequence = 0, obr_sequence = 0, converted = 0;
  for (const Segment& segment : message_.segments()) {
    const int sequence = ++occurrences[std::string(segment.name())];
    if (segment.name() == "PID") {
      pid = &segment;
      pid_sequence = sequence;
    } else if (segment.name() == "OBR") {
      obr = &segment;
      obr_sequence = sequence;
    } else if (segment.name() == "OBX") {
      if (ConvertObx(w, segment, sequence, obr, obr_sequence, pid, pid_sequence)) ++converted;
    }
  }
  w.EndArray();
  w.EndObject();
  if (occurrences["OBX"] == 0) {
    Error(Hl7Location{"OBX", 1, 0, 0}, 100, "the ORU^R01 has no OBX: nothing to convert");
  }
  bool errors = false;
  for (const ConversionIssue& issue : result_.issues) {
    errors |= issue.severity == ConversionIssue::Severity::kError;
  }
  if (!errors) result_.bundle_json = buffer.GetString();
  return std::move(result_);
}

}  // namespace

std::string Hl7Location::ToString() const {
  return absl::StrCat(segment, "^", sequence, "^", field, "^", component);
}

bool ConversionResult::ok() const {
  for (const ConversionIssue& issue : issues) {
    if (issue.severity == ConversionIssue::Severity::kError) return false;
  }
  return !bundle_json.empty();
}

std::string SendingSystem(const Message& message) {
  return absl::StrCat(message.msh().Text(3, 1), "@", message.msh().Text(4, 1));
}

ConversionResult ConvertOruR01(const Message& message, const ConvertOptions& options) {
  return Converter(message, options).Run();
}

}  // namespace trialgate::hl7v2
