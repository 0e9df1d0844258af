// `trialgate hl7 convert FILE...`: each HL7 v2 message of the files as the FHIR R4 Bundle it
// becomes, with no server: what a site's interface analyst checks a feed with before going live.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/hl7_messages.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/conversion.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::cli {
namespace {

void WriteIssues(rapidjson::Writer<rapidjson::StringBuffer>& w,
                 const std::vector<hl7v2::ConversionIssue>& issues) {
  w.Key("issues");
  w.StartArray();
  for (const hl7v2::ConversionIssue& issue : issues) {
    w.StartObject();
    w.Key("severity");
    w.String(issue.severity == hl7v2::ConversionIssue::Severity::kError ? "error" : "warning");
    w.Key("location");
    w.String(issue.location.ToString().c_str());
    w.Key("code");
    w.Int(issue.hl7_error_code);
    w.Key("text");
    w.String(issue.text.c_str());
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

int RunHl7Convert(const Hl7ConvertOptions& options) {
  hl7v2::ConvertOptions convert;
  if (!absl::LoadTimeZone(options.time_zone, &convert.site_zone)) {
    std::cerr << "unknown time zone '" << options.time_zone << "' (an IANA name, e.g. Europe/Berlin)\n";
    return 2;
  }
  convert.site_id = options.site;
  convert.local_code_system = options.local_code_system;
  convert.patient_identifier_system = options.patient_identifier_system;
  bool all_converted = true;
  for (const std::string& file : options.files) {
    std::vector<std::string> messages;
    if (!ReadHl7Messages(file, &messages)) {
      std::cerr << "cannot read " << file << "\n";
      all_converted = false;
      continue;
    }
    int index = 0;
    for (const std::string& raw : messages) {
      ++index;
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
      w.StartObject();
      w.Key("file");
      w.String(file.c_str());
      w.Key("message");
      w.Int(index);
      absl::StatusOr<hl7v2::Decoded> decoded = hl7v2::DecodeToUtf8(raw);
      absl::StatusOr<hl7v2::Message> message =
          decoded.ok() ? hl7v2::Message::Parse(decoded->text) : decoded.status();
      if (!message.ok()) {
        all_converted = false;
        WriteIssues(w, {{hl7v2::ConversionIssue::Severity::kError, {"MSH", 1, 0, 0}, 102,
                         std::string(message.status().message())}});
      } else {
        w.Key("controlId");
        w.String(message->control_id().c_str());
        w.Key("messageType");
        w.String(std::string(message->message_type()).c_str());
        hl7v2::ConvertOptions per_message = convert;
        if (per_message.site_id.empty()) {
          per_message.site_id = absl::AsciiStrToLower(message->msh().Text(4, 1));
        }
        hl7v2::ConversionResult result = hl7v2::ConvertMessage(*message, per_message);
        if (result.ok()) {
          w.Key("bundle");
          w.RawValue(result.bundle_json.c_str(), result.bundle_json.size(), rapidjson::kObjectType);
        } else {
          all_converted = false;
        }
        if (!result.issues.empty()) WriteIssues(w, result.issues);
      }
      w.EndObject();
      std::cout << buffer.GetString() << "\n";
    }
  }
  return all_converted ? 0 : 1;
}

}  // namespace trialgate::cli
