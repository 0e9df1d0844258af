#ifndef TRIALGATE_MAPPERS_UNITS_H_
#define TRIALGATE_MAPPERS_UNITS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace trialgate::mappers {

// A UCUM unit the study can convert: its dimension and its factor to the dimension's base unit.
struct UnitInfo {
  std::string code;
  std::string dimension;  // "mass", "mass-concentration", "amount-concentration", ...
  double factor = 1;      // value_in_base = value * factor
};

// The study's unit table (codes/units.json): UCUM units by dimension and the spellings seen in
// feeds. Immutable once built; thread-safe for reads.
class UnitTable {
 public:
  void AddUnit(UnitInfo unit);
  void AddAlias(std::string_view text, std::string_view ucum_code);

  // The UCUM code `text` stands for: the text itself when it is a known unit code, else a known
  // alias or a unit code matched case-insensitively, else nullopt.
  std::optional<std::string> Resolve(std::string_view text) const;

  // The unit's entry, or nullptr when the code is not in the table.
  const UnitInfo* Find(std::string_view ucum_code) const;

  // `value` in `from` expressed in `to` (both resolved UCUM codes) when both are in one
  // dimension; else nullopt.
  std::optional<double> Convert(double value, std::string_view from, std::string_view to) const;

  const std::string& system() const { return system_; }
  void set_system(std::string system) { system_ = std::move(system); }

 private:
  std::string system_;  // the UCUM system URI
  std::map<std::string, UnitInfo, std::less<>> units_;
  std::map<std::string, std::string, std::less<>> lower_aliases_;  // lower-cased text -> code
};

// Lower-cases ASCII letters; other bytes (UTF-8 included) are kept.
std::string AsciiLower(std::string_view text);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_UNITS_H_
