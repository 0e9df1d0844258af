#ifndef TRIALGATE_MAPPERS_QUANTITY_UNITS_H_
#define TRIALGATE_MAPPERS_QUANTITY_UNITS_H_

// Units of FHIR Quantities: which UCUM unit a sent Quantity is in, and converting a lab value to
// its analyte's canonical unit.

#include <optional>
#include <string>

#include "mappers/code_tables.h"
#include "mappers/fhir_json.h"
#include "mappers/units.h"

namespace trialgate::mappers {

// The unit as sent, for *_as_sent fields: the coded unit when there is one, else the unit text.
std::string UnitAsSent(const QuantityValue& quantity);

// The UCUM code the Quantity is in: its `code` when the system is UCUM (or absent), resolved via
// the table's aliases; else its human `unit` text resolved the same way. nullopt when neither
// is known to the table.
std::optional<std::string> ResolveQuantityUnit(const QuantityValue& quantity,
                                               const UnitTable& units);

// `value` in UCUM unit `from` expressed in the analyte's canonical unit: through the analyte's
// own unit_factors, else within one dimension of the unit table, else between amount and mass
// concentrations with the analyte's molar mass. nullopt when no route exists.
std::optional<double> ToAnalyteUnit(double value, const std::string& from,
                                    const LabAnalyte& analyte, const UnitTable& units);

// `sent` converted to another unit, where the conversion gave `converted`. The text is the
// sender's when the value did not change (same unit, a factor of 1), so its precision carries
// over; else ComputedDecimalText(converted).
Decimal Converted(const Decimal& sent, double converted);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_QUANTITY_UNITS_H_
