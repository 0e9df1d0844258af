#ifndef TRIALGATE_GATEWAY_HTTP_CAPABILITY_STATEMENT_H_
#define TRIALGATE_GATEWAY_HTTP_CAPABILITY_STATEMENT_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace trialgate::http {

// What the FHIR facade really does, gathered where it is decided (the routes, the pipeline's
// types, the study, the limits), so that the CapabilityStatement cannot claim more or less.
struct Capabilities {
  std::vector<std::string> writable_types;             // create and update
  std::map<std::string, std::string> profile_for_type;  // the study's profile of a type
  bool mutual_tls = true;
  size_t max_body_bytes = 0;
  size_t max_bundle_entries = 0;
  absl::Time started;  // CapabilityStatement.date: when this server's capabilities were set
};

// The canonical of the gateway's own, system-level $validate (R4 defines only the type and
// instance levels).
inline constexpr char kSystemValidateDefinition[] = "urn:trialgate:OperationDefinition:validate";

// The CapabilityStatement (R4, kind "instance") of the server at `base_url` ("https://host/fhir").
std::string CapabilityStatementJson(const Capabilities& capabilities, absl::string_view base_url);

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_CAPABILITY_STATEMENT_H_
