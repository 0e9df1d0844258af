#ifndef TRIALGATE_GATEWAY_STORE_EVENT_STORE_H_
#define TRIALGATE_GATEWAY_STORE_EVENT_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/store/event_batch.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::store {

// A patient's enrolment at a site. The hospital's patient identifier is never stored: only its
// keyed HMAC-SHA256 (patient_key_hmac, hex).
struct EnrollmentRecord {
  std::string site_id;
  std::string patient_key_hmac;
  std::string subject_id;
  std::string status;
  std::string enrolled_on;
};

// Everything one source resource (one version of one FHIR resource) contributes.
struct SourceWrite {
  // Idempotency key: sending system + resource type + logical id + versionId (or content hash).
  std::string source_key;
  std::vector<v1::Event> events;               // event_id set; sequence is assigned at commit
  std::vector<EnrollmentRecord> enrollments;   // upserted with the events
  // Set on the write that records a channel's own message (an HL7 v2 message by sending system
  // and control id; no events): the digest of its content, kept with the key. The same key
  // again with the same digest is a duplicate like any other; with another digest it refuses
  // the whole request (ALREADY_EXISTS): the sender reused a message id for different content.
  std::string digest;
  // The key of the resource this is a version of (SourceKey without its version part; see
  // identity::ResourceKey). Versions are numbered only when `number_version` is set: the
  // write's version is then the count of the resource's stored versions, this one included,
  // and is kept with it (a duplicate answers the number it got when first stored).
  std::string resource_key;
  bool number_version = false;
  // When set, the request as a whole fails (FAILED_PRECONDITION, nothing stored) unless the
  // resource has exactly this many stored versions: FHIR's If-Match.
  std::optional<uint64_t> expected_version;
  // A write that only undoes what an earlier version of `resource_key` said (a Patient's death
  // withdrawn): when no version of the resource is stored there is nothing to undo, and nothing
  // is written (SourceResult::unneeded). A stored copy of this very version is a duplicate.
  bool only_after_a_stored_version = false;
};

// What happened to one SourceWrite.
struct SourceResult {
  bool duplicate = false;               // the source_key was already stored: nothing written
  std::vector<std::string> event_ids;   // the stored event ids (the earlier ones if duplicate)
  std::vector<uint64_t> sequences;      // their sequence numbers, in the same order
  // With SourceWrite::number_version: the version's number (1-based) and when it was first
  // stored (Unix ms). 0 for a duplicate of a version stored without a number.
  uint64_t version = 0;
  int64_t stored_at_unix_ms = 0;
  // SourceWrite::only_after_a_stored_version with no version stored: nothing was written.
  bool unneeded = false;
};

struct CommitResult {
  absl::Status status;                  // non-OK: nothing of the request was stored
  std::vector<SourceResult> results;    // one per SourceWrite, in order, when status is OK
};

using CommitCallback = std::function<void(CommitResult)>;

// Enrolments changed since a mark, and the mark to ask from next time.
struct EnrollmentChanges {
  std::vector<EnrollmentRecord> records;
  uint64_t mark = 0;
};

// Something only one gateway replica may do at a time (deliver a destination, sweep the
// schedule), held by one replica of those sharing a store. Released when destroyed.
class Lease {
 public:
  virtual ~Lease() = default;
  // False once lost (the holder's database session ended, or was ended for silence): stop the
  // work and acquire it again.
  virtual bool held() const = 0;
};

// The lease of a store only one gateway writes: nobody else could hold it.
class SoleWriterLease final : public Lease {
 public:
  bool held() const override { return true; }
};

// Reads the log in sequence order. One reader serves one caller at a time (not thread-safe);
// open one per concurrent puller.
class EventReader {
 public:
  virtual ~EventReader() = default;
  // Returns up to `limit` events with sequence > `after`, in sequence order, each with its
  // sequence set. Empty when there are none yet.
  virtual absl::StatusOr<std::vector<v1::Event>> ReadAfter(uint64_t after, size_t limit) = 0;
  // Every event of one study subject (all versions of every source), in sequence order, each
  // with its sequence set. Empty when the subject has none.
  virtual absl::StatusOr<std::vector<v1::Event>> ReadSubject(const std::string& subject_id) = 0;
  // The same, parsed onto `batch` (appended): for a caller that drops them all together.
  virtual absl::Status ReadSubjectInto(const std::string& subject_id, EventBatch* batch) = 0;
  // The events of one study subject with sequence > `after`, in sequence order, each with its
  // sequence set: what ReadSubject would add to an earlier answer whose last event had sequence
  // `after` (the log is append-only and sequences only grow, so nothing can appear below it).
  // Costs what it returns, not the subject's whole history. Empty when there is nothing newer.
  virtual absl::StatusOr<std::vector<v1::Event>> ReadSubjectAfter(const std::string& subject_id,
                                                                  uint64_t after) = 0;
  // The ids of every subject with events, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListSubjects() = 0;
};

// The durable, idempotent event log. Thread-safe.
class EventStore {
 public:
  virtual ~EventStore() = default;

  // Writes all of `writes` in one durable transaction, shared with other concurrent commits
  // (group commit). `done` runs exactly once, on a store thread, after the data is durable
  // (status OK) or after nothing was written (status non-OK); it must not block.
  // A write whose source_key is already stored is reported as duplicate and writes nothing;
  // one with a digest that differs from the stored one fails the request (ALREADY_EXISTS).
  // Commits complete in the order they were requested.
  virtual void Commit(std::vector<SourceWrite> writes, CommitCallback done) = 0;

  // Opens a reader of the log.
  virtual absl::StatusOr<std::unique_ptr<EventReader>> OpenReader() = 0;

  // The highest committed sequence (0 when the log is empty).
  virtual uint64_t LastSequence() const = 0;

  // Blocks until LastSequence() > `sequence` or `timeout` passes; returns whether it did.
  virtual bool WaitForSequenceAbove(uint64_t sequence, std::chrono::milliseconds timeout) = 0;

  // The lease called `name`, or null (OK) while another replica holds it.
  virtual absl::StatusOr<std::unique_ptr<Lease>> TryAcquireLease(const std::string& name) = 0;

  // The right to derive `subject_id` (read its events, derive, write and wait until durable),
  // or null (OK) while another replica derives it: a derivation that read the subject before
  // another replica's derived events were stored would record what that one just took back.
  // Cheap (one statement on a session kept for it); release it before locking another subject.
  virtual absl::StatusOr<std::unique_ptr<Lease>> TryLockSubject(const std::string& subject_id) = 0;

  // All enrolments, for the identity registry at start-up.
  virtual absl::StatusOr<std::vector<EnrollmentRecord>> LoadEnrollments() = 0;

  // The enrolments stored or changed since `mark` (0: all of them), in the order they changed,
  // and the mark to pass next time (some may come again). Through it a gateway learns the
  // enrolments other replicas write. A store only this gateway writes (SQLite) has nothing to
  // tell after the first call: it answers every enrolment for mark 0 and none after.
  virtual absl::StatusOr<EnrollmentChanges> LoadEnrollmentChanges(uint64_t mark) = 0;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_EVENT_STORE_H_
