#include "fhir-profiles/embedded.h"

namespace trialgate::profiles {

// Defined in the generated embedded_files.cc: every file under studies/, keyed by its path.
const std::map<std::string, std::string>& EmbeddedFilesTable();

std::map<std::string, std::string> EmbeddedStudyFiles(const std::string& study) {
  const std::string prefix = "studies/" + study + "/";
  std::map<std::string, std::string> files;
  for (const auto& [path, content] : EmbeddedFilesTable()) {
    if (path.starts_with(prefix)) files.emplace(path.substr(prefix.size()), content);
  }
  return files;
}

}  // namespace trialgate::profiles
