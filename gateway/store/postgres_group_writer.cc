#include "gateway/store/postgres_group_writer.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "gateway/store/postgres_group_statements.h"
#include "gateway/store/postgres_new_group_writer.h"
#include "gateway/store/postgres_util.h"
#include "gateway/store/write_checks.h"

namespace trialgate::store {
namespace {

// Every SQL text below is a constant (row placeholders aside); data only ever travels through
// bound parameters. The statements every group runs are prepared once per connection.
constexpr PgStatement kSetHead{"tg_set_head", "UPDATE log_head SET last_seq = $1 WHERE id = 1"};
// Sent only if the transaction commits, in commit order (PostgreSQL docs, NOTIFY).
constexpr PgStatement kNotify{"tg_notify", "SELECT pg_notify('tg_log', $1)"};
// Planned with each run, not prepared: a plan made while the table was small (a sequential scan)
// would be kept as it grew.
constexpr char kSelectSourcesSql[] =
    "SELECT source_key, first_seq, event_count, attempt_id, digest, version, stored_at_ms "
    "FROM sources WHERE source_key = ANY($1::text[])";
constexpr char kSelectSourceEventsSql[] =
    "SELECT event_id, seq FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2";
// The versions of one resource: every source key that starts with its resource key (keys are
// length-prefixed, and the version part starts with a letter, below 0x7f; see sqlite_event_store).
constexpr char kCountVersionsSql[] =
    "SELECT count(*) FROM sources WHERE source_key > $1 AND source_key < $1 || chr(127)";
// A group's rows in one statement per table: unnest() of binary arrays, one element per row.
constexpr PgStatement kInsertEvents{
    "tg_insert_events",
    "INSERT INTO events(seq, event_id, subject_id, payload) "
    "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[])"};
constexpr PgStatement kInsertSources{
    "tg_insert_sources",
    "INSERT INTO sources(source_key, first_seq, event_count, attempt_id, digest, version, "
    "stored_at_ms) SELECT k, f, c::integer, $4, d, v, t "
    "FROM unnest($1::text[], $2::bigint[], $3::bigint[], $5::text[], $6::bigint[], $7::bigint[]) "
    "AS r(k, f, c, d, v, t)"};
constexpr PgStatement kInsertOutbox{
    "tg_insert_outbox",
    "INSERT INTO outbox(destination, seq, enqueued_at) "
    "SELECT d, s, $3 FROM unnest($1::text[], $2::bigint[]) AS r(d, s)"};
constexpr char kUpsertEnrollmentsSql[] =
    "INSERT INTO enrollments(site_id, patient_key_hmac, subject_id, status, enrolled_on, "
    "changed_seq) VALUES ";
constexpr char kUpsertEnrollmentsConflictSql[] =
    " ON CONFLICT (site_id, patient_key_hmac) DO UPDATE SET subject_id = excluded.subject_id, "
    "status = excluded.status, enrolled_on = excluded.enrolled_on, "
    "changed_seq = excluded.changed_seq";
// An enrolment's rules, under the log's lock (as identity::EnrollmentRegistry checks them in one
// process): a site's patient is one subject, and a subject belongs to one site.
constexpr char kSubjectOfPatientSql[] =
    "SELECT subject_id FROM enrollments WHERE site_id = $1 AND patient_key_hmac = $2";
constexpr char kSubjectAtAnotherSiteSql[] =
    "SELECT 1 FROM enrollments WHERE subject_id = $1 AND site_id <> $2 LIMIT 1";

// Rows per multi-row INSERT: far below PostgreSQL's 65,535 parameters a statement.
constexpr size_t kRowsPerStatement = 1000;

// Queues statements inserting `count` rows of `columns` values, kRowsPerStatement rows each:
// `prefix` "INSERT ... VALUES ", then "($1, $2), ($3, $4)...", then `suffix`; `fill(i, params)`
// adds row i's values.
void AddRows(const char* prefix, size_t columns, const char* suffix, size_t count,
             const std::function<void(size_t, PgParams&)>& fill, PgPipeline* pipeline) {
  for (size_t start = 0; start < count; start += kRowsPerStatement) {
    const size_t end = std::min(count, start + kRowsPerStatement);
    std::string sql = prefix;
    PgParams params;
    for (size_t i = start; i < end; ++i) {
      if (i > start) sql += ", ";
      sql += PgRowPlaceholders(params.size() + 1, columns);
      fill(i, params);
    }
    sql += suffix;
    pipeline->Add(std::move(sql), std::move(params));
  }
}

// A source stored before this group: what a duplicate of it answers.
struct StoredSource {
  uint64_t first_seq = 0;
  uint64_t event_count = 0;
  std::string attempt_id;
  std::string digest;
  uint64_t version = 0;
  int64_t stored_at_ms = 0;
};

// A source this group stores: its answer and digest (a later duplicate in the group checks it).
struct NewSource {
  SourceResult result;
  std::string digest;
};

struct EventRow {
  int64_t seq;
  std::string event_id;
  std::string subject_id;
  std::string payload;
};

struct SourceRow {
  std::string key;
  int64_t first_seq;
  int64_t event_count;
  std::string digest;            // empty: NULL
  std::optional<uint64_t> version;
  int64_t stored_at_ms;
};

struct OutboxRow {
  std::string destination;
  int64_t seq;
};

// What one group inserts, gathered before any of it is written: a request that fails is cut off
// the end without a savepoint (docs/storage.md says why none is used).
struct GroupRows {
  std::vector<EventRow> events;
  std::vector<SourceRow> sources;
  std::vector<OutboxRow> outbox;
  std::vector<std::pair<EnrollmentRecord, int64_t>> enrollments;  // with the log's counter

