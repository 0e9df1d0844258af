#include "gateway/http/fhir_facade.h"

#include <future>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/audit/caller_record.h"
#include "gateway/http/fhir_answers.h"
#include "gateway/http/media_types.h"
#include "gateway/http/resource_writer.h"
#include "gateway/pipeline/body_validator.h"
#include "gateway/pipeline/operation_outcome.h"
#include "gateway/pipeline/resource_fields.h"
#include "gateway/validation/resource_types.h"

namespace trialgate::http {

// What the audit record of one request says.
struct FhirFacade::Interaction {
  std::string name;           // "create", "update", "transaction", "batch", "validate", ...
  std::string resource_type;  // of the URL, when it names one
  absl::Time started;
  security::Caller caller;
  uint64_t entries = 0;
};

namespace {

constexpr char kSubmitOperation[] = "/trialgate.v1.Gateway/Submit";
constexpr char kValidateOperation[] = "/trialgate.v1.Gateway/Validate";
constexpr char kCapabilitiesOperation[] = "/trialgate.http/Capabilities";

// The checks every FHIR request passes, in R4's order of answers: who (401/403), what it will
// take back (406), what it sent (415).
std::optional<HttpError> CheckRequest(const RequestCallers& callers,
                                      const httplib::Request& request, const char* operation,
                                      bool has_body, security::Caller* caller) {
  std::variant<security::Caller, HttpError> who = callers.Authorize(request, operation);
  if (auto* error = std::get_if<HttpError>(&who)) return *error;
  *caller = std::get<security::Caller>(std::move(who));
  if (std::optional<HttpError> error = CheckAcceptable(request)) return error;
  if (has_body) return CheckBodyType(request);
  return std::nullopt;
}

std::optional<HttpError> Decode(const httplib::Request& request,
                                const pipeline::DecodeLimits& limits,
                                rapidjson::Document* document, mappers::NumberTexts* numbers) {
  const absl::Status decoded = pipeline::DecodeJson(request.body, limits, document, numbers);
  if (decoded.ok()) return std::nullopt;
  return HttpError{StatusOfRefusal(decoded), {pipeline::IssueFromStatus(decoded)}};
}

// The resource type a request's URL names, for its audit record: only a FHIR type (never the
// rest of the path, which may hold a hospital's resource id or anything a client typed).
std::string AuditedType(const httplib::Request& request) {
  if (request.matches.size() < 2) return "";
  const std::string first = request.matches[1].str().substr(0, request.matches[1].str().find('/'));
  return validation::IsR4ResourceType(first) ? first : "(not a resource type)";
}

// A $validate body: the resource itself, or a Parameters with `resource` and `profile`.
struct ValidateInput {
  const rapidjson::Value* resource = nullptr;
  std::string profile;
};

ValidateInput ReadValidateInput(const rapidjson::Value& body) {
  ValidateInput input{&body, ""};
  if (pipeline::StringMember(body, "resourceType") != "Parameters") return input;
  auto parameters = body.FindMember("parameter");
  if (parameters == body.MemberEnd() || !parameters->value.IsArray()) return input;
  for (const rapidjson::Value& parameter : parameters->value.GetArray()) {
    const std::string name = pipeline::StringMember(parameter, "name");
    if (name == "resource") {
      if (auto it = parameter.FindMember("resource");
          it != parameter.MemberEnd() && it->value.IsObject()) {
        input.resource = &it->value;
      }
    } else if (name == "profile") {
      input.profile = pipeline::StringMember(parameter, "valueUri");
      if (input.profile.empty()) input.profile = pipeline::StringMember(parameter, "valueCanonical");
    }
  }
  return input;
}

}  // namespace

FhirFacade::FhirFacade(const pipeline::Pipeline& pipeline, const RequestCallers& callers,
                       FhirFacadeOptions options)
    : pipeline_(pipeline),
      callers_(callers),
      ids_(pipeline.pseudonymizer()),
      options_(std::move(options)) {}

void FhirFacade::Install(httplib::Server& server) {
  // Each route names its interaction for the audit record, then runs its handler.
  auto route = [this](std::string name, auto handler) {
    return [this, name = std::move(name), handler](const httplib::Request& request,
                                                   httplib::Response& response) {
      Interaction interaction{name, AuditedType(request), options_.clock->Now(), {}, 0};
      handler(request, response, interaction);
      Audit(interaction, response);
    };
  };
  auto submit = [this](const httplib::Request& request, httplib::Response& response,
                       Interaction& interaction) { Submit(request, response, interaction); };
  auto validate = [this](const httplib::Request& request, httplib::Response& response,
                         Interaction& interaction) { Validate(request, response, interaction); };
  auto not_served = [this](const httplib::Request& request, httplib::Response& response,
                           Interaction&) { NotServed(request, response); };
  server.Get("/fhir/metadata", route("capabilities", [this](const httplib::Request& request,
                                                            httplib::Response& response,
                                                            Interaction&) {
               Metadata(request, response);
             }));
  server.Post("/fhir/?", route("bundle", submit));
  server.Post(R"(/fhir/\$validate)", route("validate", validate));
  server.Post(R"(/fhir/([A-Za-z]+)/\$validate)", route("validate", validate));
  server.Post(R"(/fhir/([A-Za-z]+))", route("create", submit));
  server.Put(R"(/fhir/([A-Za-z]+)/([^/]+))", route("update", submit));
  // What the gateway does not serve gets R4's 404 (unknown type) or 405, never the library's.
  const char* rest = R"(/fhir/(.*))";
  server.Get(rest, route("not-served", not_served));
  server.Post(rest, route("not-served", not_served));
  server.Put(rest, route("not-served", not_served));
  server.Delete(rest, route("not-served", not_served));
  server.Patch(rest, route("not-served", not_served));
}

void FhirFacade::Submit(const httplib::Request& request, httplib::Response& response,
                        Interaction& interaction) {
  if (auto error = CheckRequest(callers_, request, kSubmitOperation, true, &interaction.caller)) {
    return SendError(*error, response);
  }
  const std::string type = request.matches.size() > 1 ? request.matches[1].str() : "";
  if (!type.empty() && !pipeline::IsTakenResourceType(type)) {
    return SendError(validation::IsR4ResourceType(type)
                         ? MakeHttpError(404, "not-supported",
                                         absl::StrCat("resource type '", type,
                                                      "' is not supported (see /fhir/metadata)"))
                         : MakeHttpError(404, "not-found",
                                         absl::StrCat("'", type, "' is not a FHIR R4 resource type")),
                     response);
  }
  rapidjson::Document body;
  mappers::NumberTexts numbers;
  if (auto error = Decode(request, options_.limits, &body, &numbers)) {
    return SendError(*error, response);
  }
  std::variant<RequestPlan, HttpError> planned =
      interaction.name == "create"
          ? PlanCreate(body, type, request.get_header_value("If-None-Exist"), ids_)
      : interaction.name == "update"
          ? PlanUpdate(body, type, request.matches[2].str(), request.get_header_value("If-Match"))
          : PlanBundle(body, ids_);
  if (auto* error = std::get_if<HttpError>(&planned)) return SendError(*error, response);
  const RequestPlan& plan = std::get<RequestPlan>(planned);
  if (plan.bundle) interaction.name = plan.transaction ? "transaction" : "batch";
  interaction.entries = plan.entries.size();

  std::string source_system = request.get_header_value(kSourceSystemHeader);
  if (source_system.empty()) {
    source_system = interaction.caller.development ? options_.development_source_system
                                                   : interaction.caller.identity;
  }
  pipeline::Submission submission;
  submission.channel = pipeline::Channel::kHttp;
  submission.source_system = source_system;
  submission.body = request.body;
  submission.directives = &plan.directives;
  std::promise<pipeline::SubmissionResult> answered;
  std::future<pipeline::SubmissionResult> answer = answered.get_future();
  pipeline_.Ingest(interaction.caller, submission, [&answered](pipeline::SubmissionResult result) {
    answered.set_value(std::move(result));
  });
  const pipeline::SubmissionResult result = answer.get();  // durable, or refused
  const AnswerContext context{&plan, &numbers, BaseUrl(request), PreferredReturn(request)};
  if (plan.bundle) return AnswerBundle(context, result, response);
  AnswerSingle(context, result, response);
}

void FhirFacade::Validate(const httplib::Request& request, httplib::Response& response,
                          Interaction& interaction) {
  if (auto error =
          CheckRequest(callers_, request, kValidateOperation, true, &interaction.caller)) {
    return SendError(*error, response);
  }
  const std::string type = request.matches.size() > 1 ? request.matches[1].str() : "";
  if (!type.empty() && !validation::IsR4ResourceType(type)) {
    return SendError(
        MakeHttpError(404, "not-found", absl::StrCat("'", type, "' is not a FHIR R4 resource type")),
        response);
  }
  rapidjson::Document body;
  mappers::NumberTexts numbers;
  // Not JSON at all: nothing could be validated (R4: 4xx only then).
  if (auto error = Decode(request, options_.limits, &body, &numbers)) {
    return SendError(*error, response);
  }
  ValidateInput input = ReadValidateInput(body);
  if (request.has_param("profile")) input.profile = request.get_param_value("profile");
  const std::string resource_json =
      input.resource == &body ? request.body : ResourceJson(*input.resource, &numbers);
  pipeline::ValidationResult result = pipeline_.Validate(resource_json, input.profile);
  const std::string sent_type = pipeline::StringMember(*input.resource, "resourceType");
  if (!type.empty() && sent_type != type) {
    result.issues.push_back(Issue{Issue::Severity::kError, "invalid", "",
                                  absl::StrCat("the resource is a '", sent_type,
                                               "', the URL validates a '", type, "'")});
  }
  SendFhir(200, pipeline::ValidationOutcomeJson(result), response);
}

void FhirFacade::Metadata(const httplib::Request& request, httplib::Response& response) {
  security::Caller caller;
  if (auto error = CheckRequest(callers_, request, kCapabilitiesOperation, false, &caller)) {
    return SendError(*error, response);
  }
  SendFhir(200, CapabilityStatementJson(options_.capabilities, BaseUrl(request)), response);
}

void FhirFacade::NotServed(const httplib::Request& request, httplib::Response& response) {
  security::Caller caller;
  if (auto error = CheckRequest(callers_, request, kCapabilitiesOperation, false, &caller)) {
    return SendError(*error, response);
  }
  const std::vector<std::string> path = absl::StrSplit(request.matches[1].str(), '/');
  const std::string& type = path.front();
  if (!validation::IsR4ResourceType(type)) {
    return SendError(MakeHttpError(404, "not-found",
                                   absl::StrCat("no such FHIR endpoint: /fhir/",
                                                request.matches[1].str(), " (see /fhir/metadata)")),
                     response);
  }
  if (!pipeline::IsTakenResourceType(type)) {
    return SendError(MakeHttpError(404, "not-supported",
                                   absl::StrCat("resource type '", type,
                                                "' is not supported (see /fhir/metadata)")),
                     response);
  }
  // What the URL does take: create at [type], update at [type]/[id].
  if (path.size() <= 2) response.set_header("Allow", path.size() == 1 ? "POST" : "PUT");
  SendError(
      MakeHttpError(405, "not-supported",
                    absl::StrCat(request.method, " /fhir/", request.matches[1].str(),
                                 " is not supported: the gateway takes create, update, "
                                 "transaction, batch and $validate. It keeps no copy of the "
                                 "resources it is sent (they carry personal data), so there is "
                                 "nothing to read, search, patch or delete; the study's events "
                                 "are read from the event feed and the timelines.")),
      response);
}

void FhirFacade::Audit(const Interaction& interaction, const httplib::Response& response) const {
  if (options_.audit_log == nullptr) return;
  audit::AuditRecord record = audit::RecordFor(interaction.caller, interaction.started);
  record.rpc = absl::StrCat("http:", interaction.name);
  if (!interaction.resource_type.empty()) {
    record.target.emplace_back("resourceType", interaction.resource_type);
  }
  if (interaction.entries > 0) record.target.emplace_back("entries", interaction.entries);
  record.target.emplace_back("httpStatus", static_cast<uint64_t>(response.status));
  record.code = response.status < 400 ? "OK" : absl::StrCat("HTTP_", response.status);
  record.duration = options_.clock->Now() - interaction.started;
  options_.audit_log->AppendAsync(std::move(record), [](const absl::Status&) {});
}

std::string FhirFacade::BaseUrl(const httplib::Request& request) const {
  std::string host = request.get_header_value("Host");
  if (host.empty()) host = "localhost";
  return absl::StrCat(options_.tls ? "https" : "http", "://", host, "/fhir");
}

}  // namespace trialgate::http
