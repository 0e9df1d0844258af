#ifndef TRIALGATE_GATEWAY_DERIVATION_TERM_UNITS_H_
#define TRIALGATE_GATEWAY_DERIVATION_TERM_UNITS_H_

#include <string>

#include "absl/status/statusor.h"
#include "mappers/code_tables.h"
#include "mappers/units.h"

namespace trialgate::derivation {

// The factor that takes a value in `sent_unit` (a UCUM code or a spelling the unit table knows)
// to `to_unit`, for `analyte`: through the mappers' analyte conversion (unit_factors, the unit
// table's dimensions, molar mass), so grading converts exactly as ingest does. All these
// conversions are linear. INVALID_ARGUMENT with a readable reason when the unit is unknown or
// does not convert.
absl::StatusOr<double> UnitFactor(const std::string& sent_unit, const std::string& to_unit,
                                  const mappers::LabAnalyte& analyte,
                                  const mappers::UnitTable& units);

}  // namespace trialgate::derivation

#endif  // TRIALGATE_GATEWAY_DERIVATION_TERM_UNITS_H_
