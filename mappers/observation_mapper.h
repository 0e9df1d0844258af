#ifndef TRIALGATE_MAPPERS_OBSERVATION_MAPPER_H_
#define TRIALGATE_MAPPERS_OBSERVATION_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 Observation to one LabResult event; see MapResource for
// the contract.
// REQUIRES: resource is a JSON object whose resourceType is "Observation".
MapResult MapObservation(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_OBSERVATION_MAPPER_H_