  struct Mark {
    size_t events, sources, outbox, enrollments;
  };
  Mark Size() const { return {events.size(), sources.size(), outbox.size(), enrollments.size()}; }
  void Truncate(const Mark& mark) {
    events.resize(mark.events);
    sources.resize(mark.sources);
    outbox.resize(mark.outbox);
    enrollments.resize(mark.enrollments);
  }
};

// The state of one group while it is written (one attempt).
struct GroupWrite {
  std::string attempt_id;
  int64_t now_unix_ms = 0;
  int64_t next_seq = 0;                          // the next event's sequence
  std::map<std::string, StoredSource> stored;    // of the group's keys, stored before it
  std::map<std::string, NewSource> added;        // sorted: the version count reads a range
  GroupRows rows;
};

class GroupWriter {
 public:
  GroupWriter(PGconn* conn, std::string attempt_id, const Clock& clock,
              const std::vector<OutboxRoute>& routes,
              const absl::flat_hash_set<std::string>& known_subjects)
      : conn_(conn), clock_(clock), routes_(routes), known_subjects_(known_subjects) {
    write_.attempt_id = std::move(attempt_id);
  }

  absl::Status Write(const std::vector<std::vector<SourceWrite>*>& group,
                     std::vector<CommitResult>* results, PgGroupOutcome* outcome);

 private:
  absl::Status WriteInTransaction(const std::vector<std::vector<SourceWrite>*>& group,
                                  std::vector<CommitResult>* results, PgGroupOutcome* outcome);
  // The stored sources among the group's (a SELECT's rows) into write->stored.
  void LoadStoredSources(const PGresult* rows, GroupWrite* write);
  absl::Status WriteRequest(std::vector<SourceWrite>& writes, GroupWrite* group,
                            CommitResult* result, PgGroupOutcome* outcome);
  absl::Status WriteSource(SourceWrite& write, GroupWrite* group, SourceResult* result,
                           StoreStats* delta);
  // The statements that insert the group's rows; the subjects it records.
  void AddInserts(const GroupWrite& group, PgPipeline* pipeline,
                  std::vector<std::string>* new_subjects);
  absl::StatusOr<uint64_t> CountVersions(const std::string& resource_key,
                                         const GroupWrite& group);
  absl::Status ReadSourceEvents(const StoredSource& stored, SourceResult* result);
  // FAILED_PRECONDITION when `enrollment` contradicts one another replica stored.
  absl::Status CheckEnrollment(const EnrollmentRecord& enrollment);

