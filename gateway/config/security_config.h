#ifndef TRIALGATE_GATEWAY_CONFIG_SECURITY_CONFIG_H_
#define TRIALGATE_GATEWAY_CONFIG_SECURITY_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/security/identity.h"
#include "gateway/security/server_tls.h"
#include "rapidjson/document.h"

namespace trialgate::config {

// Reads "tls": {"certFile", "keyFile", "clientCaFile"}, all three required.
absl::Status ReadServerTls(const rapidjson::Value& value, const std::string& path,
                           security::ServerTls* out);

// Reads "identities": [{"name", "subject" or "san", "roles": [...], "site"}]. A `site` identity
// needs its site; names and certificate names are unique; unknown roles and keys are errors.
absl::Status ReadIdentities(const rapidjson::Value& value, const std::string& path,
                            std::vector<security::Identity>* out);

}  // namespace trialgate::config

#endif  // TRIALGATE_GATEWAY_CONFIG_SECURITY_CONFIG_H_
