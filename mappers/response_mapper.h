#ifndef TRIALGATE_MAPPERS_RESPONSE_MAPPER_H_
#define TRIALGATE_MAPPERS_RESPONSE_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// True when the Observation's code says it is an IMWG response assessment
// (codes/responses.json assessment_codes, directly or through the site's local codes).
bool IsResponseAssessment(const rapidjson::Value& observation, const MapContext& context);

// Maps a response assessment Observation to one ResponseAssessed event: the category from
// valueCodeableConcept (codes/responses.json categories). A category the table does not know is
// kept empty with a warning. See MapResource for the contract.
// REQUIRES: IsResponseAssessment(resource, context).
MapResult MapResponseObservation(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_RESPONSE_MAPPER_H_
