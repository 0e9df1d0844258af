#ifndef TRIALGATE_GATEWAY_SERVER_CALL_SUMMARY_H_
#define TRIALGATE_GATEWAY_SERVER_CALL_SUMMARY_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "gateway/audit/audit_record.h"
#include "grpcpp/support/status.h"

namespace trialgate::server {

// What a call was about, for its audit record: gathered from the decoded request and response
// messages of our services as they pass, summarised as ids and counts (never a body, never a
// patient identifier: a subject id the caller typed is kept only when the call found it).
// Calls of other services (health, reflection, unknown methods) have an empty summary. Not
// thread-safe: the caller serialises the hooks of one call.
class CallSummary {
 public:
  explicit CallSummary(std::string method);

  // A request / response message of the call. REQUIRES: `message` is of the method's request
  // (response) type; nullptr is ignored.
  void OnRequest(const void* message);
  void OnResponse(const void* message);

  // The record's `target`, given the call's final status.
  audit::AuditTarget Target(const grpc::Status& status) const;
  // The status message to record: a subject id the call did not confirm is replaced wherever
  // the message repeats it ("no events of subject '(unconfirmed)'").
  std::string Message(const grpc::Status& status) const;

 private:
  enum class Kind {
    kOther, kSubmit, kValidate, kPull, kTimeline, kListDestinations, kListDeadLetters,
    kDeadLetterAction, kAuditVerify, kAuditRead
  };

  bool SubjectConfirmed(const grpc::Status& status) const;

  const Kind kind_;
  uint64_t requests_ = 0;
  uint64_t responses_ = 0;
  std::set<std::string> sources_;             // Submit: sending systems
  std::map<std::string, uint64_t> types_;     // Submit: resource types of the entries
  std::map<std::string, uint64_t> outcomes_;  // Submit: entries by outcome; Validate: verdicts
  uint64_t last_sequence_ = 0;                // Pull: the last event streamed
  audit::AuditTarget request_fields_;         // ids and flags from the (first) request
  std::string subject_;                       // a subject id from the request, if any
  uint64_t result_count_ = 0;                 // what the response says it listed or changed
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_CALL_SUMMARY_H_
