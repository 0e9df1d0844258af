#ifndef TRIALGATE_GATEWAY_PIPELINE_PIPELINE_H_
#define TRIALGATE_GATEWAY_PIPELINE_PIPELINE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "gateway/common/clock.h"
#include "gateway/identity/enrollment_registry.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/store/event_store.h"
#include "gateway/validation/validator.h"
#include "gateway/common/issue.h"
#include "mappers/study.h"

namespace trialgate::pipeline {

struct EntryResult {
  enum class Outcome { kAccepted, kDuplicate, kRejected };
  int entry = 0;  // index in Bundle.entry; 0 for a single resource
  Outcome outcome = Outcome::kRejected;
  std::vector<std::string> event_ids;
  std::vector<Issue> issues;  // errors of a rejected entry, warnings of an accepted one
  std::string resource_type;
  std::string logical_id;
};

struct SubmissionResult {
  // Non-OK when the body as a whole could not be used (its issues say why) or the store failed;
  // then `entries` is empty and nothing was stored.
  absl::Status status;
  std::vector<Issue> issues;
  std::vector<EntryResult> entries;
};

struct PipelineOptions {
  DecodeLimits limits;
  // Sending system -> site. Empty: every sending system is its own site. Otherwise a system not
  // listed is refused.
  std::map<std::string, std::string> site_by_system;
  // Validates each resource against FHIR R4 before it is mapped; must outlive the pipeline.
  // Null: no validation (unit tests of later stages).
  const validation::Validator* validator = nullptr;
  // Called once per study subject with newly stored events, after they are durable (on a store
  // thread: it must not block). The schedule engine re-derives the subject's deviations.
  std::function<void(const std::string& subject_id)> on_subject_changed;
  // Stamps events' recorded_at, once per submission. Never null; must outlive the pipeline.
  const Clock* clock = &SystemClock();
};

// The answer to a validation without storing (FHIR's $validate).
struct ValidationResult {
  absl::Status status;                 // non-OK when the body could not be decoded at all
  std::vector<Issue> issues;  // every problem found; empty when valid
  bool valid() const { return status.ok() && !HasErrors(issues); }
};

// Turns submitted FHIR bodies into stored canonical events: decode, map, resolve the study
// subject, commit. Knows nothing of gRPC. Thread-safe.
class Pipeline {
 public:
  // `store` and `registry` must outlive the pipeline.
  Pipeline(std::shared_ptr<const mappers::Study> study, PipelineOptions options,
           identity::Pseudonymizer pseudonymizer, identity::EnrollmentRegistry* registry,
           store::EventStore* store);

  // Processes one body from `source_system`. `done` runs exactly once: at once when nothing is
  // to be stored, else on a store thread after the accepted events are durable. It must not
  // block. A transaction Bundle is all or nothing; a batch or collection Bundle is per entry.
  // A Patient is validated and, when valid, accepted with no events and an information issue:
  // nothing of it is stored, and other entries may still refer to it (fullUrl or Patient/id).
  // `caller_site`, when not empty, is the site of the authenticated caller: the events are that
  // site's whatever the body or the system id claims, and a system configured for another site
  // is refused (PERMISSION_DENIED). Empty (a plaintext development listener): the site comes
  // from the system id (PipelineOptions::site_by_system).
  void Submit(absl::string_view source_system, absl::string_view body,
              std::function<void(SubmissionResult)> done, absl::string_view caller_site = {});

  // Decodes and validates a body as Submit would, storing nothing; with `profile_url`, also
  // against that profile (the resource itself, or a Bundle's entries of the profile's type). An
  // unknown profile is an error issue. Thread-safe.
  ValidationResult Validate(absl::string_view body, absl::string_view profile_url = {}) const;

  const mappers::Study& study() const { return *study_; }

 private:
  struct Prepared;
  class SubmissionContext;

  absl::StatusOr<std::string> SiteFor(absl::string_view source_system,
                                      absl::string_view caller_site) const;
  void PrepareBundle(const rapidjson::Value& bundle, SubmissionContext& context,
                     Prepared& prepared) const;
  // `validation` holds what the validator found in this resource (with its full path).
  void PrepareResource(const rapidjson::Value& resource, int entry, const std::string& path,
                       std::vector<Issue> validation, SubmissionContext& context,
                       Prepared& prepared) const;
  // The validator's issues for `resource` (rooted at `path`); none without a validator.
  std::vector<Issue> ValidateResource(const rapidjson::Value& resource,
                                               const std::string& path) const;

  std::shared_ptr<const mappers::Study> study_;
  PipelineOptions options_;
  identity::Pseudonymizer pseudonymizer_;
  identity::EnrollmentRegistry* registry_;
  store::EventStore* store_;
};

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_PIPELINE_H_
