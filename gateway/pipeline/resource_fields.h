#ifndef TRIALGATE_GATEWAY_PIPELINE_RESOURCE_FIELDS_H_
#define TRIALGATE_GATEWAY_PIPELINE_RESOURCE_FIELDS_H_

#include <string>

#include "rapidjson/document.h"

namespace trialgate::pipeline {

// The string member `name` of `object`; "" when `object` is not an object or the member is
// absent or not a string. For the few fields the pipeline itself reads (resourceType, id, type,
// fullUrl, meta.versionId); everything else is read by the validator and the mappers.
inline std::string StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : "";
}

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_RESOURCE_FIELDS_H_
