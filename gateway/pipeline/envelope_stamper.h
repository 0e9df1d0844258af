#ifndef TRIALGATE_GATEWAY_PIPELINE_ENVELOPE_STAMPER_H_
#define TRIALGATE_GATEWAY_PIPELINE_ENVELOPE_STAMPER_H_

#include <string>
#include <vector>

#include "gateway/identity/pseudonymizer.h"
#include "gateway/pipeline/submission.h"
#include "gateway/store/event_store.h"
#include "google/protobuf/timestamp.pb.h"
#include "rapidjson/document.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::pipeline {

// Who and when, the same for every event of one resource.
struct Envelope {
  std::string source_system;  // the sending system
  std::string site_id;
  std::string subject_id;     // the study's pseudonymous subject id
  google::protobuf::Timestamp recorded_at;
  std::string message_id;     // pseudonym of the channel message it came in; may be empty
};

// The id a resource is stored under: the one `directive` (may be null) assigns, else its own.
std::string StoredLogicalId(const rapidjson::Value& resource, const EntryDirective* directive);

// Stamps the fields the pipeline owns on a mapped resource's events and makes the resource's
// write: the source key (internal, for idempotency: the hospital's resource id and versionId, or
// an unkeyed content hash) and, on each event, a keyed event id, the subject, site, sending
// system, recorded time, and keyed pseudonyms of the resource id and content, so that neither
// can be confirmed by hashing guesses outside the gateway. Thread-safe; the pseudonymizer must
// outlive it.
class EnvelopeStamper {
 public:
  explicit EnvelopeStamper(const identity::Pseudonymizer& pseudonymizer)
      : pseudonymizer_(pseudonymizer) {}

  // The write of `resource` (a FHIR JSON object) carrying `events`, stamped; under `directive`
  // (may be null) with the id, versioning and If-Match it asks for.
  store::SourceWrite Stamp(const rapidjson::Value& resource, const Envelope& envelope,
                           std::vector<v1::Event> events,
                           const EntryDirective* directive = nullptr) const;

 private:
  const identity::Pseudonymizer& pseudonymizer_;
};

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_ENVELOPE_STAMPER_H_
