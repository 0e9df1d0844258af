#ifndef TRIALGATE_GATEWAY_MLLP_VERDICT_H_
#define TRIALGATE_GATEWAY_MLLP_VERDICT_H_

#include <string>
#include <vector>

#include "gateway/hl7v2/ack.h"
#include "gateway/hl7v2/conversion.h"
#include "gateway/pipeline/submission.h"

// What the gateway answers to one HL7 v2 message, before it is written as an ACK: accepted
// (AA/CA), in error (AE/CE: the sender fixes the content and resends) or rejected (AR/CR: the
// message type, version or the receiver itself; resend later unchanged), with one ERR segment
// per problem.
namespace trialgate::mllp {

struct Verdict {
  hl7v2::AckOutcome outcome = hl7v2::AckOutcome::kAccept;
  std::vector<hl7v2::AckError> errors;
};

// A verdict with one error.
Verdict Refusal(hl7v2::AckOutcome outcome, hl7v2::Hl7Location location, int code,
                std::string text);

// The HL7 table 0357 code for a FHIR issue code ("required" -> 101, "code-invalid" -> 103,
// "not-found" -> 204 unknown key identifier, "duplicate" -> 205, ...).
int ErrorCodeForIssue(const std::string& fhir_issue_code);

// The verdict on a converted message once the pipeline has answered: AR 207 when nothing could
// be stored (the sender retries), AE 205 for a control id reused with other content, AE with
// every error issue of every rejected entry (located at the segment the entry came from,
// `entry_locations[i]` for Bundle.entry[i]), else AA with the warnings.
Verdict VerdictOnSubmission(const pipeline::SubmissionResult& result,
                            const std::vector<hl7v2::Hl7Location>& entry_locations);

// The verdict on a conversion that failed: AR for an unsupported message type or event (200,
// 201), else AE with every issue (errors as E, warnings as W).
Verdict VerdictOnConversion(const std::vector<hl7v2::ConversionIssue>& issues);

}  // namespace trialgate::mllp

#endif  // TRIALGATE_GATEWAY_MLLP_VERDICT_H_
