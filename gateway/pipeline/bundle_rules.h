#ifndef TRIALGATE_GATEWAY_PIPELINE_BUNDLE_RULES_H_
#define TRIALGATE_GATEWAY_PIPELINE_BUNDLE_RULES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/common/issue.h"
#include "gateway/identity/patient_keys.h"
#include "gateway/pipeline/submission.h"
#include "rapidjson/document.h"

namespace trialgate::pipeline {

// One resource of a body and where it sits.
struct BodyEntry {
  int index = 0;     // in Bundle.entry; 0 for a single resource
  std::string path;  // FHIRPath of the resource: "Observation", "Bundle.entry[2].resource"
  const rapidjson::Value* resource = nullptr;  // null: a Bundle entry without a resource object
};

// A body read by the Bundle rules: its resources, and how they are judged.
struct BodyEntries {
  std::vector<BodyEntry> entries;
  bool is_bundle = false;
  bool atomic = false;  // a transaction Bundle: all or nothing
  identity::BundleIndex by_full_url;  // a Bundle's resources, for urn:uuid references
};

// Reads a decoded body: one resource is one entry; a Bundle must be a transaction (all or
// nothing), batch or collection (entry by entry) with an array of at most `max_entries` entries.
// A body refused as a whole is a non-OK status (INVALID_ARGUMENT, RESOURCE_EXHAUSTED for too
// many entries), with the issue that says why appended to *refusal when the status alone does
// not. The entries point into `body`, which must outlive them.
absl::StatusOr<BodyEntries> ReadBody(const rapidjson::Value& body, size_t max_entries,
                                     std::vector<Issue>* refusal);

// The order the entries are taken in, as indices into `read.entries`. A transaction is one
// unit whatever the order of its entries (FHIR R4 orders its processing by method, not by
// position): its enrolments (ResearchSubject) come first, so that a resource placed before the
// ResearchSubject that enrols its patient is resolved; the rest keep their order. A batch's or
// a collection's entries are independent and are taken as they come.
std::vector<size_t> ProcessingOrder(const BodyEntries& read);

// The issue for a Bundle entry that carries no resource object.
Issue MissingResourceIssue(const BodyEntry& entry);

// A transaction is all or nothing: when any entry is rejected, rejects every other, each with an
// issue naming the entries that caused it. Returns whether it rejected any (then nothing of the
// transaction may be stored).
bool RejectTransactionIfAnyRejected(std::vector<EntryResult>* entries);

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_BUNDLE_RULES_H_
