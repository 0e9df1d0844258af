#include "gateway/pipeline/pipeline.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/status_macros.h"
#include "gateway/pipeline/operation_outcome.h"
#include "gateway/pipeline/resource_fields.h"
#include "google/protobuf/util/time_util.h"
#include "mappers/mapper.h"

namespace trialgate::pipeline {
namespace {

using Outcome = EntryResult::Outcome;

Issue Error(std::string code, std::string expression, std::string diagnostics) {
  return Issue{Issue::Severity::kError, std::move(code), std::move(expression),
               std::move(diagnostics)};
}

Issue NotTakenIssue(const BodyEntry& entry, const std::string& resource_type) {
  return Error("not-supported", entry.path,
               absl::StrCat("resourceType '", resource_type, "' is not supported: Submit takes ",
                            TakenResourceTypesText()));
}

// The gateway keeps no direct identifiers: a patient is known only by pseudonymised keys of the
// references and identifiers other resources use, and enrolled by a ResearchSubject. So a valid
// Patient (e.g. in a hospital's transaction Bundle, where other entries refer to its fullUrl) is
// answered and dropped: no write, no event, nothing of it logged. The one exception is the death
// of an enrolled subject (PatientDeathIssue).
Issue PatientNotStoredIssue(const BodyEntry& entry) {
  return Issue{Issue::Severity::kInformation, "informational", entry.path,
               "Patient validated and not stored: trialgate keeps no patient names, identifiers "
               "or other demographics, only pseudonymised keys of the references and "
               "identifiers that other resources use; a patient is enrolled by a "
               "ResearchSubject. Of the Patient of an enrolled subject only a death "
               "(deceasedDateTime, the day) is kept"};
}

Issue PatientDeathIssue(const BodyEntry& entry) {
  return Issue{Issue::Severity::kInformation, "informational", entry.path,
               "of this Patient only the death (its day; or, with deceasedBoolean false, the "
               "withdrawal of a death an earlier version of it reported) is stored, for the "
               "study subject it is enrolled as; no name, identifier or other demographic"};
}

// Whether a Patient's events only say "not deceased" (a SubjectDied withdrawn).
bool OnlyWithdrawsADeath(const std::vector<v1::Event>& events) {
  return !events.empty() && std::all_of(events.begin(), events.end(), [](const v1::Event& event) {
           return event.has_subject_died() && event.subject_died().withdrawn();
         });
}

// The FHIR issue code for a subject that could not be resolved (SubjectResolver::Resolve).
const char* SubjectIssueCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return "not-found";
    case absl::StatusCode::kFailedPrecondition:
      return "conflict";
    default:
      return "value";
  }
}

SubmissionResult Refused(absl::Status status, std::vector<Issue> issues) {
  SubmissionResult result;
  if (issues.empty()) issues.push_back(IssueFromStatus(status));
  result.status = std::move(status);
  result.issues = std::move(issues);
  return result;
}

}  // namespace

// Patient is among them: of it only a death is stored (see PrepareEntry).
const std::vector<std::string>& TakenResourceTypes() {
  static const std::vector<std::string>* types = [] {
    auto* taken = new std::vector<std::string>(mappers::SupportedResourceTypes());
    std::sort(taken->begin(), taken->end());
    return taken;
  }();
  return *types;
}

bool IsTakenResourceType(absl::string_view resource_type) {
  const std::vector<std::string>& taken = TakenResourceTypes();
  return std::binary_search(taken.begin(), taken.end(), resource_type);
}

std::string TakenResourceTypesText() {
  std::vector<std::string> mapped;
  for (const std::string& type : mappers::SupportedResourceTypes()) {
    if (type != "Patient") mapped.push_back(type);
  }
  return absl::StrCat(absl::StrJoin(mapped, ", "),
                      " (mapped to events) and Patient (validated; of an enrolled subject only "
                      "a death is stored)");
}

// A submission on its way to the store: each entry's result, and the writes of the accepted.
struct Pipeline::Prepared {
  SubmissionResult result;
  std::string site;  // the caller's, for the metrics' labels
  std::vector<store::SourceWrite> writes;
  std::vector<size_t> entry_of_write;  // index into result.entries of each write
  identity::PendingEnrollments enrollments;
  // Set when an entry's subject could not be looked up (a shared store away): the submission is
  // refused as a whole, for the sender to retry, rather than an entry rejected for good.
  absl::Status unavailable;

