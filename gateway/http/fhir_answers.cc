#include "gateway/http/fhir_answers.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gateway/http/resource_writer.h"
#include "gateway/pipeline/operation_outcome.h"

namespace trialgate::http {
namespace {

using pipeline::EntryResult;
using Outcome = EntryResult::Outcome;

// One entry's answer.
struct EntryAnswer {
  int status = 200;
  std::string location;       // "Observation/abc/_history/2"
  std::string etag;           // W/"2"
  absl::Time last_modified = absl::InfinitePast();
  std::vector<Issue> issues;  // errors when failed, else warnings and information
};

bool Stored(const EntryResult& entry) {
  return entry.outcome != Outcome::kRejected && entry.version > 0;
}

EntryAnswer AnswerOf(const PlannedEntry& planned, const EntryResult& entry) {
  EntryAnswer answer;
  answer.issues = entry.issues;
  if (planned.refusal.has_value()) {
    answer.status = planned.refusal->status;
    answer.issues = planned.refusal->issues;
    return answer;
  }
  if (entry.outcome == Outcome::kRejected) {
    // Invalid FHIR, a profile broken, a patient not enrolled at the site: R4's 422.
    answer.status = 422;
    return answer;
  }
  if (!Stored(entry)) return answer;  // a Patient: validated, 200, nothing stored
  const bool created = entry.outcome == Outcome::kAccepted && entry.version == 1;
  answer.status = created ? 201 : 200;
  const std::string type = entry.resource_type.empty() ? planned.resource_type
                                                       : entry.resource_type;
  answer.location = absl::StrCat(type, "/", entry.logical_id, "/_history/", entry.version);
  answer.etag = absl::StrCat("W/\"", entry.version, "\"");
  if (entry.stored_at_unix_ms > 0) answer.last_modified = absl::FromUnixMillis(entry.stored_at_unix_ms);
  return answer;
}

std::string Instant(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

// RFC 7231 IMF-fixdate.
std::string HttpDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", time, absl::UTCTimeZone());
}

void WriteRepresentation(const AnswerContext& context, size_t index, const EntryResult& entry,
                         const EntryAnswer& answer, JsonWriter& out) {
  const rapidjson::Value* resource = context.plan->entries.at(index).resource;
  if (resource == nullptr) return;
  ServerFields fields;
  if (Stored(entry)) {
    fields.id = entry.logical_id;
    fields.version_id = absl::StrCat(entry.version);
    if (answer.last_modified != absl::InfinitePast()) {
      fields.last_updated = Instant(answer.last_modified);
    }
  }
  WriteResource(*resource, context.numbers, fields, out);
}

std::vector<Issue> OutcomeIssues(const EntryAnswer& answer) {
  if (!answer.issues.empty()) return answer.issues;
  return {Issue{Issue::Severity::kInformation, "informational", "",
                answer.status == 201 ? "created" : "stored as sent before: nothing changed"}};
}

void SetEntryHeaders(const EntryAnswer& answer, const std::string& base_url,
                     httplib::Response& response) {
  if (!answer.location.empty()) response.set_header("Location", base_url + "/" + answer.location);
  if (!answer.etag.empty()) response.set_header("ETag", answer.etag);
  if (answer.last_modified != absl::InfinitePast()) {
    response.set_header("Last-Modified", HttpDate(answer.last_modified));
  }
}

void WriteEntryResponse(const EntryAnswer& answer, JsonWriter& out) {
  out.Key("response");
  out.StartObject();
  const std::string status = StatusText(answer.status);
  out.Key("status");
  out.String(status.c_str());
  if (!answer.location.empty()) {
    out.Key("location");
    out.String(answer.location.c_str());
  }
  if (!answer.etag.empty()) {
    out.Key("etag");
    out.String(answer.etag.c_str());
  }
  if (answer.last_modified != absl::InfinitePast()) {
    out.Key("lastModified");
    out.String(Instant(answer.last_modified).c_str());
  }
  if (!answer.issues.empty()) {  // errors of a failed batch entry, or warnings
    const std::string outcome = pipeline::OperationOutcomeJson(answer.issues);
    out.Key("outcome");
    out.RawValue(outcome.data(), outcome.size(), rapidjson::kObjectType);
  }
  out.EndObject();
}

}  // namespace

Return PreferredReturn(const httplib::Request& request) {
  for (absl::string_view preference :
       absl::StrSplit(request.get_header_value("Prefer"), absl::ByAnyChar(",;"))) {
    preference = absl::StripAsciiWhitespace(preference);
    if (!absl::ConsumePrefix(&preference, "return=")) continue;
    absl::ConsumePrefix(&preference, "\"");
    absl::ConsumeSuffix(&preference, "\"");
    if (preference == "representation") return Return::kRepresentation;
    if (preference == "OperationOutcome") return Return::kOperationOutcome;
    if (preference == "minimal") return Return::kMinimal;
  }
  return Return::kMinimal;
}

int StatusOfRefusal(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kResourceExhausted: return 413;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kFailedPrecondition: return 412;
    case absl::StatusCode::kAlreadyExists: return 409;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

void AnswerSingle(const AnswerContext& context, const pipeline::SubmissionResult& result,
                  httplib::Response& response) {
  if (!result.status.ok()) {
    return SendError({StatusOfRefusal(result.status), result.issues}, response);
  }
  const EntryResult& entry = result.entries.front();
  const EntryAnswer answer = AnswerOf(context.plan->entries.front(), entry);
  if (answer.status >= 400) return SendError({answer.status, answer.issues}, response);
  SetEntryHeaders(answer, context.base_url, response);
  response.status = answer.status;
  if (context.prefer == Return::kOperationOutcome) {
    response.set_content(pipeline::OperationOutcomeJson(OutcomeIssues(answer)), kFhirJson);
  } else if (context.prefer == Return::kRepresentation) {
    rapidjson::StringBuffer buffer;
    JsonWriter out(buffer);
    WriteRepresentation(context, 0, entry, answer, out);
    response.set_content(std::string(buffer.GetString(), buffer.GetSize()), kFhirJson);
  }
}

void AnswerBundle(const AnswerContext& context, const pipeline::SubmissionResult& result,
                  httplib::Response& response) {
  if (!result.status.ok()) {
    return SendError({StatusOfRefusal(result.status), result.issues}, response);
  }
  std::vector<EntryAnswer> answers;
  for (size_t i = 0; i < result.entries.size(); ++i) {
    answers.push_back(AnswerOf(context.plan->entries.at(i), result.entries[i]));
  }
  if (context.plan->transaction) {
    // All or nothing: one OperationOutcome of the entries that failed it (not of those rolled
    // back with them), with the highest status among them.
    HttpError failure{0, {}};
    for (size_t i = 0; i < answers.size(); ++i) {
      if (answers[i].status < 400 || result.entries[i].rolled_back) continue;
      failure.status = std::max(failure.status, answers[i].status);
      for (const Issue& issue : answers[i].issues) failure.issues.push_back(issue);
    }
    if (failure.status != 0) return SendError(failure, response);
  }
  rapidjson::StringBuffer buffer;
  JsonWriter out(buffer);
  out.StartObject();
  out.Key("resourceType");
  out.String("Bundle");
  out.Key("type");
  out.String(context.plan->transaction ? "transaction-response" : "batch-response");
  out.Key("entry");
  out.StartArray();
  for (size_t i = 0; i < answers.size(); ++i) {
    out.StartObject();
    if (context.prefer == Return::kRepresentation && answers[i].status < 400 &&
        context.plan->entries[i].resource != nullptr) {
      out.Key("resource");
      WriteRepresentation(context, i, result.entries[i], answers[i], out);
    }
    WriteEntryResponse(answers[i], out);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  SendFhir(200, std::string(buffer.GetString(), buffer.GetSize()), response);
}

}  // namespace trialgate::http
