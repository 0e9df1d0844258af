#include "mappers/quantity_units.h"

namespace trialgate::mappers {
namespace {

// The dimension names of units.json that a molar mass links (g/L = mol/L x g/mol).
constexpr char kAmountConcentration[] = "amount-concentration";
constexpr char kMassConcentration[] = "mass-concentration";

}  // namespace

Decimal Converted(const Decimal& sent, double converted) {
  if (converted == sent.value) return Decimal{converted, sent.text};
  return Decimal{converted, ComputedDecimalText(converted)};
}

std::string UnitAsSent(const QuantityValue& quantity) {
  return quantity.code.empty() ? quantity.unit : quantity.code;
}

std::optional<std::string> ResolveQuantityUnit(const QuantityValue& quantity,
                                               const UnitTable& units) {
  if (!quantity.code.empty() && (quantity.system.empty() || quantity.system == units.system())) {
    if (auto code = units.Resolve(quantity.code)) return code;
  }
  // A code from another system (e.g. SNOMED unit concepts) says nothing UCUM can use; the
  // human-readable unit often does.
  return units.Resolve(quantity.unit);
}

std::optional<double> ToAnalyteUnit(double value, const std::string& from,
                                    const LabAnalyte& analyte, const UnitTable& units) {
  auto factor = analyte.unit_factors.find(from);
  if (factor != analyte.unit_factors.end()) return value * factor->second;
  if (auto converted = units.Convert(value, from, analyte.unit)) return converted;
  if (!analyte.molar_mass_g_per_mol) return std::nullopt;
  const UnitInfo* from_unit = units.Find(from);
  const UnitInfo* to_unit = units.Find(analyte.unit);
  if (from_unit == nullptr || to_unit == nullptr) return std::nullopt;
  const double molar_mass = *analyte.molar_mass_g_per_mol;
  if (from_unit->dimension == kAmountConcentration && to_unit->dimension == kMassConcentration) {
    return value * from_unit->factor * molar_mass / to_unit->factor;
  }
  if (from_unit->dimension == kMassConcentration && to_unit->dimension == kAmountConcentration) {
    return value * from_unit->factor / molar_mass / to_unit->factor;
  }
  return std::nullopt;
}

}  // namespace trialgate::mappers
