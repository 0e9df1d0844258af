#ifndef TRIALGATE_FHIR_PROFILES_EMBEDDED_H_
#define TRIALGATE_FHIR_PROFILES_EMBEDDED_H_

#include <map>
#include <string>

namespace trialgate::profiles {

// The embedded default study.
inline constexpr char kDefaultStudy[] = "krd-asct2";

// The files of one embedded study, keyed by their path inside the study's folder
// (e.g. "study.json", "codes/drugs.json"), with their exact bytes. Empty when no such study is
// embedded. Each call builds a new map. Thread-safe.
std::map<std::string, std::string> EmbeddedStudyFiles(const std::string& study);

// The FHIR R4 (4.0.1) base definitions of fhir-profiles/r4/ (see its README.md): every .json file
// there, keyed by its file name (e.g. "StructureDefinition-Observation.json",
// "ValueSet-observation-status.json", "value-sets-not-expandable.json", "manifest.json"), with its
// exact bytes. Never empty in a correct build. Each call builds a new map (about 0.6 MB): load it
// once at start-up. Thread-safe.
std::map<std::string, std::string> EmbeddedR4Definitions();

// The HL7 v2 to FHIR mapping tables of fhir-profiles/hl7v2/ (e.g. "oru_r01.json"; see
// docs/hl7v2.md): the exact bytes of the file named `name`, or "" when there is none. Thread-safe.
std::string EmbeddedHl7v2Mapping(const std::string& name);

}  // namespace trialgate::profiles

#endif  // TRIALGATE_FHIR_PROFILES_EMBEDDED_H_
