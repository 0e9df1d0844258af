#ifndef TRIALGATE_GATEWAY_HTTP_RESOURCE_WRITER_H_
#define TRIALGATE_GATEWAY_HTTP_RESOURCE_WRITER_H_

#include <string>

#include "mappers/number_texts.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::http {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// What the server sets on a resource it answers with (Prefer: return=representation): its id
// and meta.versionId / meta.lastUpdated. Empty members are left as sent.
struct ServerFields {
  std::string id;
  std::string version_id;
  std::string last_updated;  // FHIR instant
};

// Writes `resource` as sent, numbers in their source text ("1.50" stays 1.50: FHIR decimals keep
// their precision), with `fields` in place of the client's. The DOM is not modified (the number
// texts are found by the values' addresses). REQUIRES: nesting within the decoder's limit.
void WriteResource(const rapidjson::Value& resource, const mappers::NumberTexts* numbers,
                   const ServerFields& fields, JsonWriter& writer);

// The same into a string, without server fields: a resource taken out of a larger document
// (a Parameters' resource, to validate it on its own).
std::string ResourceJson(const rapidjson::Value& resource, const mappers::NumberTexts* numbers);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_RESOURCE_WRITER_H_
