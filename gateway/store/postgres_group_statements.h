#ifndef TRIALGATE_GATEWAY_STORE_POSTGRES_GROUP_STATEMENTS_H_
#define TRIALGATE_GATEWAY_STORE_POSTGRES_GROUP_STATEMENTS_H_

// Statements both of the PostgreSQL store's group writers run (postgres_group_writer.cc, the
// look-up path; postgres_new_group_writer.cc, the one-round-trip path), prepared once per
// connection. Internal to gateway/store.

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gateway/store/postgres_util.h"

namespace trialgate::store {

inline constexpr PgStatement kBeginGroup{"tg_begin", "BEGIN"};
inline constexpr PgStatement kCommitGroup{"tg_commit", "COMMIT"};
// Held to COMMIT, so that the groups of every replica number their events in turn.
inline constexpr PgStatement kLockLogHead{"tg_lock_head",
                                          "SELECT last_seq FROM log_head WHERE id = 1 FOR UPDATE"};
inline constexpr PgStatement kInsertSubjects{
    "tg_insert_subjects",
    "INSERT INTO subjects(subject_id) SELECT * FROM unnest($1::text[]) "
    "ON CONFLICT (subject_id) DO NOTHING"};

// Of `subject_ids` (a group's events'; empty: an event without a subject), those not in
// `known` (recorded by earlier groups), sorted and each once.
std::vector<std::string> UnrecordedSubjects(std::vector<std::string> subject_ids,
                                            const absl::flat_hash_set<std::string>& known);

// Queues the insert of `subjects` into `subjects` (nothing when there are none: most groups).
void AddSubjectsInsert(const std::vector<std::string>& subjects, PgPipeline* pipeline);

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_POSTGRES_GROUP_STATEMENTS_H_
