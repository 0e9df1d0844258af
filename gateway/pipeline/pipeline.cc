#include "gateway/pipeline/pipeline.h"

#include <cctype>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/pipeline/operation_outcome.h"
#include "gateway/pipeline/patient_keys.h"
#include "gateway/pipeline/source_identity.h"
#include "google/protobuf/util/time_util.h"
#include "mappers/mapper.h"

namespace trialgate::pipeline {
namespace {

using Outcome = EntryResult::Outcome;

Issue Error(std::string code, std::string expression, std::string diagnostics) {
  return Issue{Issue::Severity::kError, std::move(code), std::move(expression),
               std::move(diagnostics)};
}

// Mappers write expressions from the resource's root ("Observation.code"); inside a Bundle the
// root is the entry ("Bundle.entry[2].resource.code").
std::string Rebase(const std::string& expression, const std::string& path) {
  const size_t dot = expression.find('.');
  if (dot == std::string::npos) return path;
  return path + expression.substr(dot);
}

std::string StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// Sending-system ids become part of keys and logs: keep them to a plain, bounded alphabet.
bool IsValidSystemId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != ':' && c != '/') {
      return false;
    }
  }
  return true;
}

// The index N of an expression "Bundle.entry[N]...", or -1.
int EntryOfExpression(const std::string& expression) {
  constexpr char kPrefix[] = "Bundle.entry[";
  if (expression.rfind(kPrefix, 0) != 0) return -1;
  int index = 0;
  size_t i = sizeof(kPrefix) - 1;
  for (; i < expression.size() && std::isdigit(static_cast<unsigned char>(expression[i])); ++i) {
    if (index > 100000000) return -1;
    index = index * 10 + (expression[i] - '0');
  }
  return i < expression.size() && expression[i] == ']' ? index : -1;
}

bool IsMapped(const std::string& resource_type) {
  for (const std::string& type : mappers::SupportedResourceTypes()) {
    if (type == resource_type) return true;
  }
  return false;
}

// What Submit takes: the types mapped to events, and Patient, which is validated and answered
// but never stored (see PrepareResource).
bool IsTaken(const std::string& resource_type) {
  return resource_type == "Patient" || IsMapped(resource_type);
}

}  // namespace

// What one submission learns as its entries are prepared in order, so a later entry can use an
// enrolment made by an earlier one in the same Bundle.
class Pipeline::SubmissionContext {
 public:
  SubmissionContext(std::string source_system, std::string site_id,
                    const mappers::NumberTexts* numbers, const Clock& clock)
      : source_system_(std::move(source_system)),
        site_id_(std::move(site_id)),
        numbers_(numbers),
        recorded_at_(google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(clock.Now()))) {}

  const std::string& source_system() const { return source_system_; }
  const std::string& site_id() const { return site_id_; }
  const mappers::NumberTexts* numbers() const { return numbers_; }
  const google::protobuf::Timestamp& recorded_at() const { return recorded_at_; }
  const BundleIndex* bundle() const { return bundle_ ? &*bundle_ : nullptr; }
  void set_bundle(BundleIndex index) { bundle_ = std::move(index); }

  std::optional<std::string> LocalSubject(const std::string& patient_hmac) const {
    auto it = local_enrollments_.find(patient_hmac);
    if (it == local_enrollments_.end()) return std::nullopt;
    return it->second;
  }
  void AddLocal(const store::EnrollmentRecord& record) {
    local_enrollments_[record.patient_key_hmac] = record.subject_id;
  }

 private:
  std::string source_system_;
  std::string site_id_;
  const mappers::NumberTexts* numbers_;  // the body's number texts
  google::protobuf::Timestamp recorded_at_;
  std::optional<BundleIndex> bundle_;
  std::map<std::string, std::string> local_enrollments_;  // patient HMAC -> subject id
};

struct Pipeline::Prepared {
  SubmissionResult result;
  std::vector<store::SourceWrite> writes;
  std::vector<size_t> entry_of_write;  // index into result.entries of each write
  std::vector<store::EnrollmentRecord> enrollments;
  bool atomic = false;

  void RejectBody(absl::Status status, Issue issue) {
    result.status = std::move(status);
    result.issues.push_back(std::move(issue));
  }
};

Pipeline::Pipeline(std::shared_ptr<const mappers::Study> study, PipelineOptions options,
                   identity::Pseudonymizer pseudonymizer, identity::EnrollmentRegistry* registry,
                   store::EventStore* store)
    : study_(std::move(study)),
      options_(std::move(options)),
      pseudonymizer_(std::move(pseudonymizer)),
      registry_(registry),
      store_(store) {}

