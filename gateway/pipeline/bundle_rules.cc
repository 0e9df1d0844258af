#include "gateway/pipeline/bundle_rules.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/pipeline/operation_outcome.h"
#include "gateway/pipeline/resource_fields.h"

namespace trialgate::pipeline {
namespace {

const rapidjson::Value* ResourceOf(const rapidjson::Value& entry) {
  if (!entry.IsObject()) return nullptr;
  auto resource = entry.FindMember("resource");
  return resource != entry.MemberEnd() && resource->value.IsObject() ? &resource->value : nullptr;
}

Issue Error(std::string code, std::string expression, std::string diagnostics) {
  return Issue{Issue::Severity::kError, std::move(code), std::move(expression),
               std::move(diagnostics)};
}

absl::StatusOr<BodyEntries> ReadBundle(const rapidjson::Value& bundle, size_t max_entries,
                                       std::vector<Issue>* refusal) {
  BodyEntries body;
  body.is_bundle = true;
  const std::string type = StringMember(bundle, "type");
  if (type != "transaction" && type != "batch" && type != "collection") {
    refusal->push_back(Error("not-supported", "Bundle.type",
                             absl::StrCat("Bundle.type '", type,
                                          "' is not supported: send a transaction (all or "
                                          "nothing), batch or collection Bundle")));
    return absl::InvalidArgumentError("unsupported Bundle.type");
  }
  body.atomic = type == "transaction";

  auto entries_member = bundle.FindMember("entry");
  if (entries_member == bundle.MemberEnd()) return body;  // an empty Bundle: nothing to do
  const rapidjson::Value& entries = entries_member->value;
  if (!entries.IsArray()) {
    refusal->push_back(Error("structure", "Bundle.entry", "Bundle.entry must be an array"));
    return absl::InvalidArgumentError("Bundle.entry is not an array");
  }
  if (entries.Size() > max_entries) {
    const absl::Status status = absl::ResourceExhaustedError(
        absl::StrCat("the Bundle has ", entries.Size(), " entries; the limit is ", max_entries,
                     ": split it, or send the resources over SubmitStream"));
    refusal->push_back(IssueFromStatus(status, "Bundle.entry"));
    return status;
  }
  for (rapidjson::SizeType i = 0; i < entries.Size(); ++i) {
    const rapidjson::Value* resource = ResourceOf(entries[i]);
    body.entries.push_back(
        BodyEntry{static_cast<int>(i), absl::StrCat("Bundle.entry[", i, "].resource"), resource});
    const std::string full_url = StringMember(entries[i], "fullUrl");
    if (!full_url.empty() && resource != nullptr) body.by_full_url.emplace(full_url, resource);
  }
  return body;
}

}  // namespace

absl::StatusOr<BodyEntries> ReadBody(const rapidjson::Value& body, size_t max_entries,
                                     std::vector<Issue>* refusal) {
  const std::string resource_type = StringMember(body, "resourceType");
  if (resource_type.empty()) {
    refusal->push_back(Error("required", "resourceType",
                             "the body has no resourceType (a non-empty string): it is not a "
                             "FHIR resource"));
    return absl::InvalidArgumentError("no resourceType");
  }
  if (resource_type == "Bundle") return ReadBundle(body, max_entries, refusal);
  BodyEntries single;
  single.entries.push_back(BodyEntry{0, resource_type, &body});
  return single;
}

Issue MissingResourceIssue(const BodyEntry& entry) {
  return Error("required", entry.path, "each Bundle entry must carry a resource object");
}

bool RejectTransactionIfAnyRejected(std::vector<EntryResult>* entries) {
  std::vector<std::string> failed;
  for (const EntryResult& entry : *entries) {
    if (entry.outcome == EntryResult::Outcome::kRejected) {
      failed.push_back(absl::StrCat(entry.entry));
    }
  }
  if (failed.empty()) return false;
  for (EntryResult& entry : *entries) {
    if (entry.outcome == EntryResult::Outcome::kRejected) continue;
    entry.outcome = EntryResult::Outcome::kRejected;
    entry.rolled_back = true;
    entry.event_ids.clear();
    entry.issues.push_back(Error(
        "processing", absl::StrCat("Bundle.entry[", entry.entry, "]"),
        absl::StrCat("not stored: this transaction Bundle is all or nothing, and entr",
                     failed.size() == 1 ? "y " : "ies ", absl::StrJoin(failed, ", "),
                     failed.size() == 1 ? " was" : " were", " rejected")));
  }
  return true;
}

std::vector<size_t> ProcessingOrder(const BodyEntries& read) {
  std::vector<size_t> order(read.entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (!read.atomic) return order;
  auto enrols = [&read](size_t i) {
    const rapidjson::Value* resource = read.entries[i].resource;
    return resource != nullptr && StringMember(*resource, "resourceType") == "ResearchSubject";
  };
  std::stable_partition(order.begin(), order.end(), enrols);
  return order;
}

}  // namespace trialgate::pipeline
