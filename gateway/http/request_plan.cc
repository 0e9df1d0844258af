#include "gateway/http/request_plan.h"

#include <cctype>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/identity/source_identity.h"
#include "gateway/pipeline/pipeline.h"
#include "gateway/pipeline/resource_fields.h"
#include "httplib.h"

namespace trialgate::http {
namespace {

// The object member `name` of `object`; null when absent or not an object.
const rapidjson::Value* ObjectMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

// If-None-Exist holds a search: the gateway keeps no resources to search, so it understands
// the one search a conditional create needs to be idempotent, a business identifier
// ("identifier=http://lab.example/accession|A-123", URL-encoded as in a query string).
std::variant<std::string, HttpError> ParseCondition(absl::string_view if_none_exist,
                                                    const std::string& expression) {
  std::string query(absl::StripAsciiWhitespace(if_none_exist));
  if (const size_t question = query.find('?'); question != std::string::npos) {
    query = query.substr(question + 1);  // "Observation?identifier=..." is sent too
  }
  httplib::Params params;
  httplib::detail::parse_query_text(query, params);  // splits on & and percent-decodes
  if (params.size() != 1 || params.begin()->first != "identifier" ||
      params.begin()->second.empty()) {
    return MakeHttpError(400, "not-supported",
                         absl::StrCat("If-None-Exist '", if_none_exist,
                                      "' is not supported: the gateway matches a conditional "
                                      "create by one business identifier only, "
                                      "'identifier=[system]|[value]'"),
                         expression);
  }
  return absl::StrCat("identifier=", params.begin()->second);
}

// If-Match: W/"3" (weak, as the gateway sends its ETags) or "3".
std::variant<uint64_t, HttpError> ParseIfMatch(absl::string_view if_match,
                                               const std::string& expression) {
  absl::string_view tag = absl::StripAsciiWhitespace(if_match);
  absl::ConsumePrefix(&tag, "W/");
  uint64_t version = 0;
  if (!absl::ConsumePrefix(&tag, "\"") || !absl::ConsumeSuffix(&tag, "\"") ||
      !absl::SimpleAtoi(tag, &version) || version == 0) {
    return MakeHttpError(400, "invalid",
                         absl::StrCat("If-Match '", if_match,
                                      "' is not a version ETag such as W/\"3\""),
                         expression);
  }
  return version;
}

// The refusal of an interaction the gateway does not serve on an entry.
HttpError NotServed(absl::string_view method, absl::string_view url,
                    const std::string& expression) {
  return MakeHttpError(
      405, "not-supported",
      absl::StrCat(method, " ", url,
                   " is not supported: the gateway takes create (POST [type]) and update "
                   "(PUT [type]/[id]); it keeps no copy of submitted resources to read, search "
                   "or delete (see the CapabilityStatement at /fhir/metadata)"),
      expression);
}

// R4: a resource type the server does not support is 404.
HttpError UnsupportedType(absl::string_view type, const std::string& expression) {
  return MakeHttpError(404, "not-supported",
                       absl::StrCat("resource type '", type, "' is not supported: the gateway takes ",
                                    pipeline::TakenResourceTypesText()),
                       expression);
}

// The entry's interaction `method` ("POST" creates, "PUT" updates) at [type]: a type the gateway
// writes, and the resource's own.
std::optional<HttpError> CheckInteraction(const rapidjson::Value& resource, const char* method,
                                          absl::string_view type, const std::string& expression,
                                          PlannedEntry& planned) {
  planned.method = method;
  planned.resource_type = std::string(type);
  if (!pipeline::IsTakenResourceType(type)) return UnsupportedType(type, expression);
  const std::string sent_type = pipeline::StringMember(resource, "resourceType");
  if (sent_type == type) return std::nullopt;
  return MakeHttpError(400, "invalid",
                       absl::StrCat("the resource is a '", sent_type, "', the URL ",
                                    planned.method == "POST" ? "creates" : "updates", " a '",
                                    type, "'"),
                       expression);
}

// A create of `resource` as [type]: its id assigned by the server.
std::optional<HttpError> PlanCreateEntry(const rapidjson::Value& resource, absl::string_view type,
                                         absl::string_view if_none_exist, const ServerIds& ids,
                                         const std::string& expression, PlannedEntry& planned,
                                         pipeline::EntryDirective& directive) {
  if (auto refusal = CheckInteraction(resource, "POST", type, expression, planned)) {
    return refusal;
  }
  if (type == "Patient") return std::nullopt;  // validated and never stored: nothing to name
  if (if_none_exist.empty()) {
    directive.logical_id = ids.ForContent(type, resource);
    return std::nullopt;
  }
  std::variant<std::string, HttpError> condition = ParseCondition(if_none_exist, expression);
  if (auto* error = std::get_if<HttpError>(&condition)) return *error;
  planned.conditional = true;
  directive.logical_id = ids.ForCondition(type, std::get<std::string>(condition));
  directive.created_once = true;
  return std::nullopt;
}

// An update of `resource` as [type]/[id], the id the client's own (update as create).
std::optional<HttpError> PlanUpdateEntry(const rapidjson::Value& resource, absl::string_view type,
                                         absl::string_view id, absl::string_view if_match,
                                         const std::string& expression, PlannedEntry& planned,
                                         pipeline::EntryDirective& directive) {
  if (auto refusal = CheckInteraction(resource, "PUT", type, expression, planned)) {
    return refusal;
  }
  if (!IsFhirId(id)) {
    return MakeHttpError(400, "invalid",
                         absl::StrCat("'", id, "' is not a FHIR id (1-64 of A-Z a-z 0-9 - .)"),
                         expression);
  }
  const std::string sent_id = pipeline::StringMember(resource, "id");
  if (sent_id != id) {
    return MakeHttpError(
        400, "invalid",
        sent_id.empty()
            ? absl::StrCat("the resource has no id: an update must carry the id of its URL, '",
                           id, "'")
            : absl::StrCat("the resource's id '", sent_id, "' differs from the URL's, '", id, "'"),
        expression.empty() ? absl::StrCat(type, ".id") : absl::StrCat(expression, ".id"));
  }
  directive.logical_id = std::string(id);
  if (!if_match.empty()) {
    std::variant<uint64_t, HttpError> version = ParseIfMatch(if_match, expression);
    if (auto* error = std::get_if<HttpError>(&version)) return *error;
    directive.if_match = std::get<uint64_t>(version);
  }
  return std::nullopt;
}

RequestPlan SingleEntryPlan(const rapidjson::Value& resource) {
  RequestPlan plan;
  plan.entries.resize(1);
  plan.entries[0].resource = &resource;
  plan.directives.resize(1);
  return plan;
}

// One Bundle entry's request, planned into entry `index` of `plan`.
void PlanBundleEntry(const rapidjson::Value& entry, size_t index, const ServerIds& ids,
                     RequestPlan& plan) {
  PlannedEntry& planned = plan.entries[index];
  pipeline::EntryDirective& directive = plan.directives[index];
  const std::string at = absl::StrCat("Bundle.entry[", index, "]");
  std::optional<HttpError> refusal;
  const rapidjson::Value* resource = ObjectMember(entry, "resource");
  const rapidjson::Value* request = ObjectMember(entry, "request");
  planned.resource = resource;
  if (request == nullptr) {
    refusal = MakeHttpError(400, "required",
                            "a transaction or batch entry needs a request (method and url)",
                            at + ".request");
  } else {
    planned.method = pipeline::StringMember(*request, "method");
    const std::string url = pipeline::StringMember(*request, "url");
    planned.resource_type = resource != nullptr ? pipeline::StringMember(*resource, "resourceType") : "";
    const std::vector<std::string> parts = absl::StrSplit(url, '/');
    if (planned.method == "POST" && parts.size() == 1 && !url.empty() &&
        url.find('?') == std::string::npos) {
      if (resource == nullptr) {
        refusal = MakeHttpError(400, "required", "a create needs a resource", at + ".resource");
      } else {
        refusal = PlanCreateEntry(*resource, url, pipeline::StringMember(*request, "ifNoneExist"), ids,
                                  at + ".resource", planned, directive);
      }
    } else if (planned.method == "PUT" && parts.size() == 2 && url.find('?') == std::string::npos) {
      if (resource == nullptr) {
        refusal = MakeHttpError(400, "required", "an update needs a resource", at + ".resource");
      } else {
        refusal = PlanUpdateEntry(*resource, parts[0], parts[1], pipeline::StringMember(*request, "ifMatch"),
                                  at + ".resource", planned, directive);
      }
    } else if (planned.method == "POST" || planned.method == "PUT") {
      refusal = MakeHttpError(400, "invalid",
                              absl::StrCat("request.url '", url, "' does not fit ",
                                           planned.method, planned.method == "POST"
                                                               ? " (it names a resource type)"
                                                               : " (it is [type]/[id]; a "
                                                                 "conditional update is not "
                                                                 "supported)"),
                              at + ".request.url");
      if (planned.method == "PUT" && url.find('?') != std::string::npos) {
        refusal = NotServed("conditional update PUT", url, at + ".request");
      }
    } else {
      refusal = NotServed(planned.method.empty() ? "(no method)" : planned.method, url,
                          at + ".request.method");
    }
  }
  if (refusal.has_value()) {
    directive.refusal = refusal->issues;
    planned.refusal = std::move(refusal);
  }
}

}  // namespace

std::string ServerIds::ForContent(absl::string_view resource_type,
                                  const rapidjson::Value& resource) const {
  return pseudonymizer_
      .Digest("fhir-create", absl::StrCat(resource_type, "|", identity::CompactJson(resource)))
      .substr(0, 32);
}

std::string ServerIds::ForCondition(absl::string_view resource_type,
                                    absl::string_view condition) const {
  return pseudonymizer_.Digest("fhir-conditional-create", absl::StrCat(resource_type, "?", condition))
      .substr(0, 32);
}

bool IsFhirId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  }
  return true;
}

