#include "gateway/store/postgres_util.h"

#include <libpq-events.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace trialgate::store {
namespace {

// SQLSTATE classes (PostgreSQL docs, Appendix A "PostgreSQL Error Codes"): 08 connection
// exception, 57P01..57P03 the server shutting down or starting, 53 insufficient resources;
// 40001 serialization failure, 40P01 deadlock.
bool IsTransient(absl::string_view state) {
  return absl::StartsWith(state, "08") || absl::StartsWith(state, "57P") ||
         absl::StartsWith(state, "53");
}

// The statement names prepared on one connection, kept with it by libpq's event system: freed
// with the connection, emptied when it is reset (a new session has none).
using PreparedNames = absl::flat_hash_set<std::string>;

int PreparedNamesEvents(PGEventId event, void* info, void* /*pass_through*/) {
  if (event == PGEVT_CONNDESTROY) {
    PGconn* conn = static_cast<PGEventConnDestroy*>(info)->conn;
    delete static_cast<PreparedNames*>(PQinstanceData(conn, PreparedNamesEvents));
  } else if (event == PGEVT_CONNRESET) {
    PGconn* conn = static_cast<PGEventConnReset*>(info)->conn;
    auto* names = static_cast<PreparedNames*>(PQinstanceData(conn, PreparedNamesEvents));
    if (names != nullptr) names->clear();
  }
  return 1;
}

// The names prepared on `conn` (null if libpq refused to keep them: statements are then parsed
// with each run, as unnamed ones are).
PreparedNames* PreparedOn(PGconn* conn) {
  auto* names = static_cast<PreparedNames*>(PQinstanceData(conn, PreparedNamesEvents));
  if (names != nullptr) return names;
  if (PQregisterEventProc(conn, PreparedNamesEvents, "trialgate prepared statements", nullptr) !=
      1) {
    return nullptr;
  }
  names = new PreparedNames;
  if (PQsetInstanceData(conn, PreparedNamesEvents, names) != 1) {
    delete names;
    return nullptr;
  }
  return names;
}

}  // namespace

absl::StatusOr<PgConnPtr> PgConnect(const std::string& conninfo) {
  // Without connect_timeout libpq waits for a host that does not answer as long as the operating
  // system does, and for ever for one that accepts and never speaks: a replica would hang at
  // start, or its writer on a reconnect. kDefaultConnectTimeout unless the URI (expanded after
  // it, so it wins) or PGCONNECT_TIMEOUT sets one.
  PgConnPtr conn;
  if (std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
    const std::string timeout = absl::StrCat(kDefaultConnectTimeout.count());
    const char* keywords[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {timeout.c_str(), conninfo.c_str(), nullptr};
    conn.reset(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  } else {
    conn.reset(PQconnectdb(conninfo.c_str()));
  }
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ",
                                               absl::StripTrailingAsciiWhitespace(
                                                   PQerrorMessage(conn.get()))));
  }
  // The durability promise: COMMIT returns only once the WAL is flushed. Set here, not trusted
  // from the server's configuration. And a replica that freezes (SIGSTOP, a swap storm) inside
  // a transaction must not hold its locks (the log's head, a destination's rows) for ever: the
  // server ends a session idle in a transaction for 10 s, which a working gateway never is.
  PgResultPtr result(PQexec(conn.get(),
                            "SET synchronous_commit = on; SET TIME ZONE 'UTC'; "
                            "SET client_min_messages = warning; "
                            "SET idle_in_transaction_session_timeout = 10000"));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return PgError(conn.get(), result.get(), "cannot set the session's synchronous_commit");
  }
  return conn;
}

