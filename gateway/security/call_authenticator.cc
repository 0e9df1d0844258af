#include "gateway/security/call_authenticator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/security/access_policy.h"
#include "gateway/security/grpc_caller.h"
#include "grpc/grpc_security_constants.h"

namespace trialgate::security {
namespace {

std::string ToString(const grpc::string_ref& value) {
  return std::string(value.data(), value.size());
}

CertificateNames NamesOf(const grpc::AuthContext& context) {
  CertificateNames names;
  for (const grpc::string_ref& subject : context.FindPropertyValues(GRPC_X509_SUBJECT_PROPERTY_NAME)) {
    names.subject = ToString(subject);
  }
  for (const grpc::string_ref& san : context.FindPropertyValues(GRPC_X509_SAN_PROPERTY_NAME)) {
    names.sans.push_back(ToString(san));
  }
  return names;
}

}  // namespace

CallAuthenticator::CallAuthenticator(std::vector<Identity> identities, double requests_per_second,
                                     double request_burst,
                                     std::function<void(const RefusedCall&)> on_refused)
    : identities_(std::move(identities)),
      rate_(requests_per_second, request_burst),
      on_refused_(std::move(on_refused)) {}

grpc::Status CallAuthenticator::Process(const InputMetadata& metadata, grpc::AuthContext* context,
                                        OutputMetadata* /*consumed*/,
                                        OutputMetadata* /*response*/) {
  std::string method;
  if (auto path = metadata.find(":path"); path != metadata.end()) method = ToString(path->second);

  const CertificateNames names = NamesOf(*context);
  const Identity* identity = MatchIdentity(identities_, names);
  if (identity == nullptr) {
    return Refuse({names.subject.empty() ? "(no client certificate)" : names.subject, {}, "", method,
                   grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                absl::StrCat("the client certificate (subject '", names.subject,
                                             "', names: ", absl::StrJoin(names.sans, ", "),
                                             ") is not a configured identity"))});
  }
  if (absl::Status allowed = Authorize(identity->name, identity->roles, method); !allowed.ok()) {
    return Refuse({identity->name, identity->roles, identity->site, method,
                   grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                std::string(allowed.message()))});
  }
  if (!rate_.TryAcquire(identity->name)) {
    return Refuse({identity->name, identity->roles, identity->site, method,
                   grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                absl::StrCat("identity '", identity->name,
                                             "' is over its request rate (limits."
                                             "requestsPerSecond): retry later, with backoff"))});
  }
  context->AddProperty(kIdentityProperty, identity->name);
  for (Role role : identity->roles) context->AddProperty(kRoleProperty, std::string(RoleName(role)));
  if (!identity->site.empty()) context->AddProperty(kSiteProperty, identity->site);
  return grpc::Status::OK;
}

grpc::Status CallAuthenticator::Refuse(RefusedCall call) {
  if (on_refused_) on_refused_(call);
  return call.status;
}

}  // namespace trialgate::security
