#ifndef TRIALGATE_MAPPERS_STUDY_H_
#define TRIALGATE_MAPPERS_STUDY_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace trialgate::mappers {

// A study definition and its code tables, parsed from the files of fhir-profiles/studies/<id>/
// (study.json, codes/*.json). Immutable once loaded; thread-safe.
class Study {
 public:
  // Parses a study from its files, keyed by path inside the study folder ("study.json",
  // "codes/drugs.json", ...). Returns INVALID_ARGUMENT naming the file and the problem when
  // a file is missing or malformed.
  static absl::StatusOr<std::shared_ptr<const Study>> FromFiles(
      const std::map<std::string, std::string>& files);

  const std::string& study_id() const { return study_id_; }                 // "KRD-ASCT2"
  const std::string& subject_id_system() const { return subject_id_system_; }
  const std::string& ctcae_grade_extension_url() const { return ctcae_grade_extension_url_; }

  // --- code tables used by the mappers are declared below (mappers/code_tables.h) ---

 private:
  std::string study_id_;
  std::string subject_id_system_;
  std::string ctcae_grade_extension_url_;
};

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_STUDY_H_
