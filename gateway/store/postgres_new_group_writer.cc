#include "gateway/store/postgres_new_group_writer.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/store/postgres_group_statements.h"
#include "gateway/store/postgres_util.h"
#include "gateway/store/write_checks.h"

namespace trialgate::store {
namespace {

// The first statement after BEGIN takes the log's lock by advancing its head past the group's
// events (held to COMMIT, so that the groups of every replica number their events in turn), and
// queues the notification, sent only if the transaction commits, in commit order (PostgreSQL
// docs, NOTIFY). It answers the head before the group.
constexpr PgStatement kAdvanceHead{
    "tg_advance_head",
    "UPDATE log_head SET last_seq = last_seq + $1 WHERE id = 1 "
    "RETURNING last_seq - $1, pg_notify('tg_log', last_seq::text)"};
// The rows carry offsets from the advanced head (0 for the group's last event, -1 for the one
// before); the statements read the head once each (an InitPlan) to number them. A source without
// events keeps first_seq 0, as on the look-up path.
#define TG_HEAD "(SELECT last_seq FROM log_head WHERE id = 1)"
constexpr PgStatement kInsertNewSources{
    "tg_insert_new_sources",
    "INSERT INTO sources(source_key, first_seq, event_count, attempt_id, digest) "
    "SELECT k, CASE WHEN c = 0 THEN 0 ELSE " TG_HEAD " + o END, c::integer, $4, d "
    "FROM unnest($1::text[], $2::bigint[], $3::bigint[], $5::text[]) AS r(k, o, c, d)"};
constexpr PgStatement kInsertNewEvents{
    "tg_insert_new_events",
    "INSERT INTO events(seq, event_id, subject_id, payload) SELECT " TG_HEAD " + o, i, s, p "
    "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[]) AS r(o, i, s, p)"};
constexpr PgStatement kInsertNewOutbox{
    "tg_insert_new_outbox",
    "INSERT INTO outbox(destination, seq, enqueued_at) SELECT d, " TG_HEAD " + o, $3 "
    "FROM unnest($1::text[], $2::bigint[]) AS r(d, o)"};
#undef TG_HEAD

// A group's rows as the statements' array parameters.
struct NewRows {
  PgBinaryArray source_keys{PgBinaryArray::kText}, source_offsets{PgBinaryArray::kInt8},
      source_counts{PgBinaryArray::kInt8}, digests{PgBinaryArray::kText};
  PgBinaryArray event_offsets{PgBinaryArray::kInt8}, event_ids{PgBinaryArray::kText},
      subjects{PgBinaryArray::kText}, payloads{PgBinaryArray::kBytea};
  PgBinaryArray destinations{PgBinaryArray::kText}, outbox_offsets{PgBinaryArray::kInt8};
  int64_t total = 0;   // the group's events
  int64_t events = 0;  // added so far
  bool outbox = false;
  std::vector<std::string> subject_ids;
};

// Adds `write`'s rows; false when an event cannot be serialised (the look-up path answers it).
bool AddSource(SourceWrite& write, const std::vector<OutboxRoute>& routes, NewRows* rows) {
  const int64_t first_offset = rows->events + 1 - rows->total;
  std::string payload;
  for (v1::Event& event : write.events) {
    event.clear_sequence();  // the row's key is the sequence
    if (!event.SerializeToString(&payload)) return false;
    const int64_t offset = ++rows->events - rows->total;
    rows->event_offsets.AddInt8(offset);
    rows->event_ids.Add(event.event_id());
    rows->subjects.AddOrNull(event.subject_id());
    rows->payloads.Add(payload);
    rows->subject_ids.push_back(event.subject_id());
    for (const OutboxRoute& route : routes) {
      if (!route.accepts(event)) continue;
      rows->destinations.Add(route.destination);
      rows->outbox_offsets.AddInt8(offset);
      rows->outbox = true;
    }
  }
  rows->source_keys.Add(write.source_key);
  rows->source_offsets.AddInt8(first_offset);
  rows->source_counts.AddInt8(static_cast<int64_t>(write.events.size()));
  rows->digests.AddOrNull(write.digest);
  return true;
}

}  // namespace

bool CanWriteAsNew(const std::vector<std::vector<SourceWrite>*>& requests) {
  absl::flat_hash_set<absl::string_view> keys;
  for (const std::vector<SourceWrite>* request : requests) {
    if (!ValidateRequest(*request).ok()) return false;
    for (const SourceWrite& write : *request) {
      if (write.number_version || write.expected_version.has_value() ||
          write.only_after_a_stored_version || !write.enrollments.empty() ||
          !keys.insert(write.source_key).second) {
        return false;
      }
    }
  }
  return true;
}

absl::StatusOr<bool> WriteNewPostgresGroup(PGconn* conn, const std::string& attempt_id,
                                           const Clock& clock,
                                           const std::vector<OutboxRoute>& routes,
                                           const absl::flat_hash_set<std::string>& known_subjects,
                                           const std::vector<std::vector<SourceWrite>*>& requests,
                                           std::vector<CommitResult>* results,
                                           PgGroupOutcome* outcome) {
  NewRows rows;
  for (const std::vector<SourceWrite>* request : requests) {
    rows.total += static_cast<int64_t>(CountEvents(*request));
  }
  for (std::vector<SourceWrite>* request : requests) {
    for (SourceWrite& write : *request) {
      if (!AddSource(write, routes, &rows)) return false;
    }
  }
  std::vector<std::string> new_subjects =
      UnrecordedSubjects(std::move(rows.subject_ids), known_subjects);
  PgPipeline pipeline;
  pipeline.Add(kBeginGroup);
  if (rows.total > 0) {
    pipeline.Add(kAdvanceHead, PgParams().Int(rows.total));
  } else {
    pipeline.Add(kLockLogHead);  // nothing to number or announce; the lock all the same
  }
  pipeline.Add(kInsertNewSources, PgParams()
                                      .Bytes(rows.source_keys.Encode())
                                      .Bytes(rows.source_offsets.Encode())
                                      .Bytes(rows.source_counts.Encode())
                                      .Text(attempt_id)
                                      .Bytes(rows.digests.Encode()));
  if (rows.total > 0) {
    pipeline.Add(kInsertNewEvents, PgParams()
                                       .Bytes(rows.event_offsets.Encode())
                                       .Bytes(rows.event_ids.Encode())
                                       .Bytes(rows.subjects.Encode())
                                       .Bytes(rows.payloads.Encode()));
  }
  const int64_t now_unix_ms = absl::ToUnixMillis(clock.Now());
  if (rows.outbox) {
    pipeline.Add(kInsertNewOutbox, PgParams()
                                       .Bytes(rows.destinations.Encode())
                                       .Bytes(rows.outbox_offsets.Encode())
                                       .Int(now_unix_ms));
  }
  AddSubjectsInsert(new_subjects, &pipeline);
  pipeline.Add(kCommitGroup);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::vector<PgResultPtr>> done = pipeline.Run(conn, "cannot write the group");
  if (!done.ok()) {
    PgRollback(conn);
    if (absl::IsUnavailable(done.status())) return done.status();
    return false;  // most likely a source stored before: the look-up path sorts it out
  }
  outcome->commit_time = std::chrono::steady_clock::now() - start;
  const int64_t head = PgInt((*done)[1].get(), 0, 0);  // before the group
  int64_t sequence = head;
  for (size_t i = 0; i < requests.size(); ++i) {
    CommitResult& result = (*results)[i];
    result.status = absl::OkStatus();
    result.results.assign(requests[i]->size(), SourceResult());
    for (size_t j = 0; j < requests[i]->size(); ++j) {
      SourceWrite& write = (*requests[i])[j];
      SourceResult& source = result.results[j];
      for (v1::Event& event : write.events) {
        ++sequence;
        source.event_ids.push_back(event.event_id());
        source.sequences.push_back(static_cast<uint64_t>(sequence));
        // As on the look-up path: with routes, the events leave with their sequence.
        if (!routes.empty()) event.set_sequence(static_cast<uint64_t>(sequence));
      }
      ++outcome->delta.source_writes;
    }
  }
  outcome->delta.events_written += static_cast<uint64_t>(rows.total);
  if (rows.total > 0) outcome->last_sequence = static_cast<uint64_t>(head + rows.total);
  outcome->new_subjects = std::move(new_subjects);
  return true;
}

}  // namespace trialgate::store
