#include "gateway/derivation/term_units.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "mappers/quantity_units.h"

namespace trialgate::derivation {

absl::StatusOr<double> UnitFactor(const std::string& sent_unit, const std::string& to_unit,
                                  const mappers::LabAnalyte& analyte,
                                  const mappers::UnitTable& units) {
  const std::optional<std::string> from = units.Resolve(sent_unit);
  if (!from) {
    return absl::InvalidArgumentError(
        absl::StrCat("unit '", sent_unit, "' is not in the study's unit table"));
  }
  // Both sides through the analyte's own unit: value_in_to = value * (from->analyte) / (to->analyte).
  const std::optional<double> from_factor = mappers::ToAnalyteUnit(1, *from, analyte, units);
  const std::optional<double> to_factor =
      mappers::ToAnalyteUnit(1, to_unit, analyte, units);
  if (!from_factor || !to_factor || *to_factor == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unit ", *from, " does not convert to ", to_unit, " for ", analyte.id));
  }
  return *from_factor / *to_factor;
}

}  // namespace trialgate::derivation
