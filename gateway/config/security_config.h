#ifndef TRIALGATE_GATEWAY_CONFIG_SECURITY_CONFIG_H_
#define TRIALGATE_GATEWAY_CONFIG_SECURITY_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/common/json_reader.h"
#include "gateway/security/identity.h"
#include "gateway/security/server_tls.h"

namespace trialgate::config {

// Reads "tls": {"certFile", "keyFile", "clientCaFile"}, all three required.
absl::StatusOr<security::ServerTls> ReadServerTls(const JsonObject& object);

// Reads the objects of "identities": [{"name", "subject" or "san", "roles": [...], "site"}]. A
// `site` identity needs its site; names and certificate names are unique; unknown roles and keys
// are errors.
absl::StatusOr<std::vector<security::Identity>> ReadIdentities(
    const std::vector<JsonObject>& objects);

}  // namespace trialgate::config

#endif  // TRIALGATE_GATEWAY_CONFIG_SECURITY_CONFIG_H_
