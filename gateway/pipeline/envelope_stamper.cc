#include "gateway/pipeline/envelope_stamper.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "gateway/identity/source_identity.h"
#include "gateway/pipeline/resource_fields.h"

namespace trialgate::pipeline {

std::string StoredLogicalId(const rapidjson::Value& resource, const EntryDirective* directive) {
  return directive != nullptr && !directive->logical_id.empty() ? directive->logical_id
                                                                : StringMember(resource, "id");
}

store::SourceWrite EnvelopeStamper::Stamp(const rapidjson::Value& resource,
                                          const Envelope& envelope, std::vector<v1::Event> events,
                                          const EntryDirective* directive) const {
  const std::string resource_type = StringMember(resource, "resourceType");
  std::string logical_id = StoredLogicalId(resource, directive);
  const std::string compact = identity::CompactJson(resource);
  const std::string logical_id_pseudonym =
      logical_id.empty() ? std::string()
                         : pseudonymizer_.PseudonymizeResourceId(envelope.source_system,
                                                                 resource_type, logical_id);
  const std::string content_digest = pseudonymizer_.Digest("content", compact);
  // A Patient's id is often the hospital's patient number, and the store keeps source keys as
  // they are: a Patient is keyed by its pseudonymised id and keyed content digest instead.
  const bool patient = resource_type == "Patient";
  if (patient) logical_id = logical_id_pseudonym;
  store::SourceWrite write;
  write.resource_key = identity::ResourceKey(envelope.source_system, resource_type, logical_id);
  if (directive == nullptr) {
    std::string version_id;
    if (auto meta = resource.FindMember("meta"); meta != resource.MemberEnd()) {
      version_id = StringMember(meta->value, "versionId");
    }
    write.source_key = identity::SourceKey(envelope.source_system, resource_type, logical_id,
                                           version_id,
                                           patient ? content_digest : identity::Sha256Hex(compact));
  } else {
    // The server's versions: the content tells them apart (a conditional create keeps its
    // first), whatever meta.versionId the sender left in the body.
    write.source_key = identity::SourceKeyOf(
        write.resource_key,
        directive->created_once
            ? std::string("created-once")
            : absl::StrCat("sha256=", patient ? content_digest : identity::Sha256Hex(compact)));
    write.number_version = true;
    write.expected_version = directive->if_match;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    v1::Event& event = events[i];
    event.set_event_id(identity::PseudonymousEventId(pseudonymizer_, write.source_key, i));
    event.set_subject_id(envelope.subject_id);
    event.set_site_id(envelope.site_id);
    event.mutable_source()->set_system(envelope.source_system);
    event.mutable_source()->set_logical_id(logical_id_pseudonym);
    event.mutable_source()->set_content_sha256(content_digest);
    event.mutable_source()->set_message_id(envelope.message_id);
    if (directive != nullptr) event.mutable_source()->clear_version_id();
    *event.mutable_recorded_at() = envelope.recorded_at;
  }
  write.events = std::move(events);
  return write;
}

}  // namespace trialgate::pipeline
