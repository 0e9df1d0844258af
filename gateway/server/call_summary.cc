#include "gateway/server/call_summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "trialgate/v1/audit.pb.h"
#include "trialgate/v1/delivery.pb.h"
#include "trialgate/v1/events.pb.h"
#include "trialgate/v1/feed.pb.h"
#include "trialgate/v1/gateway.pb.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::server {
namespace {

// Caller-chosen strings are kept short: a record is about ids, not free text.
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxSequencesListed = 100;
constexpr char kUnconfirmed[] = "(unconfirmed)";

std::string Id(const std::string& text) { return text.substr(0, kMaxIdBytes); }

const char* OutcomeName(v1::EntryOutcome::Outcome outcome) {
  switch (outcome) {
    case v1::EntryOutcome::ACCEPTED: return "accepted";
    case v1::EntryOutcome::DUPLICATE: return "duplicate";
    case v1::EntryOutcome::REJECTED: return "rejected";
    default: return "unspecified";
  }
}

}  // namespace

CallSummary::CallSummary(std::string method)
    : kind_([&] {
        static const std::map<std::string, Kind> kKinds = {
            {"/trialgate.v1.Gateway/Submit", Kind::kSubmit},
            {"/trialgate.v1.Gateway/SubmitStream", Kind::kSubmit},
            {"/trialgate.v1.Gateway/Validate", Kind::kValidate},
            {"/trialgate.v1.EventFeed/Pull", Kind::kPull},
            {"/trialgate.v1.Study/GetTimeline", Kind::kTimeline},
            {"/trialgate.v1.Delivery/ListDestinations", Kind::kListDestinations},
            {"/trialgate.v1.Delivery/ListDeadLetters", Kind::kListDeadLetters},
            {"/trialgate.v1.Delivery/ReplayDeadLetters", Kind::kDeadLetterAction},
            {"/trialgate.v1.Delivery/DiscardDeadLetters", Kind::kDeadLetterAction},
            {"/trialgate.v1.Audit/Verify", Kind::kAuditVerify},
            {"/trialgate.v1.Audit/Read", Kind::kAuditRead},
        };
        auto found = kKinds.find(method);
        return found == kKinds.end() ? Kind::kOther : found->second;
      }()) {}

void CallSummary::OnRequest(const void* message) {
  if (message == nullptr || kind_ == Kind::kOther) return;
  ++requests_;
  switch (kind_) {
    case Kind::kSubmit: {
      const auto& request = *static_cast<const v1::SubmitRequest*>(message);
      if (sources_.size() < kMaxSequencesListed) sources_.insert(Id(request.source_system()));
      break;
    }
    case Kind::kValidate: {
      const auto& request = *static_cast<const v1::ValidateRequest*>(message);
      request_fields_ = {{"bodyBytes", uint64_t{request.body().size()}}};
      if (!request.profile().empty()) request_fields_.push_back({"profile", Id(request.profile())});
      break;
    }
    case Kind::kPull: {
      const auto& request = *static_cast<const v1::PullRequest*>(message);
      request_fields_ = {{"after", uint64_t{request.after()}},
                         {"limit", uint64_t{request.limit()}},
                         {"follow", request.follow()}};
      break;
    }
    case Kind::kTimeline:
      subject_ = Id(static_cast<const v1::GetTimelineRequest*>(message)->subject_id());
      break;
    case Kind::kListDeadLetters: {
      const auto& request = *static_cast<const v1::ListDeadLettersRequest*>(message);
      request_fields_ = {{"destination", Id(request.destination())},
                         {"includeDiscarded", request.include_discarded()}};
      subject_ = Id(request.subject_id());
      break;
    }
    case Kind::kDeadLetterAction: {
      const auto& request = *static_cast<const v1::DeadLetterSelection*>(message);
      std::vector<std::string> sequences;
      for (uint64_t sequence : request.sequences()) {
        if (sequences.size() == kMaxSequencesListed) {
          sequences.push_back(absl::StrCat("... ", request.sequences_size(), " in all"));
          break;
        }
        sequences.push_back(absl::StrCat(sequence));
      }
      request_fields_ = {{"destination", Id(request.destination())},
                         {"sequences", std::move(sequences)},
                         {"all", request.all()}};
      subject_ = Id(request.subject_id());
      break;
    }
    case Kind::kAuditRead: {
      const auto& request = *static_cast<const v1::ReadAuditRequest*>(message);
      request_fields_ = {{"fromRecord", uint64_t{request.from_record()}},
                         {"offset", uint64_t{request.offset()}}};
      break;
    }
    default:
      break;
  }
}

