#include "gateway/pipeline/envelope_stamper.h"

#include <utility>

#include "gateway/identity/source_identity.h"
#include "gateway/pipeline/resource_fields.h"

namespace trialgate::pipeline {

store::SourceWrite EnvelopeStamper::Stamp(const rapidjson::Value& resource,
                                          const Envelope& envelope,
                                          std::vector<v1::Event> events) const {
  const std::string resource_type = StringMember(resource, "resourceType");
  const std::string logical_id = StringMember(resource, "id");
  const std::string compact = identity::CompactJson(resource);
  std::string version_id;
  if (auto meta = resource.FindMember("meta"); meta != resource.MemberEnd()) {
    version_id = StringMember(meta->value, "versionId");
  }
  store::SourceWrite write;
  write.source_key = identity::SourceKey(envelope.source_system, resource_type, logical_id,
                                         version_id, identity::Sha256Hex(compact));
  const std::string logical_id_pseudonym =
      logical_id.empty() ? std::string()
                         : pseudonymizer_.PseudonymizeResourceId(envelope.source_system,
                                                                 resource_type, logical_id);
  const std::string content_digest = pseudonymizer_.Digest("content", compact);
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Event& event = events[i];
    event.set_event_id(identity::PseudonymousEventId(pseudonymizer_, write.source_key, i));
    event.set_subject_id(envelope.subject_id);
    event.set_site_id(envelope.site_id);
    event.mutable_source()->set_system(envelope.source_system);
    event.mutable_source()->set_logical_id(logical_id_pseudonym);
    event.mutable_source()->set_content_sha256(content_digest);
    event.mutable_source()->set_message_id(envelope.message_id);
    *event.mutable_recorded_at() = envelope.recorded_at;
  }
  write.events = std::move(events);
  return write;
}

}  // namespace trialgate::pipeline
