#ifndef TRIALGATE_FHIR_PROFILES_EMBEDDED_FILE_H_
#define TRIALGATE_FHIR_PROFILES_EMBEDDED_FILE_H_

#include <string_view>

namespace trialgate::profiles::internal {

// One file embedded by embed_files.cmake: its path relative to the embedded folder and its
// bytes, which live in the binary's read-only data for the life of the process.
struct EmbeddedFile {
  std::string_view path;
  std::string_view content;
};

}  // namespace trialgate::profiles::internal

#endif  // TRIALGATE_FHIR_PROFILES_EMBEDDED_FILE_H_
