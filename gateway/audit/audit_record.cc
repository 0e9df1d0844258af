#include "gateway/audit/audit_record.h"

#include "gateway/audit/chain.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::audit {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Length of the well-formed UTF-8 sequence at text[i], or 0 if there is none.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // bounds of the second byte (no overlongs, surrogates)
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return length;
}

// `text` as valid UTF-8 of at most `max_bytes`, cut before a character, bad bytes as U+FFFD.
std::string CleanUtf8(std::string_view text, size_t max_bytes = std::string::npos) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    const std::string_view piece = length == 0 ? "\xef\xbf\xbd" : text.substr(i, length);
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += length == 0 ? 1 : length;
  }
  return out;
}

void String(JsonWriter& writer, std::string_view text) {
  const std::string clean = CleanUtf8(text);
  writer.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void Value(JsonWriter& writer, const AuditValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    String(writer, *text);
  } else if (const auto* number = std::get_if<uint64_t>(&value)) {
    writer.Uint64(*number);
  } else if (const auto* flag = std::get_if<bool>(&value)) {
    writer.Bool(*flag);
  } else if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    writer.StartArray();
    for (const std::string& item : *list) String(writer, item);
    writer.EndArray();
  } else if (const auto* counts = std::get_if<std::map<std::string, uint64_t>>(&value)) {
    writer.StartObject();
    for (const auto& [key, count] : *counts) {
      String(writer, key);
      writer.Uint64(count);
    }
    writer.EndObject();
  }
}

}  // namespace

std::string FormatAuditLine(const AuditRecord& record, uint64_t seq, const std::string& prev) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("seq");
  writer.Uint64(seq);
  writer.Key("time");
  String(writer, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", record.time, absl::UTCTimeZone()));
  writer.Key("identity");
  String(writer, record.identity);
  writer.Key("roles");
  writer.StartArray();
  for (const std::string& role : record.roles) String(writer, role);
  writer.EndArray();
  writer.Key("site");
  String(writer, record.site);
  writer.Key("peer");
  String(writer, record.peer);
  writer.Key("rpc");
  String(writer, record.rpc);
  writer.Key("target");
  writer.StartObject();
  for (const auto& [key, value] : record.target) {
    String(writer, key);
    Value(writer, value);
  }
  writer.EndObject();
  writer.Key("code");
  String(writer, record.code);
  writer.Key("message");
  const std::string message = CleanUtf8(record.message, kMaxMessageBytes);
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.Key("durationUs");
  writer.Int64(absl::ToInt64Microseconds(record.duration));
  writer.Key("prev");
  String(writer, prev);
  writer.EndObject();

  // Replace the closing brace by the hash member: the hash covers exactly the object above.
  std::string line(buffer.GetString(), buffer.GetSize());
  const std::string hash = Sha256Hex(line);
  line.pop_back();
  line.append(",\"hash\":\"").append(hash).append("\"}");
  return line;
}

}  // namespace trialgate::audit
