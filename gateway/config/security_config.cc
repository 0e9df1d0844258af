#include "gateway/config/security_config.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"

namespace trialgate::config {
namespace {

absl::StatusOr<std::set<security::Role>> ReadRoles(const JsonValue& value) {
  absl::StatusOr<std::vector<JsonValue>> names = value.Array(Items::kAtLeastOne);
  if (!names.ok()) return value.Error("must be a non-empty array of role names");
  std::set<security::Role> roles;
  for (const JsonValue& name : *names) {
    absl::StatusOr<std::string> text = name.String();
    std::optional<security::Role> role = text.ok() ? security::ParseRole(*text) : std::nullopt;
    if (!role) return value.Problem("roles are site, warehouse, registry-admin, auditor");
    roles.insert(*role);
  }
  return roles;
}

// The rules that tie an identity's certificate name, roles and site together.
absl::Status CheckIdentity(const JsonObject& object, const security::Identity& identity) {
  if (identity.name.empty()) return object.Error("needs a \"name\"");
  if (identity.subject.empty() == identity.san.empty()) {
    return object.Error("needs exactly one of \"subject\" (the client certificate's subject, "
                        "e.g. \"CN=site-a,O=Trial\") or \"san\"");
  }
  if (identity.roles.empty()) return object.Error("needs \"roles\"");
  const bool site_role = identity.roles.count(security::Role::kSite) != 0;
  if (site_role && identity.site.empty()) {
    return object.Error("has the site role and needs the \"site\" it acts for");
  }
  if (!site_role && !identity.site.empty()) {
    return object.Error("names a site but has no site role");
  }
  return absl::OkStatus();
}

absl::StatusOr<security::Identity> ReadIdentity(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"name", "subject", "san", "site", "roles"}));
  security::Identity identity;
  ASSIGN_OR_RETURN(identity.name, object.OptionalNonEmptyString("name"));
  ASSIGN_OR_RETURN(identity.subject, object.OptionalNonEmptyString("subject"));
  ASSIGN_OR_RETURN(identity.san, object.OptionalNonEmptyString("san"));
  ASSIGN_OR_RETURN(identity.site, object.OptionalNonEmptyString("site"));
  if (std::optional<JsonValue> roles = object.Find("roles")) {
    ASSIGN_OR_RETURN(identity.roles, ReadRoles(*roles));
  }
  RETURN_IF_ERROR(CheckIdentity(object, identity));
  return identity;
}

}  // namespace

absl::StatusOr<security::ServerTls> ReadServerTls(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"certFile", "keyFile", "clientCaFile"}));
  security::ServerTls tls;
  const std::pair<const char*, std::string*> files[] = {{"certFile", &tls.cert_file},
                                                        {"keyFile", &tls.key_file},
                                                        {"clientCaFile", &tls.client_ca_file}};
  for (const auto& [key, field] : files) {
    std::optional<JsonValue> value = object.Find(key);
    if (!value) continue;
    absl::StatusOr<std::string> name = value->NonEmptyString();
    if (!name.ok()) return value->Error("must be a file name");
    *field = *std::move(name);
  }
  if (tls.cert_file.empty() || tls.key_file.empty() || tls.client_ca_file.empty()) {
    return object.Error("needs certFile, keyFile and clientCaFile (the CA of the client "
                        "certificates: every caller presents one)");
  }
  return tls;
}

absl::StatusOr<std::vector<security::Identity>> ReadIdentities(
    const std::vector<JsonObject>& objects) {
  std::vector<security::Identity> identities;
  std::set<std::string> names, certificates;
  for (const JsonObject& object : objects) {
    ASSIGN_OR_RETURN(security::Identity identity, ReadIdentity(object));
    if (!names.insert(identity.name).second) {
      return object.Problem(absl::StrCat("the name '", identity.name, "' is used twice"));
    }
    const std::string certificate =
        identity.subject.empty() ? "san:" + identity.san : "subject:" + identity.subject;
    if (!certificates.insert(certificate).second) {
      return object.Problem(absl::StrCat("another identity has the same ", certificate));
    }
    identities.push_back(std::move(identity));
  }
  return identities;
}

}  // namespace trialgate::config
