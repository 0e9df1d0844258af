#include "gateway/audit/chain_verifier.h"

#include "absl/strings/str_cat.h"
#include "gateway/audit/line_reader.h"
#include "rapidjson/document.h"

namespace trialgate::audit {

bool ChainVerifier::Fail(std::string problem) {
  report_.intact = false;
  report_.first_bad_line = report_.good.records + 1;
  report_.problem = std::move(problem);
  return false;
}

bool ChainVerifier::Add(std::string_view line, bool complete) {
  if (!report_.intact) return false;
  const uint64_t number = report_.good.records + 1;
  if (!complete) {
    report_.torn_tail = true;
    return Fail("cut: the last line has no newline (a write cut short, e.g. by a crash)");
  }
  std::string_view content, stored_hash;
  rapidjson::Document record;
  if (SplitRecordHash(line, &content, &stored_hash)) {
    record.Parse(line.data(), line.size());
  }
  if (stored_hash.empty() || record.HasParseError() || !record.IsObject() ||
      !record.HasMember("seq") || !record["seq"].IsUint64() || !record.HasMember("prev") ||
      !record["prev"].IsString()) {
    return Fail("not a record: garbage, or a line cut or joined");
  }
  if (RecordHash(content) != stored_hash) {
    return Fail("edited: its hash does not match its content");
  }
  if (report_.good.head != record["prev"].GetString()) {
    return Fail(number == 1
                    ? "its prev is not the genesis hash: records before it were removed"
                    : absl::StrCat("its prev does not match line ", number - 1,
                                   ": a record was removed, inserted, repeated or reordered"));
  }
  if (record["seq"].GetUint64() != number) {
    return Fail(absl::StrCat("its seq is ", record["seq"].GetUint64(), ", not ", number));
  }
  report_.good.records = number;
  report_.good.head = Sha256Hex(line);
  report_.good.bytes += line.size() + 1;
  return true;
}

absl::StatusOr<ChainReport> VerifyChainFile(const std::string& path, uint64_t limit) {
  absl::StatusOr<LineReader> reader = LineReader::Open(path, 0, limit);
  if (!reader.ok()) return reader.status();
  ChainVerifier verifier;
  std::string line;
  bool complete = false, error = false;
  while (reader->Next(&line, &complete, &error) && verifier.Add(line, complete)) {
  }
  if (error) return absl::DataLossError(absl::StrCat("error reading ", path));
  return verifier.report();
}

}  // namespace trialgate::audit
