#ifndef TRIALGATE_MAPPERS_ENCOUNTER_MAPPER_H_
#define TRIALGATE_MAPPERS_ENCOUNTER_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 Encounter (a visit, a call: a contact with the subject) to one ContactRecorded:
// status and class as sent, the day of period.start. Encounter.subject names the subject;
// period.start is required (the day the subject was seen alive). Whether a status counts as a
// contact is the schedule's business (a planned or cancelled encounter does not). See
// MapResource for the contract.
// REQUIRES: resource is a JSON object whose resourceType is "Encounter".
MapResult MapEncounter(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_ENCOUNTER_MAPPER_H_