  void Reject(EntryResult entry) {
    entry.outcome = Outcome::kRejected;
    result.entries.push_back(std::move(entry));
  }
  void AcceptUnstored(EntryResult entry) {
    entry.outcome = Outcome::kAccepted;
    result.entries.push_back(std::move(entry));
  }
  void Accept(EntryResult entry, store::SourceWrite write) {
    for (const v1::Event& event : write.events) entry.event_ids.push_back(event.event_id());
    enrollments.Add(write.enrollments);
    writes.push_back(std::move(write));
    entry_of_write.push_back(result.entries.size());
    AcceptUnstored(std::move(entry));
  }
  void DropWrites() {
    writes.clear();
    entry_of_write.clear();
    enrollments.Clear();
  }
  // The entries' results were added in `order` (ProcessingOrder); the answer lists them as the
  // body does. The writes keep the order they were taken in.
  void PutEntriesInBodyOrder(const std::vector<size_t>& order) {
    std::vector<EntryResult> in_body_order(result.entries.size());
    for (size_t taken = 0; taken < order.size(); ++taken) {
      in_body_order[order[taken]] = std::move(result.entries[taken]);
    }
    result.entries = std::move(in_body_order);
    for (size_t& entry : entry_of_write) entry = order[entry];
  }
};

Pipeline::Pipeline(std::shared_ptr<const mappers::Study> study, PipelineOptions options,
                   const validation::ResourceValidator& validator,
                   identity::Pseudonymizer pseudonymizer, identity::EnrollmentRegistry* registry,
                   store::EventStore* store, store::SubjectChangeListener* listener)
    : study_(std::move(study)),
      options_(std::move(options)),
      validator_(validator),
      body_validator_(options_.limits, validator),
      pseudonymizer_(std::move(pseudonymizer)),
      sites_(options_.site_by_system),
      subjects_(pseudonymizer_, registry, *study_),
      stamper_(pseudonymizer_),
      store_(store),
      listener_(listener) {}

void Pipeline::Ingest(const security::Caller& caller, const Submission& submission,
                      Done done) const {
  std::vector<Issue> refusal;
  StageTimer timer(options_.metrics);
  absl::StatusOr<Prepared> prepared = Prepare(caller, submission, &refusal, timer);
  if (!prepared.ok()) {
    SubmissionResult refused = Refused(prepared.status(), std::move(refusal));
    CountSubmission(options_.metrics, submission.channel, "", refused, /*store_answered=*/false);
    return done(std::move(refused));
  }
  if (prepared->writes.empty()) {
    CountSubmission(options_.metrics, submission.channel, prepared->site, prepared->result,
                    /*store_answered=*/false);
    return done(std::move(prepared->result));
  }
  Commit(*std::move(prepared), submission.channel, std::move(done));
}

absl::StatusOr<Pipeline::Prepared> Pipeline::Prepare(const security::Caller& caller,
                                                     const Submission& submission,
                                                     std::vector<Issue>* refusal,
                                                     StageTimer& timer) const {
  ASSIGN_OR_RETURN(std::string site, sites_.SiteFor(caller, submission.source_system));
  rapidjson::Document document;
  mappers::NumberTexts numbers;
  RETURN_IF_ERROR(DecodeJson(submission.body, options_.limits, &document, &numbers));
  ASSIGN_OR_RETURN(const BodyEntries read,
                   ReadBody(document, options_.limits.max_bundle_entries, refusal));
  timer.Lap(metrics::Stage::kDecode);
  ASSIGN_OR_RETURN(std::vector<std::vector<Issue>> validation,
                   ValidateBody(document, read, refusal));
  timer.Lap(metrics::Stage::kValidate);
  const std::string message_id = submission.message_key.empty()
                                     ? std::string()
                                     : pseudonymizer_.Digest("message", submission.message_key);
  const Scope scope{std::string(submission.source_system), std::move(site), message_id, &numbers,
                    read.is_bundle ? &read.by_full_url : nullptr,
                    google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
                        absl::ToUnixMicros(options_.clock->Now())),
                    submission.directives, submission.channel};
  Prepared prepared;
  prepared.site = scope.site_id;
  const std::vector<size_t> order = ProcessingOrder(read);
  for (const size_t i : order) {
    PrepareEntry(read.entries[i], std::move(validation[i]), scope, prepared);
  }
  prepared.PutEntriesInBodyOrder(order);
  if (!prepared.unavailable.ok()) {
    refusal->push_back(IssueFromStatus(prepared.unavailable));
    return prepared.unavailable;
  }
  if (read.atomic && RejectTransactionIfAnyRejected(&prepared.result.entries)) {
    prepared.DropWrites();
  }
  timer.Lap(metrics::Stage::kMap);
  if (!prepared.writes.empty() && !submission.message_key.empty()) {
    // After the entries' writes: Committed reads the results of those by position.
    store::SourceWrite message;
    message.source_key = absl::StrCat("message|", submission.message_key);
    message.digest = std::string(submission.message_digest);
    prepared.writes.push_back(std::move(message));
  }
  return prepared;
}

