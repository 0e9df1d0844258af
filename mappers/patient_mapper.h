#ifndef TRIALGATE_MAPPERS_PATIENT_MAPPER_H_
#define TRIALGATE_MAPPERS_PATIENT_MAPPER_H_

#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::mappers {

// Maps a FHIR R4 Patient to what the study keeps of it: its death, nothing else. deceasedDateTime
// -> one SubjectDied carrying the day only; deceasedBoolean false -> a SubjectDied marked
// withdrawn (a later version taking a death back); otherwise no event (deceasedBoolean true
// without a date is a warning). MapResult::patient names the Patient by its own id
// ("Patient/<id>") and identifiers, the keys other resources refer to it by; nullopt when it
// has neither. No name, identifier, birth date or other demographic reaches an event. See
// MapResource for the contract.
// REQUIRES: resource is a JSON object whose resourceType is "Patient".
MapResult MapPatient(const rapidjson::Value& resource, const MapContext& context);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_PATIENT_MAPPER_H_
