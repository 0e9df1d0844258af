#ifndef TRIALGATE_MAPPERS_PROCEDURE_MAPPER_H_
#define TRIALGATE_MAPPERS_PROCEDURE_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 Procedure the study tracks (codes/procedures.json) to one event: a stem cell
// collection to StemCellHarvest, a stem cell transplant to TransplantPerformed (its date is day
// 0). Any other procedure is accepted as no event, with a warning. See MapResource for the
// contract.
// REQUIRES: resource is a JSON object whose resourceType is "Procedure".
MapResult MapProcedure(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_PROCEDURE_MAPPER_H_
