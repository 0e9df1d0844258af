#ifndef TRIALGATE_GATEWAY_PIPELINE_PIPELINE_H_
#define TRIALGATE_GATEWAY_PIPELINE_PIPELINE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/clock.h"
#include "gateway/identity/enrollment_registry.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/identity/subject_resolver.h"
#include "gateway/pipeline/body_validator.h"
#include "gateway/metrics/gateway_metrics.h"
#include "gateway/pipeline/bundle_rules.h"
#include "gateway/pipeline/envelope_stamper.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/pipeline/pipeline_metrics.h"
#include "gateway/pipeline/submission.h"
#include "gateway/security/caller.h"
#include "gateway/security/site_authorization.h"
#include "gateway/store/event_store.h"
#include "gateway/store/subject_change_listener.h"
#include "gateway/validation/resource_validator.h"
#include "mappers/number_texts.h"
#include "mappers/study.h"

namespace trialgate::pipeline {

struct PipelineOptions {
  DecodeLimits limits;
  // Sending system -> site (see security::SiteAuthorization). Empty: every sending system is
  // its own site on a development listener.
  std::map<std::string, std::string> site_by_system;
  // Stamps events' recorded_at, once per submission. Never null; must outlive the pipeline.
  const Clock* clock = &SystemClock();
  // Counts submissions and entries and times the stages, for every channel alike. Null: no
  // metrics (tests). Must outlive the pipeline.
  metrics::GatewayMetrics* metrics = nullptr;
};

// The resource types Ingest takes, for every channel: those mapped to events, Patient among
// them (of an enrolled subject's Patient only a death is stored). Sorted.
const std::vector<std::string>& TakenResourceTypes();
bool IsTakenResourceType(absl::string_view resource_type);
// What Ingest takes, in words, for the issue that refuses another type: "Observation, ...
// (mapped to events) and Patient (validated; of an enrolled subject only a death is stored)".
std::string TakenResourceTypesText();

// The one ingest seam: turns submitted FHIR R4 bodies into stored canonical events, for every
// channel alike. A channel (gRPC today; HL7 v2 over MLLP and the FHIR REST facade tomorrow)
// authenticates its caller, turns its wire format into a FHIR body, calls Ingest, and turns the
// outcomes back into its own answer; site rules, Bundle rules, validation, identity and
// idempotency all happen here, in stage order:
//
//   site -> decode -> Bundle rules -> validate -> per entry: map -> resolve subject -> stamp
//   -> commit (one transaction, answered once durable) -> tell the listener who changed.
//
// Knows nothing of any wire protocol. Thread-safe.
class Pipeline {
 public:
  using Done = std::function<void(SubmissionResult)>;

  // The validator, registry, store and listener must outlive the pipeline; `listener` may be
  // null (nothing is derived after commits, e.g. in tests of earlier stages).
  Pipeline(std::shared_ptr<const mappers::Study> study, PipelineOptions options,
           const validation::ResourceValidator& validator, identity::Pseudonymizer pseudonymizer,
           identity::EnrollmentRegistry* registry, store::EventStore* store,
           store::SubjectChangeListener* listener = nullptr);

  // Ingests one body sent by `caller`. `done` runs exactly once: at once when nothing is to be
  // stored, else on a store thread after the accepted events are durable; it must not block. A
  // transaction Bundle is all or nothing; a batch or collection Bundle is judged per entry. A
  // Patient is validated and, when valid, accepted with an information issue: nothing of it is
  // stored but, for a patient enrolled here (by its id or identifiers), a death (SubjectDied,
  // the day only); other entries may still refer to it (fullUrl or Patient/id).
  // The events belong to the caller's site (security::SiteAuthorization).
  void Ingest(const security::Caller& caller, const Submission& submission, Done done) const;

  // Decodes and validates a body as Ingest would, storing nothing (see BodyValidator, which
  // `trialgate validate` also uses without a server). Unlike Ingest, judges any resource type
  // the definitions know.
  ValidationResult Validate(absl::string_view body, absl::string_view profile_url = {}) const;

  const mappers::Study& study() const { return *study_; }
  // The pseudonymisation key's holder, for a channel that names resources by it (the FHIR REST
  // facade's server-assigned ids).
  const identity::Pseudonymizer& pseudonymizer() const { return pseudonymizer_; }

 private:
  struct Prepared;
  // What every entry of one submission shares.
  struct Scope {
    std::string source_system;
    std::string site_id;
    std::string message_id;  // pseudonym of Submission::message_key; empty without one
    const mappers::NumberTexts* numbers;
    const identity::BundleIndex* bundle;
    google::protobuf::Timestamp recorded_at;
    const std::vector<EntryDirective>* directives;  // Submission::directives
    Channel channel;
  };

  absl::StatusOr<Prepared> Prepare(const security::Caller& caller, const Submission& submission,
                                   std::vector<Issue>* refusal, StageTimer& timer) const;
  absl::StatusOr<std::vector<std::vector<Issue>>> ValidateBody(const rapidjson::Value& body,
                                                               const BodyEntries& read,
                                                               std::vector<Issue>* refusal) const;
  void PrepareEntry(const BodyEntry& entry, std::vector<Issue> validation, const Scope& scope,
                    Prepared& prepared) const;
  void Commit(Prepared prepared, Channel channel, Done done) const;

  std::shared_ptr<const mappers::Study> study_;
  PipelineOptions options_;
  const validation::ResourceValidator& validator_;
  const BodyValidator body_validator_;
  const identity::Pseudonymizer pseudonymizer_;
  const security::SiteAuthorization sites_;
  const identity::SubjectResolver subjects_;
  const EnvelopeStamper stamper_;
  store::EventStore* store_;
  store::SubjectChangeListener* listener_;
};

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_PIPELINE_H_