void CallSummary::OnResponse(const void* message) {
  if (message == nullptr || kind_ == Kind::kOther) return;
  ++responses_;
  switch (kind_) {
    case Kind::kSubmit: {
      const auto& response = *static_cast<const v1::SubmitResponse*>(message);
      if (response.has_body_rejection()) ++outcomes_["bodyRejected"];
      for (const v1::EntryOutcome& entry : response.entries()) {
        ++outcomes_[OutcomeName(entry.outcome())];
        if (!entry.resource_type().empty()) ++types_[Id(entry.resource_type())];
      }
      break;
    }
    case Kind::kValidate:
      ++outcomes_[static_cast<const v1::ValidateResponse*>(message)->valid() ? "valid"
                                                                              : "invalid"];
      break;
    case Kind::kPull:
      last_sequence_ = static_cast<const v1::Event*>(message)->sequence();
      break;
    case Kind::kListDestinations:
      result_count_ =
          static_cast<const v1::ListDestinationsResponse*>(message)->destinations_size();
      break;
    case Kind::kListDeadLetters:
      result_count_ = static_cast<const v1::ListDeadLettersResponse*>(message)->dead_letters_size();
      break;
    case Kind::kDeadLetterAction:
      result_count_ = static_cast<const v1::DeadLetterActionResponse*>(message)->count();
      break;
    case Kind::kAuditVerify: {
      const auto& response = *static_cast<const v1::VerifyAuditResponse*>(message);
      request_fields_ = {{"intact", response.intact()}, {"records", uint64_t{response.records()}}};
      break;
    }
    default:
      break;
  }
}

// A subject id is recorded once the gateway has shown it to be one: a lookup that found
// nothing may carry whatever the caller typed (a name, a hospital number).
bool CallSummary::SubjectConfirmed(const grpc::Status& status) const {
  return kind_ == Kind::kTimeline ? status.ok() : result_count_ > 0;
}

std::string CallSummary::Message(const grpc::Status& status) const {
  if (subject_.empty() || SubjectConfirmed(status)) return status.error_message();
  return absl::StrReplaceAll(status.error_message(), {{subject_, kUnconfirmed}});
}

audit::AuditTarget CallSummary::Target(const grpc::Status& status) const {
  audit::AuditTarget target = request_fields_;
  const std::string subject = SubjectConfirmed(status) ? subject_ : kUnconfirmed;
  switch (kind_) {
    case Kind::kSubmit:
      target.push_back({"sourceSystems", std::vector<std::string>(sources_.begin(), sources_.end())});
      target.push_back({"submissions", requests_});
      target.push_back({"entries", outcomes_});
      target.push_back({"resourceTypes", types_});
      break;
    case Kind::kValidate:
      target.push_back({"verdict", outcomes_});
      break;
    case Kind::kPull:
      target.push_back({"events", responses_});
      if (responses_ > 0) target.push_back({"lastSequence", last_sequence_});
      break;
    case Kind::kTimeline:
      target.push_back({"subject", subject});
      break;
    case Kind::kListDestinations:
      target.push_back({"destinations", result_count_});
      break;
    case Kind::kListDeadLetters:
    case Kind::kDeadLetterAction:
      if (!subject_.empty()) target.push_back({"subject", subject});
      target.push_back({kind_ == Kind::kListDeadLetters ? "listed" : "changed", result_count_});
      break;
    case Kind::kAuditRead:
      target.push_back({"lines", responses_});
      break;
    default:
      break;
  }
  return target;
}

}  // namespace trialgate::server