absl::StatusOr<std::string> Pipeline::SiteFor(absl::string_view source_system,
                                              absl::string_view caller_site) const {
  if (!IsValidSystemId(source_system)) {
    return absl::InvalidArgumentError(
        "source_system must be 1-128 characters of letters, digits and - _ . : /");
  }
  auto it = options_.site_by_system.find(std::string(source_system));
  if (!caller_site.empty()) {
    if (it != options_.site_by_system.end() && it->second != caller_site) {
      return absl::PermissionDeniedError(absl::StrCat(
          "sending system '", source_system, "' belongs to site '", it->second,
          "'; this caller submits for site '", caller_site, "' only"));
    }
    return std::string(caller_site);
  }
  if (options_.site_by_system.empty()) return std::string(source_system);
  if (it == options_.site_by_system.end()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "sending system '", source_system, "' belongs to no configured site"));
  }
  return it->second;
}

void Pipeline::Submit(absl::string_view source_system, absl::string_view body,
                      std::function<void(SubmissionResult)> done, absl::string_view caller_site) {
  Prepared prepared;
  absl::StatusOr<std::string> site = SiteFor(source_system, caller_site);
  rapidjson::Document document;
  mappers::NumberTexts numbers;
  if (!site.ok()) {
    prepared.RejectBody(site.status(), IssueFromStatus(site.status()));
    return done(std::move(prepared.result));
  }
  if (absl::Status decoded = DecodeJson(body, options_.limits, &document, &numbers);
      !decoded.ok()) {
    prepared.RejectBody(decoded, IssueFromStatus(decoded));
    return done(std::move(prepared.result));
  }

  SubmissionContext context{std::string(source_system), *site, &numbers, *options_.clock};
  const std::string resource_type = StringMember(document, "resourceType");
  if (resource_type.empty()) {
    prepared.RejectBody(absl::InvalidArgumentError("no resourceType"),
                        Error("required", "resourceType",
                              "the body has no resourceType (a non-empty string): it is not a "
                              "FHIR resource"));
  } else if (resource_type == "Bundle") {
    PrepareBundle(document, context, prepared);
  } else {
    PrepareResource(document, 0, resource_type, ValidateResource(document, resource_type),
                    context, prepared);
  }
  if (!prepared.result.status.ok() || prepared.writes.empty()) {
    return done(std::move(prepared.result));
  }

  // Visible before the commit so the next submission on a stream can use it; commits complete
  // in order, so no event can become durable before the enrolment it relies on.
  for (const auto& record : prepared.enrollments) registry_->Register(record);

  std::vector<std::string> subject_of_write;
  for (const store::SourceWrite& write : prepared.writes) {
    subject_of_write.push_back(write.events.empty() ? "" : write.events.front().subject_id());
  }
  store_->Commit(std::move(prepared.writes),
                 [result = std::move(prepared.result),
                  entry_of_write = std::move(prepared.entry_of_write),
                  subject_of_write = std::move(subject_of_write),
                  notify = options_.on_subject_changed,
                  done = std::move(done)](store::CommitResult commit) mutable {
                   if (!commit.status.ok()) {
                     SubmissionResult failed;
                     failed.status = commit.status;
                     failed.issues.push_back(IssueFromStatus(absl::UnavailableError(absl::StrCat(
                         "nothing was stored: ", commit.status.message()))));
                     return done(std::move(failed));
                   }
                   std::set<std::string> changed;
                   for (size_t i = 0; i < commit.results.size(); ++i) {
                     EntryResult& entry = result.entries[entry_of_write[i]];
                     entry.outcome = commit.results[i].duplicate ? Outcome::kDuplicate
                                                                 : Outcome::kAccepted;
                     entry.event_ids = std::move(commit.results[i].event_ids);
                     if (!commit.results[i].duplicate && !subject_of_write[i].empty()) {
                       changed.insert(subject_of_write[i]);
                     }
                   }
                   if (notify) {
                     for (const std::string& subject : changed) notify(subject);
                   }
                   done(std::move(result));
                 });
}

std::vector<Issue> Pipeline::ValidateResource(const rapidjson::Value& resource,
                                              const std::string& path) const {
  std::vector<Issue> issues;
  // A type the gateway does not take is reported as such (PrepareResource), in one clear issue,
  // rather than validated.
  const std::string type = StringMember(resource, "resourceType");
  if (options_.validator == nullptr || (type != "Bundle" && !IsTaken(type))) return issues;
  options_.validator->Validate(resource, path, &issues);
  return issues;
}

