#ifndef TRIALGATE_MAPPERS_MEDICATION_ADMINISTRATION_MAPPER_H_
#define TRIALGATE_MAPPERS_MEDICATION_ADMINISTRATION_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 MedicationAdministration to one DoseAdministered event; see MapResource for
// the contract.
// REQUIRES: resource is a JSON object whose resourceType is "MedicationAdministration".
MapResult MapMedicationAdministration(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_MEDICATION_ADMINISTRATION_MAPPER_H_
