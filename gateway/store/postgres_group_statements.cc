#include "gateway/store/postgres_group_statements.h"

#include <algorithm>
#include <utility>

namespace trialgate::store {

std::vector<std::string> UnrecordedSubjects(std::vector<std::string> subject_ids,
                                            const absl::flat_hash_set<std::string>& known) {
  subject_ids.erase(std::remove_if(subject_ids.begin(), subject_ids.end(),
                                   [&known](const std::string& subject) {
                                     return subject.empty() || known.contains(subject);
                                   }),
                    subject_ids.end());
  std::sort(subject_ids.begin(), subject_ids.end());
  subject_ids.erase(std::unique(subject_ids.begin(), subject_ids.end()), subject_ids.end());
  return subject_ids;
}

void AddSubjectsInsert(const std::vector<std::string>& subjects, PgPipeline* pipeline) {
  if (subjects.empty()) return;
  PgBinaryArray subject_array(PgBinaryArray::kText);
  for (const std::string& subject : subjects) subject_array.Add(subject);
  pipeline->Add(kInsertSubjects, PgParams().Bytes(subject_array.Encode()));
}

}  // namespace trialgate::store
