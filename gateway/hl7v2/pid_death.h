#ifndef TRIALGATE_GATEWAY_HL7V2_PID_DEATH_H_
#define TRIALGATE_GATEWAY_HL7V2_PID_DEATH_H_

#include "gateway/hl7v2/conversion.h"
#include "gateway/hl7v2/conversion_support.h"
#include "gateway/hl7v2/message.h"

namespace trialgate::hl7v2 {

// A death reported in the PID of a message the gateway converts (ORU^R01, RAS^O17): PID-29
// Patient Death Date and Time with PID-30 Patient Death Indicator "Y" becomes a Patient entry
// holding only the patient's identifier (`subject`, from PID-3) and deceasedDateTime, so that the
// pipeline records it as it does a FHIR Patient's death (mappers/patient_mapper.h). Its id
// derives from the sending system and the identifier: a resend replaces it. Nothing else of the
// PID is copied. PID-29 without PID-30 "Y", PID-30 "Y" without PID-29, and a PID-29 that is no
// DTM are warnings (the message still converts, without the death).
// Source: HL7 v2.5.1 chapter 3, PID-29 (DTM) and PID-30 (ID, table 0136 yes/no indicator);
// http://v2plus.hl7.org/2021Jan/segment-definition/PID.html
void ConvertPidDeath(const Message& message, const Segment& pid, int pid_sequence,
                     const SubjectIdentifier& subject, const ConvertOptions& options,
                     TransactionBundleWriter* bundle, IssueCollector* issues);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_PID_DEATH_H_
