#include "gateway/http/resource_writer.h"

#include <string_view>

namespace trialgate::http {
namespace {

void WriteValue(const rapidjson::Value& value, const mappers::NumberTexts* numbers,
                JsonWriter& writer);

void WriteMember(const rapidjson::Value::ConstMemberIterator& member,
                 const mappers::NumberTexts* numbers, JsonWriter& writer) {
  writer.Key(member->name.GetString(), member->name.GetStringLength());
  WriteValue(member->value, numbers, writer);
}

void WriteValue(const rapidjson::Value& value, const mappers::NumberTexts* numbers,
                JsonWriter& writer) {
  if (value.IsNumber()) {
    const std::string text = mappers::NumberText(value, numbers);
    writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
  } else if (value.IsObject()) {
    writer.StartObject();
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
      WriteMember(it, numbers, writer);
    }
    writer.EndObject();
  } else if (value.IsArray()) {
    writer.StartArray();
    for (const rapidjson::Value& item : value.GetArray()) WriteValue(item, numbers, writer);
    writer.EndArray();
  } else {
    value.Accept(writer);  // string, bool, null
  }
}

void WriteString(const char* key, const std::string& text, JsonWriter& writer) {
  writer.Key(key);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// meta with the server's versionId and lastUpdated; the client's other members kept.
void WriteMeta(const rapidjson::Value* sent, const mappers::NumberTexts* numbers,
               const ServerFields& fields, JsonWriter& writer) {
  writer.StartObject();
  if (!fields.version_id.empty()) WriteString("versionId", fields.version_id, writer);
  if (!fields.last_updated.empty()) WriteString("lastUpdated", fields.last_updated, writer);
  if (sent != nullptr && sent->IsObject()) {
    for (auto it = sent->MemberBegin(); it != sent->MemberEnd(); ++it) {
      const std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if ((name == "versionId" && !fields.version_id.empty()) ||
          (name == "lastUpdated" && !fields.last_updated.empty())) {
        continue;
      }
      WriteMember(it, numbers, writer);
    }
  }
  writer.EndObject();
}

}  // namespace

void WriteResource(const rapidjson::Value& resource, const mappers::NumberTexts* numbers,
                   const ServerFields& fields, JsonWriter& writer) {
  if (!resource.IsObject()) return WriteValue(resource, numbers, writer);
  const bool has_meta_fields = !fields.version_id.empty() || !fields.last_updated.empty();
  bool wrote_id = false, wrote_meta = false;
  writer.StartObject();
  for (auto it = resource.MemberBegin(); it != resource.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name == "id" && !fields.id.empty()) {
      WriteString("id", fields.id, writer);
      wrote_id = true;
    } else if (name == "meta" && has_meta_fields) {
      writer.Key("meta");
      WriteMeta(&it->value, numbers, fields, writer);
      wrote_meta = true;
    } else {
      WriteMember(it, numbers, writer);
      // FHIR JSON puts id and meta right after resourceType.
      if (name == "resourceType" && !fields.id.empty() && !resource.HasMember("id")) {
        WriteString("id", fields.id, writer);
        wrote_id = true;
      }
      if (name == "resourceType" && has_meta_fields && !resource.HasMember("meta")) {
        writer.Key("meta");
        WriteMeta(nullptr, numbers, fields, writer);
        wrote_meta = true;
      }
    }
  }
  if (!wrote_id && !fields.id.empty()) WriteString("id", fields.id, writer);
  if (!wrote_meta && has_meta_fields) {
    writer.Key("meta");
    WriteMeta(nullptr, numbers, fields, writer);
  }
  writer.EndObject();
}

std::string ResourceJson(const rapidjson::Value& resource, const mappers::NumberTexts* numbers) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  WriteResource(resource, numbers, {}, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace trialgate::http
