#ifndef TRIALGATE_TESTS_SECURITY_DEV_CA_H_
#define TRIALGATE_TESTS_SECURITY_DEV_CA_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/security/credentials.h"

namespace trialgate::testing {

// A development CA made by deploy/dev-ca.sh, the script operators use, in `dir`: the server
// certificate, one client certificate per NAME:ROLE[:SITE] and the gateway.json mapping them.
class DevCa {
 public:
  DevCa(const std::filesystem::path& dir, const std::vector<std::string>& clients);

  bool ok() const { return ok_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path config_file() const { return dir_ / "gateway.json"; }
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }

  // TLS to the gateway as `client` (its certificate and key); empty: no client certificate.
  std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& client) const;

 private:
  std::filesystem::path dir_;
  bool ok_ = false;
};

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SECURITY_DEV_CA_H_
