#include "tests/security/dev_ca.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace trialgate::testing {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

DevCa::DevCa(const std::filesystem::path& dir, const std::vector<std::string>& clients)
    : dir_(dir) {
  std::string command = std::string(TRIALGATE_SOURCE_DIR) + "/deploy/dev-ca.sh '" +
                        dir.string() + "'";
  for (const std::string& client : clients) command += " '" + client + "'";
  ok_ = std::system((command + " >/dev/null").c_str()) == 0;
}

std::shared_ptr<grpc::ChannelCredentials> DevCa::Credentials(const std::string& client) const {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFile(dir_ / "ca.pem");
  if (!client.empty()) {
    options.pem_cert_chain = ReadFile(dir_ / (client + ".pem"));
    options.pem_private_key = ReadFile(dir_ / (client + ".key"));
  }
  return grpc::SslCredentials(options);
}

}  // namespace trialgate::testing
