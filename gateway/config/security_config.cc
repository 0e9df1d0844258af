#include "gateway/config/security_config.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace trialgate::config {
namespace {

absl::Status Invalid(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::Status ReadIdentity(const rapidjson::Value& value, const std::string& path,
                          const std::string& at, security::Identity* out) {
  if (!value.IsObject()) return Invalid(path, at + " must be an object");
  for (const auto& member : value.GetObject()) {
    const std::string key = member.name.GetString();
    const std::string where = absl::StrCat(at, ".", key);
    if (key == "roles") {
      if (!member.value.IsArray() || member.value.Empty()) {
        return Invalid(path, where + " must be a non-empty array of role names");
      }
      for (const auto& name : member.value.GetArray()) {
        std::optional<security::Role> role =
            name.IsString() ? security::ParseRole(name.GetString()) : std::nullopt;
        if (!role) {
          return Invalid(path, where + ": roles are site, warehouse, registry-admin, auditor");
        }
        out->roles.insert(*role);
      }
      continue;
    }
    std::string* field = key == "name"      ? &out->name
                         : key == "subject" ? &out->subject
                         : key == "san"     ? &out->san
                         : key == "site"    ? &out->site
                                            : nullptr;
    if (field == nullptr) return Invalid(path, "unknown key " + where);
    if (!member.value.IsString() || member.value.GetStringLength() == 0) {
      return Invalid(path, where + " must be a non-empty string");
    }
    *field = member.value.GetString();
  }
  if (out->name.empty()) return Invalid(path, at + " needs a \"name\"");
  if (out->subject.empty() == out->san.empty()) {
    return Invalid(path, at + " needs exactly one of \"subject\" (the client certificate's "
                              "subject, e.g. \"CN=site-a,O=Trial\") or \"san\"");
  }
  if (out->roles.empty()) return Invalid(path, at + " needs \"roles\"");
  if (out->roles.count(security::Role::kSite) != 0 && out->site.empty()) {
    return Invalid(path, at + " has the site role and needs the \"site\" it acts for");
  }
  if (out->roles.count(security::Role::kSite) == 0 && !out->site.empty()) {
    return Invalid(path, at + " names a site but has no site role");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadServerTls(const rapidjson::Value& value, const std::string& path,
                           security::ServerTls* out) {
  if (!value.IsObject()) return Invalid(path, "tls must be an object");
  for (const auto& member : value.GetObject()) {
    const std::string key = member.name.GetString();
    std::string* field = key == "certFile"       ? &out->cert_file
                         : key == "keyFile"      ? &out->key_file
                         : key == "clientCaFile" ? &out->client_ca_file
                                                 : nullptr;
    if (field == nullptr) return Invalid(path, "unknown key tls." + key);
    if (!member.value.IsString() || member.value.GetStringLength() == 0) {
      return Invalid(path, "tls." + key + " must be a file name");
    }
    *field = member.value.GetString();
  }
  if (out->cert_file.empty() || out->key_file.empty() || out->client_ca_file.empty()) {
    return Invalid(path, "tls needs certFile, keyFile and clientCaFile (the CA of the client "
                         "certificates: every caller presents one)");
  }
  return absl::OkStatus();
}

absl::Status ReadIdentities(const rapidjson::Value& value, const std::string& path,
                            std::vector<security::Identity>* out) {
  if (!value.IsArray()) return Invalid(path, "identities must be an array");
  std::set<std::string> names, certificates;
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    security::Identity identity;
    const std::string at = absl::StrCat("identities[", i, "]");
    if (absl::Status status = ReadIdentity(value[i], path, at, &identity); !status.ok()) {
      return status;
    }
    if (!names.insert(identity.name).second) {
      return Invalid(path, absl::StrCat(at, ": the name '", identity.name, "' is used twice"));
    }
    const std::string certificate =
        identity.subject.empty() ? "san:" + identity.san : "subject:" + identity.subject;
    if (!certificates.insert(certificate).second) {
      return Invalid(path, absl::StrCat(at, ": another identity has the same ", certificate));
    }
    out->push_back(std::move(identity));
  }
  return absl::OkStatus();
}

}  // namespace trialgate::config