PgParams& PgParams::Text(std::string value) {
  values_.push_back(std::move(value));
  null_.push_back(false);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::Int(int64_t value) { return Text(absl::StrCat(value)); }

PgParams& PgParams::Bytes(std::string value) {
  values_.push_back(std::move(value));
  null_.push_back(false);
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::Null() {
  values_.emplace_back();
  null_.push_back(true);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::TextArray(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return Text(std::move(literal));
}

PgParams& PgParams::IntArray(const std::vector<int64_t>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    absl::StrAppend(&literal, values[i]);
  }
  literal += '}';
  return Text(std::move(literal));
}

std::vector<const char*> PgParams::Values() const {
  std::vector<const char*> values(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    values[i] = null_[i] ? nullptr : values_[i].data();
  }
  return values;
}

std::vector<int> PgParams::Lengths() const {
  std::vector<int> lengths(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) lengths[i] = static_cast<int>(values_[i].size());
  return lengths;
}

namespace {

void AppendBigEndian32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

}  // namespace

void PgBinaryArray::Add(absl::string_view bytes) {
  AppendBigEndian32(static_cast<uint32_t>(bytes.size()), &elements_);
  elements_.append(bytes.data(), bytes.size());
  ++count_;
}

void PgBinaryArray::AddInt8(int64_t value) {
  AppendBigEndian32(8, &elements_);
  const uint64_t bits = static_cast<uint64_t>(value);
  AppendBigEndian32(static_cast<uint32_t>(bits >> 32), &elements_);
  AppendBigEndian32(static_cast<uint32_t>(bits), &elements_);
  ++count_;
}

void PgBinaryArray::AddOrNull(absl::string_view bytes) {
  if (bytes.empty()) {
    AddNull();
  } else {
    Add(bytes);
  }
}

void PgBinaryArray::AddNull() {
  AppendBigEndian32(0xffffffffu, &elements_);  // length -1
  has_null_ = true;
  ++count_;
}

std::string PgBinaryArray::Encode() const {
  std::string out;
  AppendBigEndian32(1, &out);                  // dimensions
  AppendBigEndian32(has_null_ ? 1 : 0, &out);  // flags: has nulls
  AppendBigEndian32(element_oid_, &out);
  AppendBigEndian32(count_, &out);             // the dimension's length
  AppendBigEndian32(1, &out);                  // its lower bound
  return out + elements_;
}

absl::StatusOr<PgResultPtr> PgExec(PGconn* conn, const std::string& sql, const PgParams& params,
                                   absl::string_view what, bool binary_result) {
  const std::vector<const char*> values = params.Values();
  const std::vector<int> lengths = params.Lengths();
  PgResultPtr result(PQexecParams(conn, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                  values.data(), lengths.data(), params.Formats().data(),
                                  binary_result ? 1 : 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PgError(conn, result.get(), what);
  }
  return result;
}

absl::StatusOr<PgResultPtr> PgExecReconnecting(PgConnPtr* conn, const std::string& conninfo,
                                               const std::string& sql, const PgParams& params,
                                               absl::string_view what, bool binary_result) {
  for (int attempt = 0;; ++attempt) {
    if (PgConnectionLost(conn->get())) {
      absl::StatusOr<PgConnPtr> connected = PgConnect(conninfo);
      if (!connected.ok()) return connected.status();
      *conn = *std::move(connected);
    }
    absl::StatusOr<PgResultPtr> result = PgExec(conn->get(), sql, params, what, binary_result);
    if (result.ok() || !absl::IsUnavailable(result.status()) || attempt == 1) return result;
    conn->reset();  // whatever libpq thinks of it now
  }
}

PgPipeline& PgPipeline::Add(std::string sql, PgParams params, bool binary_result) {
  statements_.push_back({std::move(sql), std::move(params), binary_result, nullptr});
  return *this;
}

PgPipeline& PgPipeline::Add(const PgStatement& statement, PgParams params, bool binary_result) {
  statements_.push_back({statement.sql, std::move(params), binary_result, statement.name});
  return *this;
}

absl::StatusOr<std::vector<PgResultPtr>> PgPipeline::Run(PGconn* conn, absl::string_view what) {
  if (PQenterPipelineMode(conn) != 1) return PgError(conn, nullptr, what);
  PreparedNames* prepared = PreparedOn(conn);
  // What each of the server's replies answers, in the order sent: the name a Parse prepares, or
  // null for a statement. A name counts as prepared only once its Parse succeeded: after a
  // failure the server skips the rest of the pipeline, Parses included.
  std::vector<const char*> replies;
  bool sent = true;
  for (const Statement& statement : statements_) {
    const int count = static_cast<int>(statement.params.size());
    const std::vector<const char*> values = statement.params.Values();
    const std::vector<int> lengths = statement.params.Lengths();
    const int* formats = statement.params.Formats().data();
    const int result_format = statement.binary_result ? 1 : 0;
    const char* name = prepared == nullptr ? nullptr : statement.prepared_name;
    if (name == nullptr) {
      sent = sent && PQsendQueryParams(conn, statement.sql.c_str(), count, nullptr,
                                       values.data(), lengths.data(), formats, result_format) == 1;
    } else {
      const bool parsing = std::any_of(replies.begin(), replies.end(), [name](const char* reply) {
        return reply != nullptr && std::strcmp(reply, name) == 0;
      });
      if (!prepared->contains(name) && !parsing) {
        sent = sent && PQsendPrepare(conn, name, statement.sql.c_str(), count, nullptr) == 1;
        replies.push_back(name);
      }
      sent = sent && PQsendQueryPrepared(conn, name, count, values.data(), lengths.data(),
                                         formats, result_format) == 1;
    }
    replies.push_back(nullptr);
  }
  sent = sent && PQpipelineSync(conn) == 1;
  std::vector<PgResultPtr> results;
  absl::Status status;
  if (!sent) status = PgError(conn, nullptr, what);
  // Every reply's result, each followed by a null, then the sync's: read them all, so the
  // connection is left ready for the next command.
  bool ended = true;  // the previous PQgetResult ended a reply's results
  for (size_t reply = 0; sent && reply <= replies.size();) {
    PgResultPtr result(PQgetResult(conn));
    if (result == nullptr) {
      // One null ends each reply's results; a second in a row means libpq has nothing more to
      // give (a connection that failed without saying so yet).
      if (ended || PgConnectionLost(conn)) {
        status = PgError(conn, nullptr, what);
        if (status.ok() || !absl::IsUnavailable(status)) {
          status = absl::UnavailableError(absl::StrCat(what, ": the pipeline ended early"));
        }
        break;
      }
      ended = true;
      continue;
    }
    ended = false;
    const ExecStatusType type = PQresultStatus(result.get());
    if (type == PGRES_PIPELINE_SYNC) break;
    const bool ok = type == PGRES_COMMAND_OK || type == PGRES_TUPLES_OK;
    if (reply < replies.size() && replies[reply] != nullptr) {  // a Parse
      if (ok) {
        prepared->insert(replies[reply]);
      } else if (status.ok()) {
        status = PgError(conn, result.get(), absl::StrCat(what, " (preparing ", replies[reply],
                                                          ")"));
      }
      ++reply;
      continue;
    }
    if (status.ok() && !ok) {
      status = PgError(conn, result.get(), absl::StrCat(what, " (statement ", results.size() + 1,
                                                        " of ", statements_.size(), ")"));
    }
    results.push_back(std::move(result));
    ++reply;
  }
  if (!PgConnectionLost(conn)) PQexitPipelineMode(conn);
  if (!status.ok()) return status;
  return results;
}

absl::Status PgExecCommand(PGconn* conn, const char* sql, absl::string_view what) {
  PgResultPtr result(PQexec(conn, sql));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PgError(conn, result.get(), what);
  }
  return absl::OkStatus();
}

absl::Status PgError(PGconn* conn, const PGresult* result, absl::string_view what) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* message = result == nullptr ? "" : PQresultErrorMessage(result);
  if (message == nullptr || *message == '\0') message = PQerrorMessage(conn);
  const std::string text = absl::StrCat(
      what, ": ", absl::StripTrailingAsciiWhitespace(message == nullptr ? "" : message));
  if (PgConnectionLost(conn) || state == nullptr || IsTransient(state)) {
    return absl::UnavailableError(text);
  }
  if (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0) {
    return absl::AbortedError(text);
  }
  return absl::InternalError(text);
}

void PgRollback(PGconn* conn) {
  if (!PgConnectionLost(conn)) PgExecCommand(conn, "ROLLBACK", "rollback").IgnoreError();
}

absl::Status PgInTransaction(PGconn* conn, const std::function<absl::Status()>& body,
                             const char* begin) {
  absl::Status status = PgExecCommand(conn, begin, "cannot begin a transaction");
  if (status.ok()) status = body();
  if (!status.ok()) {
    PgRollback(conn);
    return status;
  }
  return PgExecCommand(conn, "COMMIT", "cannot commit");
}

size_t PgChangedRows(const PGresult* result) {
  size_t rows = 0;
  (void)absl::SimpleAtoi(PQcmdTuples(const_cast<PGresult*>(result)), &rows);
  return rows;
}

bool PgConnectionLost(PGconn* conn) { return conn == nullptr || PQstatus(conn) != CONNECTION_OK; }

int64_t PgInt(const PGresult* result, int row, int column) {
  int64_t value = 0;
  if (!PQgetisnull(result, row, column)) {
    (void)absl::SimpleAtoi(PQgetvalue(result, row, column), &value);
  }
  return value;
}

std::string PgText(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::string();
  return std::string(PQgetvalue(result, row, column), PQgetlength(result, row, column));
}

bool PgIsNull(const PGresult* result, int row, int column) {
  return PQgetisnull(result, row, column) != 0;
}

int64_t PgBinaryInt8(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column) || PQgetlength(result, row, column) != 8) return 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(PQgetvalue(result, row, column));
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];  // network byte order
  return static_cast<int64_t>(value);
}

absl::string_view PgBinaryBytes(const PGresult* result, int row, int column) {
  return absl::string_view(PQgetvalue(result, row, column), PQgetlength(result, row, column));
}

int64_t PgBigint(uint64_t value) {
  return static_cast<int64_t>(std::min<uint64_t>(value, static_cast<uint64_t>(INT64_MAX)));
}

std::string PgRowPlaceholders(size_t first, size_t columns) {
  std::string text = "(";
  for (size_t i = 0; i < columns; ++i) {
    absl::StrAppend(&text, i == 0 ? "$" : ", $", first + i);
  }
  text += ')';
  return text;
}

}  // namespace trialgate::store
