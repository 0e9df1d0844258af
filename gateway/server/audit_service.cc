#include "gateway/server/audit_service.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/audit/chain_verifier.h"
#include "gateway/audit/line_reader.h"
#include "gateway/server/grpc_status.h"

namespace trialgate::server {
namespace {

constexpr uint32_t kMaxLinesPerRead = 1000;

// A record line starts with {"seq":N, (audit_record.h); 0 for a line that does not.
uint64_t SeqOf(const std::string& line) {
  constexpr absl::string_view kPrefix = "{\"seq\":";
  if (!absl::StartsWith(line, kPrefix)) return 0;
  return std::strtoull(line.c_str() + kPrefix.size(), nullptr, 10);
}

// The gateway cannot read its own audit log, whatever the reason: a server-side failure.
grpc::Status Unavailable(const absl::Status& status) {
  return ToGrpcStatus(grpc::StatusCode::UNAVAILABLE, status);
}

}  // namespace

grpc::Status AuditService::Verify(grpc::ServerContext*, const v1::VerifyAuditRequest*,
                                  v1::VerifyAuditResponse* response) {
  const audit::ChainPosition written = log_->durable();
  absl::StatusOr<audit::ChainReport> report = audit::VerifyChainFile(log_->path(), written.bytes);
  if (!report.ok()) return Unavailable(report.status());
  response->set_records(report->good.records);
  response->set_head_hash(report->good.head);
  if (!report->intact) {
    response->set_first_bad_record(report->first_bad_line);
    response->set_problem(report->problem);
  } else if (report->good.records != written.records || report->good.head != written.head) {
    // Every line checks, yet the chain is not the one this gateway wrote: the file was cut or
    // rebuilt under it. Which line differs cannot be told from the file alone.
    response->set_problem(absl::StrCat(
        "the file's chain is consistent but ends at record ", report->good.records,
        " with another head than the gateway wrote (record ", written.records, ", head ",
        written.head, "): it was truncated or rewritten while the gateway ran"));
  }
  response->set_intact(response->problem().empty());
  return grpc::Status::OK;
}

grpc::Status AuditService::Read(grpc::ServerContext* context, const v1::ReadAuditRequest* request,
                                grpc::ServerWriter<v1::AuditLogLine>* writer) {
  const uint64_t limit_bytes = log_->durable().bytes;
  const uint64_t offset = request->offset();
  if (offset > limit_bytes) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "offset is past the end of the log");
  }
  std::string line;
  bool complete = false, error = false;
  if (offset > 0) {  // must follow a newline
    absl::StatusOr<audit::LineReader> before = audit::LineReader::Open(log_->path(), offset - 1);
    if (!before.ok()) return Unavailable(before.status());
    if (!before->Next(&line, &complete, &error) || !line.empty() || !complete) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "offset is not the start of a line: use a next_offset");
    }
  }
  absl::StatusOr<audit::LineReader> reader =
      audit::LineReader::Open(log_->path(), offset, limit_bytes);
  if (!reader.ok()) return Unavailable(reader.status());
  const uint64_t from_record = offset > 0 ? 0 : std::max<uint64_t>(request->from_record(), 1);
  const uint32_t limit = request->limit() == 0 ? kMaxLinesPerRead
                                               : std::min(request->limit(), kMaxLinesPerRead);
  uint64_t number = 0;  // line number when reading from the start
  uint32_t sent = 0;
  while (sent < limit && !context->IsCancelled() && reader->Next(&line, &complete, &error)) {
    if (offset == 0 && ++number < from_record) continue;
    v1::AuditLogLine message;
    message.set_record(SeqOf(line));
    message.set_line(line);
    message.set_next_offset(reader->offset());
    if (!writer->Write(message)) break;
    ++sent;
  }
  if (error) return grpc::Status(grpc::StatusCode::DATA_LOSS, "error reading the audit log");
  return grpc::Status::OK;
}

}  // namespace trialgate::server