std::variant<RequestPlan, HttpError> PlanCreate(const rapidjson::Value& resource,
                                                absl::string_view type,
                                                absl::string_view if_none_exist,
                                                const ServerIds& ids) {
  RequestPlan plan = SingleEntryPlan(resource);
  if (std::optional<HttpError> refusal = PlanCreateEntry(resource, type, if_none_exist, ids, "",
                                                         plan.entries[0], plan.directives[0])) {
    return *refusal;
  }
  return plan;
}

std::variant<RequestPlan, HttpError> PlanUpdate(const rapidjson::Value& resource,
                                                absl::string_view type, absl::string_view id,
                                                absl::string_view if_match) {
  RequestPlan plan = SingleEntryPlan(resource);
  if (std::optional<HttpError> refusal = PlanUpdateEntry(resource, type, id, if_match, "",
                                                         plan.entries[0], plan.directives[0])) {
    return *refusal;
  }
  return plan;
}

std::variant<RequestPlan, HttpError> PlanBundle(const rapidjson::Value& bundle,
                                                const ServerIds& ids) {
  if (pipeline::StringMember(bundle, "resourceType") != "Bundle") {
    return MakeHttpError(400, "invalid",
                         "POST to the base takes a transaction or batch Bundle; create other "
                         "resources at [base]/[type]");
  }
  const std::string type = pipeline::StringMember(bundle, "type");
  if (type != "transaction" && type != "batch") {
    return MakeHttpError(400, "invalid",
                         absl::StrCat("Bundle.type is '", type,
                                      "': POST to the base takes a transaction or batch Bundle"),
                         "Bundle.type");
  }
  RequestPlan plan;
  plan.bundle = true;
  plan.transaction = type == "transaction";
  auto entries = bundle.FindMember("entry");
  if (entries == bundle.MemberEnd() || !entries->value.IsArray()) return plan;  // the pipeline says
  const size_t count = entries->value.Size();
  plan.entries.resize(count);
  plan.directives.resize(count);
  std::map<std::string, size_t> first_with_identity;
  for (size_t i = 0; i < count; ++i) {
    PlanBundleEntry(entries->value[i], i, ids, plan);
    const PlannedEntry& planned = plan.entries[i];
    const std::string& id = plan.directives[i].logical_id;
    if (!plan.transaction || planned.refusal.has_value() || id.empty()) continue;
    auto [it, first] = first_with_identity.emplace(absl::StrCat(planned.resource_type, "/", id), i);
    if (!first) {
      return MakeHttpError(400, "invalid",
                           absl::StrCat("entries ", it->second, " and ", i, " of the transaction "
                                        "both write ", it->first,
                                        ": a transaction may touch each resource once"),
                           absl::StrCat("Bundle.entry[", i, "]"));
    }
  }
  return plan;
}

}  // namespace trialgate::http
