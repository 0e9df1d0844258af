#ifndef TRIALGATE_MAPPERS_OBSERVATION_MAPPER_H_
#define TRIALGATE_MAPPERS_OBSERVATION_MAPPER_H_

#include "mappers/fhir_json.h"
#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 Observation to one LabResult event; see MapResource for
// the contract.
// REQUIRES: resource is a JSON object whose resourceType is "Observation".
MapResult MapObservation(const rapidjson::Value& resource, const MapContext& context);

// Sets the event's time from Observation.effective[x] (dateTime, instant or Period.start), or
// from Observation.issued with a data-quality note when effective[x] is missing. Issues are
// reported under `root`, the Path of the Observation (see ResourceRoot).
void MapObservationEffective(const rapidjson::Value& resource, const Path& root, v1::Event* event,
                             std::vector<Issue>* issues);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_OBSERVATION_MAPPER_H_
