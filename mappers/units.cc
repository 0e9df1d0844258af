#include "mappers/units.h"

#include <utility>

namespace trialgate::mappers {

std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

void UnitTable::AddUnit(UnitInfo unit) {
  // A lower-cased unit code doubles as an alias, unless an explicit alias already claims it.
  lower_aliases_.emplace(AsciiLower(unit.code), unit.code);
  std::string code = unit.code;
  units_.insert_or_assign(std::move(code), std::move(unit));
}

void UnitTable::AddAlias(std::string_view text, std::string_view ucum_code) {
  lower_aliases_.insert_or_assign(AsciiLower(text), std::string(ucum_code));
}

std::optional<std::string> UnitTable::Resolve(std::string_view text) const {
  if (text.empty()) return std::nullopt;
  if (units_.find(text) != units_.end()) return std::string(text);
  auto alias = lower_aliases_.find(AsciiLower(text));
  if (alias != lower_aliases_.end()) return alias->second;
  return std::nullopt;
}

const UnitInfo* UnitTable::Find(std::string_view ucum_code) const {
  auto it = units_.find(ucum_code);
  return it == units_.end() ? nullptr : &it->second;
}

std::optional<double> UnitTable::Convert(double value, std::string_view from,
                                         std::string_view to) const {
  if (from == to) return value;
  const UnitInfo* from_unit = Find(from);
  const UnitInfo* to_unit = Find(to);
  if (from_unit == nullptr || to_unit == nullptr) return std::nullopt;
  if (from_unit->dimension != to_unit->dimension) return std::nullopt;
  return value * from_unit->factor / to_unit->factor;
}

}  // namespace trialgate::mappers