  PGconn* const conn_;
  const Clock& clock_;
  const std::vector<OutboxRoute>& routes_;
  const absl::flat_hash_set<std::string>& known_subjects_;
  GroupWrite write_;
};

absl::Status GroupWriter::Write(const std::vector<std::vector<SourceWrite>*>& group,
                                std::vector<CommitResult>* results, PgGroupOutcome* outcome) {
  absl::Status status = WriteInTransaction(group, results, outcome);
  // A failed statement leaves the transaction failed (or the COMMIT ended it: then this only
  // draws a warning).
  if (!status.ok()) PgRollback(conn_);
  return status;
}

absl::Status GroupWriter::WriteInTransaction(
    const std::vector<std::vector<SourceWrite>*>& group, std::vector<CommitResult>* results,
    PgGroupOutcome* outcome) {
  GroupWrite& write = write_;
  std::vector<std::string> keys;
  for (const std::vector<SourceWrite>* request : group) {
    for (const SourceWrite& source : *request) keys.push_back(source.source_key);
  }
  // One round trip: the transaction; the log's lock, held to COMMIT, so that the groups of every
  // replica number their events in turn; and, under it, which of the group's sources exist.
  ASSIGN_OR_RETURN(std::vector<PgResultPtr> opened,
                   PgPipeline()
                       .Add(kBeginGroup)
                       .Add(kLockLogHead)
                       .Add(kSelectSourcesSql, PgParams().TextArray(keys))
                       .Run(conn_, "cannot start the group's transaction"));
  const int64_t head_seq = PgInt(opened[1].get(), 0, 0);
  write.next_seq = head_seq + 1;
  // One time for the group: its rows became durable together.
  write.now_unix_ms = absl::ToUnixMillis(clock_.Now());
  LoadStoredSources(opened[2].get(), &write);
  for (size_t i = 0; i < group.size(); ++i) {
    RETURN_IF_ERROR(WriteRequest(*group[i], &write, &(*results)[i], outcome));
  }
  // One more: every row, the log's new head, the notification, COMMIT.
  PgPipeline finish;
  std::vector<std::string> new_subjects;
  AddInserts(write, &finish, &new_subjects);
  if (write.next_seq - 1 > head_seq) {
    const int64_t last = write.next_seq - 1;
    finish.Add(kSetHead, PgParams().Int(last)).Add(kNotify, PgParams().Int(last));
  }
  finish.Add(kCommitGroup);
  const auto commit_start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(finish.Run(conn_, "cannot write the group").status());
  outcome->commit_time = std::chrono::steady_clock::now() - commit_start;
  outcome->new_subjects = std::move(new_subjects);
  return absl::OkStatus();
}

void GroupWriter::LoadStoredSources(const PGresult* rows, GroupWrite* write) {
  for (int row = 0; row < PQntuples(rows); ++row) {
    StoredSource& stored = write->stored[PgText(rows, row, 0)];
    stored.first_seq = static_cast<uint64_t>(PgInt(rows, row, 1));
    stored.event_count = static_cast<uint64_t>(PgInt(rows, row, 2));
    stored.attempt_id = PgText(rows, row, 3);
    stored.digest = PgText(rows, row, 4);
    stored.version = static_cast<uint64_t>(PgInt(rows, row, 5));
    stored.stored_at_ms = PgInt(rows, row, 6);
  }
}

absl::Status GroupWriter::WriteRequest(std::vector<SourceWrite>& writes, GroupWrite* group,
                                       CommitResult* result, PgGroupOutcome* outcome) {
  result->status = ValidateRequest(writes);
  if (!result->status.ok()) return absl::OkStatus();
  // A request that fails of its own making is cut off the group's rows and forgotten.
  const GroupRows::Mark mark = group->rows.Size();
  const int64_t next_seq = group->next_seq;
  std::vector<std::string> added;
  StoreStats delta;
  result->results.resize(writes.size());
  absl::Status status;
  for (size_t j = 0; j < writes.size() && status.ok(); ++j) {
    const bool known = group->added.count(writes[j].source_key) != 0;
    status = WriteSource(writes[j], group, &result->results[j], &delta);
    if (status.ok() && !known && group->added.count(writes[j].source_key) != 0) {
      added.push_back(writes[j].source_key);
    }
  }
  if (!status.ok()) {
    if (!IsRequestLocal(status)) return status;
    group->rows.Truncate(mark);
    group->next_seq = next_seq;
    for (const std::string& key : added) group->added.erase(key);
    result->status = status;
    result->results.clear();
    return absl::OkStatus();
  }
  outcome->delta.AddWrites(delta);
  for (const SourceResult& source : result->results) {
    for (const uint64_t sequence : source.sequences) {
      if (!source.duplicate) outcome->last_sequence = std::max(outcome->last_sequence, sequence);
    }
  }
  return absl::OkStatus();
}

absl::Status GroupWriter::WriteSource(SourceWrite& write, GroupWrite* group,
                                                 SourceResult* result, StoreStats* delta) {
  if (write.expected_version.has_value()) {
    ASSIGN_OR_RETURN(const uint64_t stored_versions, CountVersions(write.resource_key, *group));
    if (stored_versions != *write.expected_version) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version conflict: the resource is at version ", stored_versions,
          ", the request expected version ", *write.expected_version));
    }
  }
  auto mismatched_digest = [&write](const std::string& stored_digest) {
    return !write.digest.empty() && stored_digest != write.digest;
  };
  auto digest_error = [&write] {
    return absl::AlreadyExistsError(absl::StrCat(
        "a message with different content was already committed as ", write.source_key));
  };
  if (auto stored = group->stored.find(write.source_key); stored != group->stored.end()) {
    const bool same_attempt = stored->second.attempt_id == group->attempt_id;
    if (!same_attempt && mismatched_digest(stored->second.digest)) return digest_error();
    RETURN_IF_ERROR(ReadSourceEvents(stored->second, result));
    if (write.number_version) {
      result->version = stored->second.version;
      result->stored_at_unix_ms = stored->second.stored_at_ms;
    }
    // Stored by an earlier try of this very group, whose COMMIT's answer was lost: this group's.
    result->duplicate = !same_attempt;
    ++(same_attempt ? delta->source_writes : delta->duplicates);
    return absl::OkStatus();
  }
  if (auto added = group->added.find(write.source_key); added != group->added.end()) {
    if (mismatched_digest(added->second.digest)) return digest_error();
    *result = added->second.result;
    if (!write.number_version) {
      result->version = 0;
      result->stored_at_unix_ms = 0;
    }
    result->duplicate = true;
    ++delta->duplicates;
    return absl::OkStatus();
  }
  if (write.only_after_a_stored_version) {
    ASSIGN_OR_RETURN(const uint64_t stored_versions, CountVersions(write.resource_key, *group));
    if (stored_versions == 0) {
      result->unneeded = true;
      return absl::OkStatus();
    }
  }
  ++delta->source_writes;

  std::string payload;
  const int64_t first_seq = write.events.empty() ? 0 : group->next_seq;
  for (v1::Event& event : write.events) {
    event.clear_sequence();  // the row's key is the sequence
    if (!event.SerializeToString(&payload)) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", event.event_id(), " cannot be serialized"));
    }
    const int64_t sequence = group->next_seq++;
    group->rows.events.push_back({sequence, event.event_id(), event.subject_id(), payload});
    result->event_ids.push_back(event.event_id());
    result->sequences.push_back(static_cast<uint64_t>(sequence));
    ++delta->events_written;
    // With no routes the loop is empty: the commit path pays nothing for forwarding.
    if (!routes_.empty()) event.set_sequence(sequence);  // routes see it whole
    for (const OutboxRoute& route : routes_) {
      if (route.accepts(event)) group->rows.outbox.push_back({route.destination, sequence});
    }
  }
  NewSource& added = group->added[write.source_key];
  added.digest = write.digest;
  if (write.number_version) {
    // Counted with this source, as SQLite counts after inserting its row.
    ASSIGN_OR_RETURN(result->version, CountVersions(write.resource_key, *group));
    result->stored_at_unix_ms = group->now_unix_ms;
  }
  added.result = *result;
  std::optional<uint64_t> version;
  if (write.number_version) version = result->version;
  group->rows.sources.push_back({write.source_key, first_seq,
                                 static_cast<int64_t>(write.events.size()), write.digest, version,
                                 group->now_unix_ms});
  for (const EnrollmentRecord& enrollment : write.enrollments) {
    RETURN_IF_ERROR(CheckEnrollment(enrollment));
    group->rows.enrollments.emplace_back(enrollment, group->next_seq - 1);
  }
  return absl::OkStatus();
}