absl::StatusOr<std::vector<std::vector<Issue>>> Pipeline::ValidateBody(
    const rapidjson::Value& body, const BodyEntries& read, std::vector<Issue>* refusal) const {
  std::vector<std::vector<Issue>> by_entry(read.entries.size());
  if (!read.is_bundle) {
    // A type the gateway does not take is reported as such (PrepareEntry), in one clear issue,
    // rather than validated.
    const BodyEntry& entry = read.entries.front();
    if (IsTakenResourceType(entry.path)) validator_.Validate(body, entry.path, &by_entry.front());
    return by_entry;
  }
  // The entries' issues go to their entries; what concerns no entry (Bundle.type, Bundle.link,
  // ...) makes the whole body unusable.
  std::vector<Issue> bundle_issues;
  validator_.ValidateBundle(body, &bundle_issues, &by_entry);
  for (Issue& issue : bundle_issues) {
    if (issue.severity == Issue::Severity::kError) refusal->push_back(std::move(issue));
  }
  if (!refusal->empty()) return absl::InvalidArgumentError("the Bundle is not valid FHIR R4");
  return by_entry;
}

void Pipeline::PrepareEntry(const BodyEntry& entry, std::vector<Issue> validation,
                            const Scope& scope, Prepared& prepared) const {
  EntryResult result;
  result.entry = entry.index;
  result.issues = std::move(validation);
  const EntryDirective* directive =
      scope.directives != nullptr && static_cast<size_t>(entry.index) < scope.directives->size()
          ? &(*scope.directives)[entry.index]
          : nullptr;
  if (directive != nullptr && !directive->refusal.empty()) {
    result.issues = directive->refusal;
    return prepared.Reject(std::move(result));
  }
  if (entry.resource == nullptr) {
    result.issues.insert(result.issues.begin(), MissingResourceIssue(entry));
    return prepared.Reject(std::move(result));
  }
  const rapidjson::Value& resource = *entry.resource;
  result.resource_type = StringMember(resource, "resourceType");
  result.logical_id = StoredLogicalId(resource, directive);
  if (!result.resource_type.empty() && !IsTakenResourceType(result.resource_type)) {
    result.issues.push_back(NotTakenIssue(entry, result.resource_type));
  }
  // Invalid FHIR is rejected before it is mapped; warnings travel with the accepted entry.
  if (HasErrors(result.issues)) return prepared.Reject(std::move(result));

  const bool patient = result.resource_type == "Patient";
  mappers::MapResult mapped =
      mappers::MapResource(resource, {*study_, scope.site_id, scope.numbers, entry.path,
                                      scope.channel == Channel::kMllp});
  for (Issue& issue : mapped.issues) result.issues.push_back(std::move(issue));
  if (mapped.HasErrors()) return prepared.Reject(std::move(result));
  // A Patient with no death, or of no one enrolled here, is answered as before: nothing stored.
  // So is one saying "not deceased" without an id: only a later version of the same resource
  // withdraws a death (the timeline keeps a resource's latest version), and it has none.
  const bool withdrawal = patient && OnlyWithdrawsADeath(mapped.events);
  if (patient && (mapped.events.empty() || !mapped.patient.has_value() ||
                  (withdrawal && result.logical_id.empty()))) {
    result.issues.push_back(PatientNotStoredIssue(entry));
    return prepared.AcceptUnstored(std::move(result));
  }
  if (!mapped.patient.has_value()) {
    result.issues.push_back(Error("required", entry.path, "the resource names no patient"));
    return prepared.Reject(std::move(result));
  }
  absl::StatusOr<identity::ResolvedSubject> subject = subjects_.Resolve(
      scope.site_id, *mapped.patient, mapped.enrollment, scope.bundle, prepared.enrollments);
  if (patient) {
    result.issues.push_back(subject.ok() ? PatientDeathIssue(entry)
                                         : PatientNotStoredIssue(entry));
    if (!subject.ok()) return prepared.AcceptUnstored(std::move(result));
  }
  if (absl::IsUnavailable(subject.status())) {
    prepared.unavailable = subject.status();
    return prepared.Reject(std::move(result));
  }
  if (!subject.ok()) {
    const std::string& at = mapped.patient->expression;
    result.issues.push_back(Error(SubjectIssueCode(subject.status()), at.empty() ? entry.path : at,
                                  std::string(subject.status().message())));
    return prepared.Reject(std::move(result));
  }
  store::SourceWrite write = stamper_.Stamp(resource,
                                            {scope.source_system, scope.site_id,
                                             subject->subject_id, scope.recorded_at,
                                             scope.message_id},
                                            std::move(mapped.events), directive);
  write.enrollments = std::move(subject->enrollments);
  // "Not deceased" withdraws what an earlier version of this Patient said; with none stored
  // there is nothing to withdraw, and the store writes nothing rather than a withdrawal nobody
  // needs downstream.
  write.only_after_a_stored_version = withdrawal;
  prepared.Accept(std::move(result), std::move(write));
}

