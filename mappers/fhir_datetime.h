#ifndef TRIALGATE_MAPPERS_FHIR_DATETIME_H_
#define TRIALGATE_MAPPERS_FHIR_DATETIME_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/timestamp.pb.h"

namespace trialgate::mappers {

// Parses a FHIR R4 date, dateTime or instant ("2024", "2024-03", "2024-03-05",
// "2024-03-05T14:30:00+01:00", "2024-03-05T13:30:00.123Z") to the first instant it denotes, in
// UTC. A partial date is its first instant in UTC (the site's zone is not known here); a time
// must carry a zone, as FHIR requires. Returns INVALID_ARGUMENT with the reason otherwise.
absl::StatusOr<google::protobuf::Timestamp> ParseFhirDateTime(std::string_view text);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_FHIR_DATETIME_H_
