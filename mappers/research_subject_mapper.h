#ifndef TRIALGATE_MAPPERS_RESEARCH_SUBJECT_MAPPER_H_
#define TRIALGATE_MAPPERS_RESEARCH_SUBJECT_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 ResearchSubject to one EnrollmentChanged event; see MapResource for
// the contract.
// REQUIRES: resource is a JSON object whose resourceType is "ResearchSubject".
MapResult MapResearchSubject(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_RESEARCH_SUBJECT_MAPPER_H_
