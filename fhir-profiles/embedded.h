#ifndef TRIALGATE_FHIR_PROFILES_EMBEDDED_H_
#define TRIALGATE_FHIR_PROFILES_EMBEDDED_H_

#include <map>
#include <string>

namespace trialgate::profiles {

// The embedded default study.
inline constexpr char kDefaultStudy[] = "krd-asct2";

// The files of one embedded study, keyed by their path inside the study's folder
// (e.g. "study.json", "codes/drugs.json"). Empty when no such study is embedded.
std::map<std::string, std::string> EmbeddedStudyFiles(const std::string& study);

}  // namespace trialgate::profiles

#endif  // TRIALGATE_FHIR_PROFILES_EMBEDDED_H_
