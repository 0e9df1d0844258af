#ifndef TRIALGATE_GATEWAY_IDENTITY_PATIENT_KEYS_H_
#define TRIALGATE_GATEWAY_IDENTITY_PATIENT_KEYS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mappers/mapper.h"
#include "rapidjson/document.h"

namespace trialgate::identity {

// The resources of a Bundle by fullUrl, to resolve "urn:uuid:..." references inside it.
using BundleIndex = std::map<std::string, const rapidjson::Value*>;

// The stable keys under which a patient is known to a sending system: "Patient/<id>" for a
// reference (relative, absolute or versioned, or a Bundle-local reference to a Patient entry
// with an id) and "identifier:<system>|<value>" for a logical identifier (and for each of
// PatientRef::more_identifiers). These keys are what
// gets pseudonymised; they never leave the gateway.
// NOT_FOUND: a Bundle-local reference that resolves to no entry. INVALID_ARGUMENT: a reference
// that is empty, not to a Patient, or neither reference nor identifier given.
absl::StatusOr<std::vector<std::string>> PatientKeys(const mappers::PatientRef& patient,
                                                     const BundleIndex* bundle);

}  // namespace trialgate::identity

#endif  // TRIALGATE_GATEWAY_IDENTITY_PATIENT_KEYS_H_
