#ifndef TRIALGATE_GATEWAY_COMMON_ISO_DATE_H_
#define TRIALGATE_GATEWAY_COMMON_ISO_DATE_H_

// Calendar days as the timeline and the reports write them, YYYY-MM-DD. absl's civil-time
// parser and StrFormat are general (time zones, any format) and showed up in the study report's
// profile, which reads and writes a date for every event of every subject: these take the one
// form directly and give what absl::ParseCivilTime / FormatCivilTime give (except that a year
// below 1000 is written with four digits, as ISO 8601 and FHIR write it).

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace trialgate {

// "2026-02-02", "0012-03-04"; years outside 0000-9999 as absl::FormatCivilTime writes them.
std::string FormatIsoDate(absl::CivilDay day);

// The day of "YYYY-MM-DD"; none for anything absl::ParseCivilTime would not take (a day the
// month lacks, another length or form). Other forms it takes (e.g. a sign, a longer year) go to
// absl::ParseCivilTime itself.
std::optional<absl::CivilDay> ParseIsoDate(absl::string_view text);

// The leading "YYYY[-MM[-DD]]" of a FHIR date or dateTime (a missing month or day is the 1st),
// for text a mapper has validated: it reads the digits and checks nothing else; none when they
// are not digits.
std::optional<absl::CivilDay> LeadingIsoDate(absl::string_view text);

}  // namespace trialgate

#endif  // TRIALGATE_GATEWAY_COMMON_ISO_DATE_H_
