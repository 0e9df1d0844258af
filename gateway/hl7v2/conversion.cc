#include "gateway/hl7v2/conversion.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/oru_converter.h"
#include "gateway/hl7v2/ras_converter.h"

namespace trialgate::hl7v2 {

std::string Hl7Location::ToString() const {
  if (segment.empty()) return "";
  std::string text = absl::StrCat(segment, "^", sequence);
  if (field > 0) {
    absl::StrAppend(&text, "^", field, "^1");
    if (component > 0) absl::StrAppend(&text, "^", component);
  }
  return text;
}

absl::Status CheckPatientIdentifierSystem(absl::string_view system) {
  const size_t colon = system.find(':');
  bool valid = colon != absl::string_view::npos && colon > 0 && colon + 1 < system.size() &&
               absl::ascii_isalpha(static_cast<unsigned char>(system[0]));
  for (size_t i = 0; valid && i < colon; ++i) {
    const unsigned char c = static_cast<unsigned char>(system[i]);
    valid = absl::ascii_isalnum(c) || c == '+' || c == '-' || c == '.';
  }
  for (size_t i = colon + 1; valid && i < system.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(system[i]);
    valid = c > 0x20 && c != 0x7f;
  }
  if (!valid) {
    return absl::InvalidArgumentError(
        "a patient identifier system must be an absolute URI, e.g. urn:oid:1.2.276.0.76.4.8 or "
        "https://hospital.example/mrn");
  }
  return absl::OkStatus();
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

ConversionResult ConvertMessage(const Message& message, const ConvertOptions& options) {
  const std::string code = message.message_code();
  const std::string event = message.trigger_event();
  if (code == "ORU" && event == "R01") return ConvertOruR01(message, options);
  if (code == "RAS" && event == "O17") return ConvertRasO17(message, options);
  ConversionResult result;
  const bool known_code = code == "ORU" || code == "RAS";
  result.issues.push_back(
      {ConversionIssue::Severity::kError, Hl7Location{"MSH", 1, 9, 0},
       known_code ? 201 : 200,
       absl::StrCat("message type ", QuoteCode(message.message_type()),
                    known_code ? " has an event that is not converted"
                               : " is not converted",
                    ": only ORU^R01 (results) and RAS^O17 (administrations)")});
  return result;
}

}  // namespace trialgate::hl7v2
