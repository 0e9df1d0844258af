// `trialgate audit verify [FILE]`: checks an audit log's hash chain offline (the gateway may be
// running; a record being appended at that moment can show as a cut last line).
#include <iostream>

#include "gateway/audit/chain_verifier.h"
#include "gateway/cli/commands.h"
#include "gateway/config/config.h"

namespace trialgate::cli {

int RunAuditVerify(const AuditVerifyOptions& options) {
  std::string path = options.file;
  if (path.empty()) {
    config::Config config;
    if (!options.config_file.empty()) {
      absl::StatusOr<config::Config> loaded = config::LoadConfigFile(options.config_file);
      if (!loaded.ok()) {
        std::cerr << loaded.status().message() << "\n";
        return 2;
      }
      config = *std::move(loaded);
    }
    config::ApplyEnvironment(config);
    if (!options.data_dir.empty()) config.data_dir = options.data_dir;
    path = config::AuditLogPath(config);
  }
  absl::StatusOr<audit::ChainReport> report = audit::VerifyChainFile(path);
  if (!report.ok()) {
    std::cerr << "audit verify: " << report.status().message() << "\n";
    return 2;
  }
  if (report->intact) {
    std::cout << path << ": intact, " << report->good.records << " records, head "
              << report->good.head << "\n";
    return 0;
  }
  std::cout << path << ": TAMPERED or damaged at line " << report->first_bad_line << ": "
            << report->problem << "; " << report->good.records
            << " records before it are intact, their head " << report->good.head << "\n";
  return 1;
}

}  // namespace trialgate::cli
