#ifndef TRIALGATE_GATEWAY_HL7V2_HL7_DATETIME_H_
#define TRIALGATE_GATEWAY_HL7V2_HL7_DATETIME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace trialgate::hl7v2 {

// An HL7 v2 DTM (or TS component 1), YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ], as a FHIR
// dateTime: "2026", "2026-01", "2026-01-05" for a date, "2026-01-05T07:30:00+01:00" for a time
// (FHIR requires seconds and an offset with a time: minutes and seconds absent are 00; a time
// without an offset is civil time in `site_zone`, whose offset at that moment is written). An
// offset after a date without a time is dropped (FHIR dates carry none). InvalidArgument for
// anything else (never quoting the text, which may be personal data).
absl::StatusOr<std::string> Hl7DateTimeToFhir(absl::string_view dtm, const absl::TimeZone& site_zone);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_HL7_DATETIME_H_
