// `trialgate hl7 send FILE...`: sends each HL7 v2 message of the files over MLLP (plain TCP or
// TLS) and prints the ACK that answers it: how a site tests its feed against the gateway, or
// the gateway against another receiver.
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/hl7_messages.h"
#include "gateway/cli/mllp_client.h"
#include "gateway/hl7v2/ack.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/escapes.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::cli {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void WriteErrors(JsonWriter& w, const std::vector<hl7v2::ReadAckError>& errors) {
  w.Key("errors");
  w.StartArray();
  for (const hl7v2::ReadAckError& error : errors) {
    w.StartObject();
    WriteString(w, "location", error.location);
    w.Key("code");
    w.Int(error.code);
    if (!error.severity.empty()) WriteString(w, "severity", error.severity);
    WriteString(w, "text", error.text);
    w.EndObject();
  }
  w.EndArray();
}

// Sends one message and writes what came back into `w`. True when it was accepted (AA or CA,
// for this control id).
bool SendOne(const Hl7SendOptions& options, std::unique_ptr<MllpClient>& client,
             const std::string& raw, const std::string& control_id, JsonWriter& w) {
  if (client == nullptr) {
    absl::StatusOr<std::unique_ptr<MllpClient>> connected = MllpClient::Connect(options.connection);
    if (!connected.ok()) {
      WriteString(w, "error", std::string(connected.status().message()));
      return false;
    }
    client = std::move(*connected);
  }
  absl::StatusOr<std::string> answer = client->Exchange(raw);
  if (!answer.ok()) {
    // The connection's state is unknown after a failure: the next message gets a new one.
    if (!absl::IsInvalidArgument(answer.status())) client.reset();
    WriteString(w, "error", std::string(answer.status().message()));
    return false;
  }
  absl::StatusOr<hl7v2::Decoded> decoded = hl7v2::DecodeToUtf8(*answer);
  absl::StatusOr<hl7v2::AckReport> report =
      decoded.ok() ? hl7v2::ReadAck(decoded->text) : decoded.status();
  if (!report.ok()) {
    WriteString(w, "error", absl::StrCat("unreadable answer: ", report.status().message()));
    return false;
  }
  WriteString(w, "ack", report->code);
  if (!report->text.empty()) WriteString(w, "text", report->text);
  WriteErrors(w, report->errors);
  if (report->control_id != control_id) {
    WriteString(w, "error", absl::StrCat("the ACK answers control id '", report->control_id,
                                         "', not this message's"));
    return false;
  }
  return report->accepted();
}

}  // namespace

int RunHl7Send(const Hl7SendOptions& options, std::ostream& out, std::ostream& err) {
  // OpenSSL writes with write(2): a server that closed must give an error, not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  bool all_accepted = true;
  std::unique_ptr<MllpClient> client;  // one connection for all messages, in order
  for (const std::string& file : options.files) {
    std::vector<std::string> messages;
    if (!ReadHl7Messages(file, &messages)) {
      err << "cannot read " << file << "\n";
      all_accepted = false;
      continue;
    }
    int index = 0;
    for (const std::string& raw : messages) {
      ++index;
      hl7v2::InboundHeader header = hl7v2::ReadInboundHeader(raw);
      std::string control_id = hl7v2::Unescape(header.control_id, header.delimiters);
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      w.StartObject();
      WriteString(w, "file", file);
      w.Key("message");
      w.Int(index);
      WriteString(w, "controlId", control_id);
      if (!SendOne(options, client, raw, control_id, w)) all_accepted = false;
      w.EndObject();
      out << buffer.GetString() << "\n" << std::flush;
    }
  }
  return all_accepted ? 0 : 1;
}

}  // namespace trialgate::cli
