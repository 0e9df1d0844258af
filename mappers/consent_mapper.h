#ifndef TRIALGATE_MAPPERS_CONSENT_MAPPER_H_
#define TRIALGATE_MAPPERS_CONSENT_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 Consent of scope research (the study's written informed consent) to one
// ConsentRecorded: status as sent, the day of Consent.dateTime. Another scope (treatment,
// privacy, advance directive) is accepted with a warning and no event. Consent.patient names the
// subject; Consent.dateTime is required (the time origin of PFS, OS and TTR). See MapResource for
// the contract.
// REQUIRES: resource is a JSON object whose resourceType is "Consent".
MapResult MapConsent(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_CONSENT_MAPPER_H_