namespace {

// The answer once the store has spoken; tells `listener` (if any) which subjects changed.
SubmissionResult Committed(SubmissionResult result, const std::vector<size_t>& entry_of_write,
                           const std::vector<std::string>& subject_of_write,
                           store::CommitResult commit, store::SubjectChangeListener* listener) {
  if (absl::IsAlreadyExists(commit.status)) {
    return Refused(commit.status, {Error("duplicate", "", std::string(commit.status.message()))});
  }
  if (absl::IsFailedPrecondition(commit.status)) {  // If-Match (EntryDirective::if_match)
    return Refused(commit.status, {Error("conflict", "", std::string(commit.status.message()))});
  }
  if (!commit.status.ok()) {
    const absl::Status unavailable =
        absl::UnavailableError(absl::StrCat("nothing was stored: ", commit.status.message()));
    return Refused(commit.status, {IssueFromStatus(unavailable)});
  }
  std::set<std::string> changed;
  for (size_t i = 0; i < entry_of_write.size(); ++i) {  // a message's own write comes last
    EntryResult& entry = result.entries[entry_of_write[i]];
    entry.outcome = commit.results[i].duplicate ? Outcome::kDuplicate : Outcome::kAccepted;
    entry.event_ids = std::move(commit.results[i].event_ids);
    entry.version = commit.results[i].version;
    entry.stored_at_unix_ms = commit.results[i].stored_at_unix_ms;
    if (!commit.results[i].duplicate && !commit.results[i].unneeded &&
        !subject_of_write[i].empty()) {
      changed.insert(subject_of_write[i]);
    }
  }
  if (listener != nullptr) {
    for (const std::string& subject : changed) listener->SubjectChanged(subject);
  }
  return result;
}

}  // namespace

void Pipeline::Commit(Prepared prepared, Channel channel, Done done) const {
  // Visible before the commit so the next submission on a stream can use them.
  subjects_.Register(prepared.enrollments.records());
  std::vector<std::string> subject_of_write;
  for (const store::SourceWrite& write : prepared.writes) {
    subject_of_write.push_back(write.events.empty() ? "" : write.events.front().subject_id());
  }
  StageTimer commit_timer(options_.metrics);
  store_->Commit(std::move(prepared.writes),
                 [result = std::move(prepared.result),
                  entry_of_write = std::move(prepared.entry_of_write),
                  subject_of_write = std::move(subject_of_write), listener = listener_,
                  gateway_metrics = options_.metrics, channel, site = std::move(prepared.site),
                  commit_timer, done = std::move(done)](store::CommitResult commit) mutable {
                   commit_timer.Lap(metrics::Stage::kCommit);
                   SubmissionResult answer = Committed(std::move(result), entry_of_write,
                                                       subject_of_write, std::move(commit),
                                                       listener);
                   CountSubmission(gateway_metrics, channel, site, answer,
                                   /*store_answered=*/true);
                   done(std::move(answer));
                 });
}

ValidationResult Pipeline::Validate(absl::string_view body, absl::string_view profile_url) const {
  return body_validator_.Validate(body, profile_url);
}

}  // namespace trialgate::pipeline
