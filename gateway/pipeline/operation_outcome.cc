#include "gateway/pipeline/operation_outcome.h"

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::pipeline {
namespace {

const char* SeverityCode(Issue::Severity severity) {
  switch (severity) {
    case Issue::Severity::kError:
      return "error";
    case Issue::Severity::kWarning:
      return "warning";
    case Issue::Severity::kInformation:
      return "information";
  }
  return "error";
}

// FHIR IssueType for a status of a whole call (http://hl7.org/fhir/R4/valueset-issue-type.html).
const char* IssueTypeFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kResourceExhausted:
      return "too-costly";
    case absl::StatusCode::kInvalidArgument:
      return "structure";
    case absl::StatusCode::kNotFound:
      return "not-found";
    case absl::StatusCode::kFailedPrecondition:
      return "business-rule";
    case absl::StatusCode::kAlreadyExists:
      return "duplicate";
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return "security";
    case absl::StatusCode::kUnimplemented:
      return "not-supported";
    case absl::StatusCode::kDeadlineExceeded:
      return "timeout";
    case absl::StatusCode::kUnavailable:
      return "transient";
    default:
      return "exception";
  }
}

}  // namespace

std::string OperationOutcomeJson(const std::vector<Issue>& issues) {
  if (issues.empty()) return "";
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("resourceType");
  writer.String("OperationOutcome");
  writer.Key("issue");
  writer.StartArray();
  for (const Issue& issue : issues) {
    writer.StartObject();
    writer.Key("severity");
    writer.String(SeverityCode(issue.severity));
    writer.Key("code");
    writer.String(issue.code.empty() ? "processing" : issue.code);
    if (!issue.diagnostics.empty()) {
      writer.Key("diagnostics");
      writer.String(issue.diagnostics);
    }
    if (!issue.expression.empty()) {
      writer.Key("expression");
      writer.StartArray();
      writer.String(issue.expression);
      writer.EndArray();
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Issue IssueFromStatus(const absl::Status& status, std::string expression) {
  return Issue{Issue::Severity::kError, IssueTypeFor(status.code()),
                        std::move(expression), std::string(status.message())};
}

}  // namespace trialgate::pipeline
