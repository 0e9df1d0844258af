#ifndef TRIALGATE_GATEWAY_HTTP_REQUEST_PLAN_H_
#define TRIALGATE_GATEWAY_HTTP_REQUEST_PLAN_H_

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/http/fhir_json.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/pipeline/submission.h"
#include "rapidjson/document.h"

// How the FHIR REST interactions become one submission to the pipeline: which id and version
// each resource is stored under (pipeline::EntryDirective), and which entries are refused
// before the pipeline sees them (an interaction the gateway does not serve, a URL that does not
// match the resource).
namespace trialgate::http {

// The ids the server assigns on create (R4: the server, not the client, names a created
// resource). Keyed with the pseudonymisation key, so an id reveals nothing of the content, and
// deterministic, so that sending the same thing again finds what the first send stored instead
// of creating a second resource:
//  - a plain create is named by its content: a resend is answered 200 with the stored version;
//  - a conditional create (If-None-Exist) is named by its condition: concurrent and later
//    creates with the same condition all meet the one resource the first one stored.
class ServerIds {
 public:
  explicit ServerIds(const identity::Pseudonymizer& pseudonymizer)
      : pseudonymizer_(pseudonymizer) {}
  std::string ForContent(absl::string_view resource_type, const rapidjson::Value& resource) const;
  std::string ForCondition(absl::string_view resource_type, absl::string_view condition) const;

 private:
  const identity::Pseudonymizer& pseudonymizer_;
};

// One entry of a request as planned.
struct PlannedEntry {
  std::string method;         // "POST" or "PUT" (what the entry asked; others are refused)
  std::string resource_type;  // from the URL, or the resource when the URL names none
  bool conditional = false;   // If-None-Exist
  // The resource sent, pointing into the request's body (which must outlive the plan); null
  // for an entry without one.
  const rapidjson::Value* resource = nullptr;
  std::optional<HttpError> refusal;  // refused before the pipeline: its status and issues
};

struct RequestPlan {
  std::vector<PlannedEntry> entries;                  // by Bundle.entry index; one otherwise
  std::vector<pipeline::EntryDirective> directives;   // the same, for the pipeline
  bool bundle = false;
  bool transaction = false;
};

// POST [base]/[type], `if_none_exist` the header (may be empty).
std::variant<RequestPlan, HttpError> PlanCreate(const rapidjson::Value& resource,
                                                absl::string_view type,
                                                absl::string_view if_none_exist,
                                                const ServerIds& ids);

// PUT [base]/[type]/[id], `if_match` the header (may be empty).
std::variant<RequestPlan, HttpError> PlanUpdate(const rapidjson::Value& resource,
                                                absl::string_view type, absl::string_view id,
                                                absl::string_view if_match);

// POST [base] with a transaction or batch Bundle: each entry's request planned like the
// interactions above. A transaction whose entries overlap (two name the same resource) is
// refused as a whole (400), as R4 requires.
std::variant<RequestPlan, HttpError> PlanBundle(const rapidjson::Value& bundle,
                                                const ServerIds& ids);

// A FHIR id: 1-64 of A-Z a-z 0-9 - . (R4 datatypes "id").
bool IsFhirId(absl::string_view id);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_REQUEST_PLAN_H_