ValidationResult Pipeline::Validate(absl::string_view body, absl::string_view profile_url) const {
  ValidationResult result;
  rapidjson::Document document;
  if (absl::Status decoded = DecodeJson(body, options_.limits, &document); !decoded.ok()) {
    result.status = decoded;
    result.issues.push_back(IssueFromStatus(decoded));
    return result;
  }
  if (options_.validator == nullptr) {
    result.status = absl::FailedPreconditionError("this gateway runs without a validator");
    result.issues.push_back(IssueFromStatus(result.status));
    return result;
  }
  const validation::TypeDef* profile = nullptr;
  if (!profile_url.empty()) {
    profile = options_.validator->profiles().FindProfile(
        std::string_view(profile_url.data(), profile_url.size()));
    if (profile == nullptr) {
      result.issues.push_back(Error("not-found", "", absl::StrCat("profile '", profile_url,
                                                                 "' is not known to this gateway")));
      return result;
    }
  }
  // Unlike Submit, $validate judges any resource type the definitions know.
  options_.validator->Validate(document, "", &result.issues, profile);
  return result;
}

void Pipeline::PrepareBundle(const rapidjson::Value& bundle, SubmissionContext& context,
                             Prepared& prepared) const {
  const std::string type = StringMember(bundle, "type");
  if (type != "transaction" && type != "batch" && type != "collection") {
    prepared.RejectBody(
        absl::InvalidArgumentError("unsupported Bundle.type"),
        Error("not-supported", "Bundle.type",
              absl::StrCat("Bundle.type '", type,
                           "' is not supported: send a transaction (all or nothing), batch or "
                           "collection Bundle")));
    return;
  }
  prepared.atomic = type == "transaction";

  auto entries_member = bundle.FindMember("entry");
  if (entries_member == bundle.MemberEnd()) return;  // an empty Bundle: nothing to do
  const rapidjson::Value& entries = entries_member->value;
  if (!entries.IsArray()) {
    prepared.RejectBody(absl::InvalidArgumentError("Bundle.entry is not an array"),
                        Error("structure", "Bundle.entry", "Bundle.entry must be an array"));
    return;
  }
  if (entries.Size() > options_.limits.max_bundle_entries) {
    const absl::Status status = absl::ResourceExhaustedError(
        absl::StrCat("the Bundle has ", entries.Size(), " entries; the limit is ",
                     options_.limits.max_bundle_entries,
                     ": split it, or send the resources over SubmitStream"));
    prepared.RejectBody(status, IssueFromStatus(status, "Bundle.entry"));
    return;
  }

  // One pass over the whole Bundle; its findings are then dealt out to the entries they concern.
  // What concerns no entry (Bundle.type, Bundle.link, ...) makes the whole body unusable.
  std::vector<std::vector<Issue>> entry_validation(entries.Size());
  std::vector<Issue> bundle_errors;
  for (Issue& issue : ValidateResource(bundle, "Bundle")) {
    const int entry = EntryOfExpression(issue.expression);
    if (entry >= 0 && entry < static_cast<int>(entries.Size())) {
      entry_validation[entry].push_back(std::move(issue));
    } else if (issue.severity == Issue::Severity::kError) {
      bundle_errors.push_back(std::move(issue));
    }
  }
  if (!bundle_errors.empty()) {
    prepared.result.status = absl::InvalidArgumentError("the Bundle is not valid FHIR R4");
    prepared.result.issues = std::move(bundle_errors);
    return;
  }

  BundleIndex index;
  for (const auto& entry : entries.GetArray()) {
    const std::string full_url = StringMember(entry, "fullUrl");
    auto resource = entry.IsObject() ? entry.FindMember("resource") : entry.MemberEnd();
    if (!full_url.empty() && entry.IsObject() && resource != entry.MemberEnd()) {
      index.emplace(full_url, &resource->value);
    }
  }
  context.set_bundle(std::move(index));

  for (rapidjson::SizeType i = 0; i < entries.Size(); ++i) {
    const rapidjson::Value& entry = entries[i];
    const std::string path = absl::StrCat("Bundle.entry[", i, "]");
    auto resource = entry.IsObject() ? entry.FindMember("resource") : entry.MemberEnd();
    if (!entry.IsObject() || resource == entry.MemberEnd() || !resource->value.IsObject()) {
      EntryResult rejected;
      rejected.entry = static_cast<int>(i);
      rejected.issues.push_back(
          Error("required", path + ".resource", "each Bundle entry must carry a resource object"));
      for (Issue& issue : entry_validation[i]) rejected.issues.push_back(std::move(issue));
      prepared.result.entries.push_back(std::move(rejected));
      continue;
    }
    PrepareResource(resource->value, static_cast<int>(i), path + ".resource",
                    std::move(entry_validation[i]), context, prepared);
  }

  if (!prepared.atomic) return;
  std::vector<std::string> failed;
  for (const EntryResult& entry : prepared.result.entries) {
    if (entry.outcome == Outcome::kRejected) failed.push_back(absl::StrCat(entry.entry));
  }
  if (failed.empty()) return;
  // All or nothing: the whole transaction is rejected and the sender is told which entries
  // caused it.
  for (EntryResult& entry : prepared.result.entries) {
    if (entry.outcome == Outcome::kRejected) continue;
    entry.outcome = Outcome::kRejected;
    entry.event_ids.clear();
    entry.issues.push_back(Error(
        "processing", absl::StrCat("Bundle.entry[", entry.entry, "]"),
        absl::StrCat("not stored: this transaction Bundle is all or nothing, and entr",
                     failed.size() == 1 ? "y " : "ies ", absl::StrJoin(failed, ", "),
                     failed.size() == 1 ? " was" : " were", " rejected")));
  }
  prepared.writes.clear();
  prepared.entry_of_write.clear();
  prepared.enrollments.clear();
}

