#include "gateway/store/postgres_event_reader.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"

namespace trialgate::store {
namespace {

constexpr char kReadAfterSql[] =
    "SELECT seq, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
constexpr char kReadSubjectSql[] =
    "SELECT seq, payload FROM events WHERE subject_id = $1 ORDER BY seq";
constexpr char kReadSubjectAfterSql[] =
    "SELECT seq, payload FROM events WHERE subject_id = $1 AND seq > $2 ORDER BY seq";
constexpr char kListSubjectsSql[] = "SELECT subject_id FROM subjects ORDER BY subject_id";

class PostgresEventReader final : public EventReader {
 public:
  PostgresEventReader(PgConnPtr conn, std::string conninfo)
      : conn_(std::move(conn)), conninfo_(std::move(conninfo)) {}

  absl::StatusOr<std::vector<v1::Event>> ReadAfter(uint64_t after, size_t limit) override {
    std::vector<v1::Event> events;
    if (limit == 0) return events;
    RETURN_IF_ERROR(ReadRows(kReadAfterSql,
                             PgParams().Int(PgBigint(after)).Int(PgBigint(limit)),
                             [&events] { return &events.emplace_back(); }));
    return events;
  }

  absl::StatusOr<std::vector<v1::Event>> ReadSubject(const std::string& subject_id) override {
    std::vector<v1::Event> events;
    RETURN_IF_ERROR(ReadRows(kReadSubjectSql, PgParams().Text(subject_id),
                             [&events] { return &events.emplace_back(); }));
    return events;
  }

  absl::Status ReadSubjectInto(const std::string& subject_id, EventBatch* batch) override {
    return ReadRows(kReadSubjectSql, PgParams().Text(subject_id),
                    [batch] { return batch->Add(); });
  }

  absl::StatusOr<std::vector<v1::Event>> ReadSubjectAfter(const std::string& subject_id,
                                                          uint64_t after) override {
    std::vector<v1::Event> events;
    RETURN_IF_ERROR(ReadRows(kReadSubjectAfterSql,
                             PgParams().Text(subject_id).Int(PgBigint(after)),
                             [&events] { return &events.emplace_back(); }));
    return events;
  }

  absl::StatusOr<std::vector<std::string>> ListSubjects() override {
    ASSIGN_OR_RETURN(PgResultPtr rows, PgExecReconnecting(&conn_, conninfo_, kListSubjectsSql, {},
                                                          "cannot list subjects"));
    std::vector<std::string> subjects;
    for (int row = 0; row < PQntuples(rows.get()); ++row) {
      subjects.push_back(PgText(rows.get(), row, 0));
    }
    return subjects;
  }

 private:
  // Runs `sql` (seq, payload rows), parsing each row into the event `next()` gives.
  template <typename NextEvent>
  absl::Status ReadRows(const char* sql, const PgParams& params, NextEvent next) {
    ASSIGN_OR_RETURN(PgResultPtr rows,
                     PgExecReconnecting(&conn_, conninfo_, sql, params, "cannot read events",
                                        /*binary_result=*/true));
    for (int row = 0; row < PQntuples(rows.get()); ++row) {
      const uint64_t sequence = static_cast<uint64_t>(PgBinaryInt8(rows.get(), row, 0));
      const absl::string_view payload = PgBinaryBytes(rows.get(), row, 1);
      v1::Event* event = next();
      if (!event->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        return absl::DataLossError(
            absl::StrCat("event at sequence ", sequence, " cannot be parsed"));
      }
      event->set_sequence(sequence);
    }
    return absl::OkStatus();
  }

  PgConnPtr conn_;
  const std::string conninfo_;
};

}  // namespace

std::unique_ptr<EventReader> NewPostgresEventReader(PgConnPtr conn, std::string conninfo) {
  return std::make_unique<PostgresEventReader>(std::move(conn), std::move(conninfo));
}

}  // namespace trialgate::store
