// libFuzzer target: any FHIR REST request the facade parses before the pipeline: its headers
// (Content-Type, Accept, _format, Prefer, If-None-Exist, If-Match), its body (a resource or a
// Bundle with entry requests), and the answer built from it. The input's first line holds the
// request's fields, tab-separated (interaction, type, id, If-None-Exist, If-Match, Prefer,
// Content-Type, Accept, _format); the rest is the body.
// Beyond "no crash, no sanitizer report", it aborts when a promise of gateway/http breaks: a
// refusal has a 4xx status and issues, a plan has one directive per entry, the answer to any
// outcome is FHIR JSON, and a resource written back reads as JSON.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gateway/http/fhir_answers.h"
#include "gateway/http/media_types.h"
#include "gateway/http/request_plan.h"
#include "gateway/http/resource_writer.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/pipeline/json_decoder.h"
#include "rapidjson/document.h"

namespace trialgate::http {
namespace {

void Check(bool ok, const char* promise) {
  if (!ok) {
    std::fprintf(stderr, "fhir_request_fuzzer: broken promise: %s\n", promise);
    std::abort();
  }
}

bool IsJson(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  return !document.HasParseError();
}

void CheckRefusal(const HttpError& error) {
  Check(error.status >= 400 && error.status < 500, "a refusal is a 4xx");
  Check(!error.issues.empty(), "a refusal says why");
}

// Every entry accepted (or, by the input, rejected), as the pipeline could answer.
pipeline::SubmissionResult Outcomes(const RequestPlan& plan, bool reject) {
  pipeline::SubmissionResult result;
  for (size_t i = 0; i < plan.directives.size(); ++i) {
    pipeline::EntryResult entry;
    entry.entry = static_cast<int>(i);
    entry.outcome = reject || !plan.directives[i].refusal.empty()
                        ? pipeline::EntryResult::Outcome::kRejected
                        : pipeline::EntryResult::Outcome::kAccepted;
    entry.logical_id = plan.directives[i].logical_id;
    entry.version = entry.outcome == pipeline::EntryResult::Outcome::kAccepted ? 1 : 0;
    entry.stored_at_unix_ms = 1764900000000;
    entry.issues = plan.directives[i].refusal;
    result.entries.push_back(std::move(entry));
  }
  return result;
}

void Run(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string head = newline == std::string::npos ? input : input.substr(0, newline);
  const std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);
  std::vector<std::string> fields = absl::StrSplit(head, '\t');
  fields.resize(9);
  httplib::Request request;
  request.body = body;
  if (!fields[6].empty()) request.set_header("Content-Type", fields[6]);
  if (!fields[7].empty()) request.set_header("Accept", fields[7]);
  if (!fields[8].empty()) request.params.emplace("_format", fields[8]);
  request.set_header("Prefer", fields[5]);
  if (std::optional<HttpError> error = CheckBodyType(request)) CheckRefusal(*error);
  if (std::optional<HttpError> error = CheckAcceptable(request)) CheckRefusal(*error);

  rapidjson::Document document;
  mappers::NumberTexts numbers;
  if (!pipeline::DecodeJson(body, {size_t{1} << 20, 64, 1000}, &document, &numbers).ok()) return;
  Check(IsJson(ResourceJson(document, &numbers)), "a decoded body writes back as JSON");

  static const identity::Pseudonymizer* pseudonymizer =
      new identity::Pseudonymizer(std::string(32, 'f'));
  const ServerIds ids(*pseudonymizer);
  std::variant<RequestPlan, HttpError> planned =
      fields[0] == "create"   ? PlanCreate(document, fields[1], fields[3], ids)
      : fields[0] == "update" ? PlanUpdate(document, fields[1], fields[2], fields[4])
                              : PlanBundle(document, ids);
  if (auto* error = std::get_if<HttpError>(&planned)) return CheckRefusal(*error);
  const RequestPlan& plan = std::get<RequestPlan>(planned);
  Check(plan.entries.size() == plan.directives.size(), "one directive per entry");
  for (const PlannedEntry& entry : plan.entries) {
    if (entry.refusal.has_value()) CheckRefusal(*entry.refusal);
  }
  if (plan.directives.empty()) return;  // an empty Bundle: the pipeline answers it
  const AnswerContext context{&plan, &numbers, "https://gateway/fhir",
                              PreferredReturn(request)};
  for (bool reject : {false, true}) {
    httplib::Response response;
    const pipeline::SubmissionResult result = Outcomes(plan, reject);
    if (plan.bundle) {
      AnswerBundle(context, result, response);
    } else {
      AnswerSingle(context, result, response);
    }
    Check(response.body.empty() || IsJson(response.body), "every answer is JSON");
    Check(response.status >= 200 && response.status < 500, "an answer has a status");
  }
}

}  // namespace
}  // namespace trialgate::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trialgate::http::Run(data, size);
  return 0;
}