absl::Status GroupWriter::CheckEnrollment(const EnrollmentRecord& enrollment) {
  PGconn* conn = conn_;
  ASSIGN_OR_RETURN(PgResultPtr patient,
                   PgExec(conn, kSubjectOfPatientSql,
                          PgParams().Text(enrollment.site_id).Text(enrollment.patient_key_hmac),
                          "cannot look up a patient's enrolment"));
  if (PQntuples(patient.get()) == 1 && PgText(patient.get(), 0, 0) != enrollment.subject_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this patient is already enrolled at site ", enrollment.site_id, " as study subject ",
        PgText(patient.get(), 0, 0), ", not ", enrollment.subject_id));
  }
  ASSIGN_OR_RETURN(PgResultPtr elsewhere,
                   PgExec(conn, kSubjectAtAnotherSiteSql,
                          PgParams().Text(enrollment.subject_id).Text(enrollment.site_id),
                          "cannot look up a subject's site"));
  if (PQntuples(elsewhere.get()) != 0) {
    // The other site is not named, as the registry does not.
    return absl::FailedPreconditionError(absl::StrCat(
        "study subject ", enrollment.subject_id, " is already enrolled at another site"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> GroupWriter::CountVersions(const std::string& resource_key,
                                                               const GroupWrite& group) {
  ASSIGN_OR_RETURN(PgResultPtr count,
                   PgExec(conn_, kCountVersionsSql, PgParams().Text(resource_key),
                          "cannot count a resource's versions"));
  uint64_t versions = static_cast<uint64_t>(PgInt(count.get(), 0, 0));
  // And those of this group, not yet inserted: the same key range.
  for (auto it = group.added.upper_bound(resource_key);
       it != group.added.end() && it->first.compare(0, resource_key.size(), resource_key) == 0;
       ++it) {
    if (it->first.size() > resource_key.size() &&
        static_cast<unsigned char>(it->first[resource_key.size()]) < 127) {
      ++versions;
    }
  }
  return versions;
}

absl::Status GroupWriter::ReadSourceEvents(const StoredSource& stored,
                                                      SourceResult* result) {
  if (stored.event_count == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(PgResultPtr rows,
                   PgExec(conn_, kSelectSourceEventsSql,
                          PgParams()
                              .Int(PgBigint(stored.first_seq))
                              .Int(PgBigint(stored.event_count)),
                          "cannot read the stored events of a source"));
  for (int row = 0; row < PQntuples(rows.get()); ++row) {
    result->event_ids.push_back(PgText(rows.get(), row, 0));
    result->sequences.push_back(static_cast<uint64_t>(PgInt(rows.get(), row, 1)));
  }
  return absl::OkStatus();
}

void GroupWriter::AddInserts(const GroupWrite& group, PgPipeline* pipeline,
                             std::vector<std::string>* new_subjects) {
  const GroupRows& rows = group.rows;
  if (!rows.events.empty()) {
    PgBinaryArray seqs(PgBinaryArray::kInt8), ids(PgBinaryArray::kText),
        subjects(PgBinaryArray::kText), payloads(PgBinaryArray::kBytea);
    for (const EventRow& row : rows.events) {
      seqs.AddInt8(row.seq);
      ids.Add(row.event_id);
      subjects.AddOrNull(row.subject_id);
      payloads.Add(row.payload);
    }
    pipeline->Add(kInsertEvents, PgParams()
                                         .Bytes(seqs.Encode())
                                         .Bytes(ids.Encode())
                                         .Bytes(subjects.Encode())
                                         .Bytes(payloads.Encode()));
  }
  if (!rows.sources.empty()) {
    PgBinaryArray keys(PgBinaryArray::kText), firsts(PgBinaryArray::kInt8),
        counts(PgBinaryArray::kInt8), digests(PgBinaryArray::kText),
        versions(PgBinaryArray::kInt8), stored_at(PgBinaryArray::kInt8);
    for (const SourceRow& row : rows.sources) {
      keys.Add(row.key);
      firsts.AddInt8(row.first_seq);
      counts.AddInt8(row.event_count);
      digests.AddOrNull(row.digest);
      if (row.version.has_value()) {
        versions.AddInt8(PgBigint(*row.version));
        stored_at.AddInt8(row.stored_at_ms);
      } else {
        versions.AddNull();
        stored_at.AddNull();
      }
    }
    pipeline->Add(kInsertSources, PgParams()
                                          .Bytes(keys.Encode())
                                          .Bytes(firsts.Encode())
                                          .Bytes(counts.Encode())
                                          .Text(group.attempt_id)
                                          .Bytes(digests.Encode())
                                          .Bytes(versions.Encode())
                                          .Bytes(stored_at.Encode()));
  }
  if (!rows.outbox.empty()) {
    PgBinaryArray destinations(PgBinaryArray::kText), seqs(PgBinaryArray::kInt8);
    for (const OutboxRow& row : rows.outbox) {
      destinations.Add(row.destination);
      seqs.AddInt8(row.seq);
    }
    pipeline->Add(kInsertOutbox, PgParams()
                                         .Bytes(destinations.Encode())
                                         .Bytes(seqs.Encode())
                                         .Int(group.now_unix_ms));
  }
  // One row per enrolment key (the last write wins, as a sequence of upserts would leave it):
  // an INSERT cannot change one row twice.
  std::map<std::pair<std::string, std::string>, const std::pair<EnrollmentRecord, int64_t>*>
      enrollments;
  for (const auto& enrollment : rows.enrollments) {
    enrollments[{enrollment.first.site_id, enrollment.first.patient_key_hmac}] = &enrollment;
  }
  std::vector<const std::pair<EnrollmentRecord, int64_t>*> upserts;
  for (const auto& [key, enrollment] : enrollments) upserts.push_back(enrollment);
  AddRows(
      kUpsertEnrollmentsSql, 6, kUpsertEnrollmentsConflictSql, upserts.size(),
      [&upserts](size_t i, PgParams& params) {
        const EnrollmentRecord& record = upserts[i]->first;
        params.Text(record.site_id)
            .Text(record.patient_key_hmac)
            .Text(record.subject_id)
            .Text(record.status)
            .Text(record.enrolled_on)
            .Int(upserts[i]->second);
      },
      pipeline);
  // Only subjects not recorded before: most groups name none.
  std::vector<std::string> subject_ids;
  subject_ids.reserve(rows.events.size());
  for (const EventRow& row : rows.events) subject_ids.push_back(row.subject_id);
  *new_subjects = UnrecordedSubjects(std::move(subject_ids), known_subjects_);
  AddSubjectsInsert(*new_subjects, pipeline);
}

}  // namespace

absl::Status WritePostgresGroup(PGconn* conn, const std::string& attempt_id, const Clock& clock,
                                const std::vector<OutboxRoute>& routes,
                                const absl::flat_hash_set<std::string>& known_subjects,
                                const std::vector<std::vector<SourceWrite>*>& requests,
                                std::vector<CommitResult>* results, PgGroupOutcome* outcome,
                                bool try_as_new) {
  if (try_as_new && CanWriteAsNew(requests)) {
    ASSIGN_OR_RETURN(const bool written,
                     WriteNewPostgresGroup(conn, attempt_id, clock, routes, known_subjects,
                                           requests, results, outcome));
    if (written) return absl::OkStatus();
    outcome->fell_back = true;
  }
  return GroupWriter(conn, attempt_id, clock, routes, known_subjects)
      .Write(requests, results, outcome);
}

}  // namespace trialgate::store
