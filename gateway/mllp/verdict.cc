#include "gateway/mllp/verdict.h"

#include <algorithm>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace trialgate::mllp {
namespace {

using hl7v2::AckError;
using hl7v2::AckOutcome;
using hl7v2::AckSeverity;

AckError ErrorFromIssue(const Issue& issue, const hl7v2::Hl7Location& location) {
  AckError error;
  error.location = location;
  error.code = ErrorCodeForIssue(issue.code);
  error.severity =
      issue.severity == Issue::Severity::kError ? AckSeverity::kError : AckSeverity::kWarning;
  // The FHIR path says which element of the converted resource, for the analyst who runs
  // `trialgate hl7 convert` on the message.
  error.text = issue.expression.empty()
                   ? issue.diagnostics
                   : absl::StrCat(issue.diagnostics, " (FHIR ", issue.expression, ")");
  return error;
}

// FHIR's dom-6 ("a resource should have narrative") warns about every converted resource: the
// converter writes none by design (no text from the message reaches the store), and the sender
// could not act on it.
bool IsAboutNarrative(const Issue& issue) {
  return issue.severity == Issue::Severity::kWarning && absl::StartsWith(issue.diagnostics, "dom-6:");
}

// The verdict on a submission the pipeline refused as a whole.
Verdict VerdictOnRefusal(const pipeline::SubmissionResult& result) {
  if (absl::IsAlreadyExists(result.status)) {
    return Refusal(AckOutcome::kError, {"MSH", 1, 10, 0}, 205,
                   "MSH-10 was already used by this sending system for a message with other "
                   "content; nothing of this message was stored: send it with a new control id");
  }
  const bool content = absl::IsInvalidArgument(result.status) ||
                       absl::IsPermissionDenied(result.status) ||
                       absl::IsResourceExhausted(result.status);
  Verdict verdict;
  verdict.outcome = content ? AckOutcome::kError : AckOutcome::kReject;
  for (const Issue& issue : result.issues) {
    AckError error = ErrorFromIssue(issue, {});
    if (!content) {
      error.code = 207;
      error.text = absl::StrCat(issue.diagnostics, "; resend the message later, unchanged");
    }
    verdict.errors.push_back(std::move(error));
  }
  return verdict;
}

}  // namespace

Verdict Refusal(AckOutcome outcome, hl7v2::Hl7Location location, int code, std::string text) {
  Verdict verdict;
  verdict.outcome = outcome;
  verdict.errors.push_back({std::move(location), code, AckSeverity::kError, std::move(text)});
  return verdict;
}

int ErrorCodeForIssue(const std::string& fhir_issue_code) {
  // FHIR IssueType (http://hl7.org/fhir/R4/valueset-issue-type.html) -> HL7 table 0357.
  static const auto* kCodes = new std::map<std::string, int>{
      {"required", 101},      {"structure", 102},     {"value", 102},
      {"invariant", 102},     {"invalid", 102},       {"code-invalid", 103},
      {"too-costly", 104},    {"not-supported", 200}, {"not-found", 204},
      {"duplicate", 205},     {"conflict", 205},
  };
  auto it = kCodes->find(fhir_issue_code);
  return it == kCodes->end() ? 207 : it->second;
}

Verdict VerdictOnSubmission(const pipeline::SubmissionResult& result,
                            const std::vector<hl7v2::Hl7Location>& entry_locations) {
  if (!result.status.ok()) return VerdictOnRefusal(result);
  Verdict verdict;
  bool rejected = false;
  for (const pipeline::EntryResult& entry : result.entries) {
    rejected |= entry.outcome == pipeline::EntryResult::Outcome::kRejected;
  }
  for (const pipeline::EntryResult& entry : result.entries) {
    const hl7v2::Hl7Location location =
        entry.entry >= 0 && static_cast<size_t>(entry.entry) < entry_locations.size()
            ? entry_locations[entry.entry]
            : hl7v2::Hl7Location{};
    for (const Issue& issue : entry.issues) {
      if (issue.severity == Issue::Severity::kInformation || IsAboutNarrative(issue)) continue;
      // A converted message is one transaction: when it fails, the warnings of the rest and
      // the segments refused only for that ("processing") would hide the real errors.
      if (rejected && (issue.severity != Issue::Severity::kError || issue.code == "processing")) {
        continue;
      }
      verdict.errors.push_back(ErrorFromIssue(issue, location));
    }
  }
  if (rejected) verdict.outcome = AckOutcome::kError;
  return verdict;
}

Verdict VerdictOnConversion(const std::vector<hl7v2::ConversionIssue>& issues) {
  Verdict verdict;
  verdict.outcome = AckOutcome::kError;
  verdict.errors = hl7v2::AckErrorsFrom(issues);
  for (const hl7v2::AckError& error : verdict.errors) {
    if (error.severity == AckSeverity::kError && (error.code == 200 || error.code == 201)) {
      verdict.outcome = AckOutcome::kReject;
    }
  }
  return verdict;
}

}  // namespace trialgate::mllp