void Pipeline::PrepareResource(const rapidjson::Value& resource, int entry_index,
                               const std::string& path, std::vector<Issue> validation,
                               SubmissionContext& context, Prepared& prepared) const {
  EntryResult entry;
  entry.entry = entry_index;
  entry.resource_type = StringMember(resource, "resourceType");
  entry.logical_id = StringMember(resource, "id");
  auto finish = [&](Outcome outcome) {
    entry.outcome = outcome;
    prepared.result.entries.push_back(std::move(entry));
  };

  // Invalid FHIR is rejected before it is mapped; warnings travel with the accepted entry.
  const bool invalid = HasErrors(validation);
  entry.issues = std::move(validation);
  if (!entry.resource_type.empty() && !IsTaken(entry.resource_type)) {
    entry.issues.push_back(Error(
        "not-supported", path,
        absl::StrCat("resourceType '", entry.resource_type, "' is not supported: Submit takes ",
                     absl::StrJoin(mappers::SupportedResourceTypes(), ", "),
                     " (mapped to events) and Patient (validated, never stored)")));
    return finish(Outcome::kRejected);
  }
  if (invalid) return finish(Outcome::kRejected);

  // The gateway keeps no direct identifiers: a patient is known only by pseudonymised keys of
  // the references and identifiers other resources use, and enrolled by a ResearchSubject. So a
  // valid Patient (e.g. in a hospital's transaction Bundle, where other entries refer to its
  // fullUrl) is answered and dropped: no write, no event, nothing of it logged.
  if (entry.resource_type == "Patient") {
    entry.issues.push_back(Issue{
        Issue::Severity::kInformation, "informational", path,
        "Patient validated and not stored: trialgate keeps no patient names, identifiers or "
        "other demographics, only pseudonymised keys of the references and identifiers that "
        "other resources use; a patient is enrolled by a ResearchSubject"});
    return finish(Outcome::kAccepted);
  }

  const mappers::MapContext map_context{*study_, context.site_id(), context.numbers()};
  mappers::MapResult mapped = mappers::MapResource(resource, map_context);
  for (Issue& issue : mapped.issues) {
    issue.expression = Rebase(issue.expression.empty() ? entry.resource_type : issue.expression,
                              path);
    entry.issues.push_back(std::move(issue));
  }
  if (mapped.HasErrors()) return finish(Outcome::kRejected);
  if (!mapped.patient.has_value()) {
    entry.issues.push_back(Error("required", path, "the resource names no patient"));
    return finish(Outcome::kRejected);
  }
  const std::string patient_path =
      Rebase(mapped.patient->expression.empty() ? entry.resource_type : mapped.patient->expression,
             path);

  absl::StatusOr<std::vector<std::string>> keys = PatientKeys(*mapped.patient, context.bundle());
  if (!keys.ok()) {
    const bool not_found = keys.status().code() == absl::StatusCode::kNotFound;
    entry.issues.push_back(Error(not_found ? "not-found" : "value", patient_path,
                                 std::string(keys.status().message())));
    return finish(Outcome::kRejected);
  }
  std::vector<std::string> hmacs;
  // After a key rotation, patients enrolled before it are known under the previous key only.
  std::vector<std::string> previous_hmacs;
  for (const std::string& key : *keys) {
    hmacs.push_back(pseudonymizer_.Pseudonymize(context.site_id(), key));
    if (auto previous = pseudonymizer_.PseudonymizeWithPreviousKey(context.site_id(), key)) {
      previous_hmacs.push_back(*std::move(previous));
    }
  }

  std::string subject_id;
  std::vector<store::EnrollmentRecord> enrollments;
  if (mapped.enrollment.has_value()) {
    subject_id = mapped.enrollment->subject_id;
    for (const std::string& previous : previous_hmacs) {
      // Only checked: a patient enrolled under the previous key is not enrolled again as
      // another subject. New enrolments are recorded under the current key.
      absl::Status consistent = registry_->CheckConsistent(
          {context.site_id(), previous, subject_id, mapped.enrollment->status,
           mapped.enrollment->enrolled_on});
      if (!consistent.ok()) {
        entry.issues.push_back(Error("conflict", patient_path, std::string(consistent.message())));
        return finish(Outcome::kRejected);
      }
    }
    for (const std::string& hmac : hmacs) {
      store::EnrollmentRecord record{context.site_id(), hmac, subject_id,
                                     mapped.enrollment->status, mapped.enrollment->enrolled_on};
      absl::Status consistent = registry_->CheckConsistent(record);
      if (std::optional<std::string> local = context.LocalSubject(hmac);
          consistent.ok() && local.has_value() && *local != subject_id) {
        consistent = absl::FailedPreconditionError(absl::StrCat(
            "this Bundle already enrols this patient as study subject ", *local));
      }
      if (!consistent.ok()) {
        entry.issues.push_back(Error("conflict", patient_path, std::string(consistent.message())));
        return finish(Outcome::kRejected);
      }
      enrollments.push_back(std::move(record));
    }
  } else {
    for (const std::string& hmac : hmacs) {
      std::optional<std::string> found = context.LocalSubject(hmac);
      if (!found) found = registry_->Find(context.site_id(), hmac);
      if (found) {
        subject_id = *found;
        break;
      }
    }
    for (size_t i = 0; subject_id.empty() && i < previous_hmacs.size(); ++i) {
      subject_id = registry_->Find(context.site_id(), previous_hmacs[i]).value_or("");
    }
    if (subject_id.empty()) {
      entry.issues.push_back(Error(
          "not-found", patient_path,
          absl::StrCat("the patient '", (*keys)[0], "' is not enrolled in study ",
                       study_->study_id(), " at site '", context.site_id(),
                       "': submit the patient's ResearchSubject (identifier system ",
                       study_->subject_id_system(), ") first")));
      return finish(Outcome::kRejected);
    }
  }

  // The source key (internal: idempotency) holds the hospital's resource id and an unkeyed
  // content hash; what events carry out of the gateway is keyed instead, so that neither the
  // id nor the content (names, identifiers) can be confirmed by hashing guesses.
  const std::string compact = CompactJson(resource);
  std::string version_id;
  if (auto meta = resource.FindMember("meta"); meta != resource.MemberEnd()) {
    version_id = StringMember(meta->value, "versionId");
  }
  store::SourceWrite write;
  write.source_key = SourceKey(context.source_system(), entry.resource_type, entry.logical_id,
                               version_id, Sha256Hex(compact));
  const std::string logical_id_pseudonym =
      entry.logical_id.empty() ? std::string()
                               : pseudonymizer_.PseudonymizeResourceId(
                                     context.source_system(), entry.resource_type,
                                     entry.logical_id);
  const std::string content_digest = pseudonymizer_.Digest("content", compact);
  for (size_t i = 0; i < mapped.events.size(); ++i) {
    v1::Event& event = mapped.events[i];
    event.set_event_id(PseudonymousEventId(pseudonymizer_, write.source_key, i));
    event.set_subject_id(subject_id);
    event.set_site_id(context.site_id());
    event.mutable_source()->set_system(context.source_system());
    event.mutable_source()->set_logical_id(logical_id_pseudonym);
    event.mutable_source()->set_content_sha256(content_digest);
    *event.mutable_recorded_at() = context.recorded_at();
    entry.event_ids.push_back(event.event_id());
  }
  write.events = std::move(mapped.events);
  write.enrollments = enrollments;
  for (const auto& record : enrollments) {
    context.AddLocal(record);
    prepared.enrollments.push_back(record);
  }
  prepared.writes.push_back(std::move(write));
  prepared.entry_of_write.push_back(prepared.result.entries.size());
  finish(Outcome::kAccepted);
}

}  // namespace trialgate::pipeline
