#ifndef TRIALGATE_MAPPERS_CODE_TABLES_H_
#define TRIALGATE_MAPPERS_CODE_TABLES_H_

// The study's code tables as parsed from fhir-profiles/studies/<id>/codes/*.json. Plain data;
// lookups live on Study (mappers/study.h). The file formats are in fhir-profiles/README.md.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mappers/units.h"

namespace trialgate {
class JsonObject;
}  // namespace trialgate

namespace trialgate::mappers {

// One code of a table entry, with where it came from.
struct TableCode {
  std::string system;
  std::string code;
  std::string display;
  std::string source;
  bool unconfirmed = false;  // the code was not confirmed from a source: matches are flagged
};

struct DrugEntry {
  std::string id;         // study agent id, e.g. "carfilzomib"
  std::string name;
  std::string role;       // "protocol", "conditioning", "mobilisation"
  std::string dose_unit;  // UCUM unit doses are normalised to, e.g. "mg"
  std::vector<TableCode> codes;
};

struct LabAnalyte {
  std::string id;    // study analyte id, e.g. "serum_m_protein"
  std::string name;
  std::string unit;  // canonical UCUM unit
  std::vector<TableCode> codes;
  std::optional<double> molar_mass_g_per_mol;  // enables mol/L <-> g/L conversions
  std::map<std::string, double> unit_factors;  // analyte-specific: UCUM unit -> factor to `unit`
};

// The analyte-specific factors of a table entry, "unit_factors": [{"unit", "factor"}]: UCUM
// unit -> factor to the entry's unit. Errors name the file and path (gateway/common/json_reader.h).
absl::StatusOr<std::map<std::string, double>> ParseUnitFactors(const JsonObject& object);

struct RouteEntry {
  std::string id;  // study route id, e.g. "IV"
  std::string name;
  std::vector<TableCode> codes;
};

// A procedure the study tracks and the event it becomes (codes/procedures.json).
struct ProcedureEntry {
  std::string id;     // "stem_cell_collection"
  std::string name;
  std::string event;  // "stem_cell_harvest" or "transplant_performed"
  std::vector<TableCode> codes;
};

// An IMWG response category (codes/responses.json).
struct ResponseCategory {
  std::string id;  // "VGPR"
  std::string name;
  std::vector<TableCode> codes;
};

struct CtcaeTerm {
  std::string term;         // "Neutrophil count decreased"
  std::string meddra_code;  // MedDRA LLT code as a string
  std::string soc;
};

// A per-site local code and the code of the study's tables it stands for.
struct LocalCodeMapping {
  std::string site;  // a site id, or "*" for any site
  std::string system;
  std::string code;
  std::string maps_to_system;
  std::string maps_to_code;
};

// How AdverseEvent.seriousness codes are read.
struct SeriousnessCodes {
  std::string system;
  std::vector<std::string> serious;      // compared case-insensitively
  std::vector<std::string> non_serious;  // compared case-insensitively
};

// An entry of a table and the code that matched it.
template <typename Entry>
struct CodeMatch {
  const Entry* entry = nullptr;
  const TableCode* code = nullptr;
};

// All tables of one study. Built once by ParseCodeTables; immutable afterwards.
struct CodeTables {
  std::vector<DrugEntry> drugs;
  std::string default_dose_unit;   // UCUM mass unit for doses of non-study drugs
  std::string dose_per_area_unit;  // UCUM unit of doses per body surface area ("mg/m2")
  std::vector<LabAnalyte> labs;
  std::vector<RouteEntry> routes;
  std::vector<ProcedureEntry> procedures;          // empty without codes/procedures.json
  std::vector<ResponseCategory> response_categories;  // empty without codes/responses.json
  // The Observation codes of a response assessment, as one entry (for lookups like the rest).
  std::vector<ResponseCategory> response_assessments;
  std::vector<CtcaeTerm> ctcae_terms;
  std::vector<LocalCodeMapping> local_codes;
  std::vector<std::string> meddra_systems;
  SeriousnessCodes seriousness;
  UnitTable units;

  // Indexes into the vectors above; keys are CodeKey(system, code) or lower-cased text.
  std::map<std::string, std::pair<size_t, size_t>> drug_by_code;   // -> (drug, code index)
  std::map<std::string, std::pair<size_t, size_t>> lab_by_code;    // -> (analyte, code index)
  std::map<std::string, std::pair<size_t, size_t>> route_by_code;  // -> (route, code index)
  std::map<std::string, std::pair<size_t, size_t>> procedure_by_code;
  std::map<std::string, std::pair<size_t, size_t>> response_by_code;
  std::map<std::string, std::pair<size_t, size_t>> assessment_by_code;
  std::map<std::string, size_t> ctcae_by_meddra;
  std::map<std::string, size_t> ctcae_by_lower_term;
};

// The key of a (system, code) pair in the indexes.
std::string CodeKey(std::string_view system, std::string_view code);

// Parses the code files (keyed by path in the study folder: codes/drugs.json, codes/labs.json,
// codes/units.json, codes/routes.json, codes/adverse-events.json, codes/local-codes.json, and the
// optional codes/procedures.json and codes/responses.json) and the
// "adverseEvents" part of study.json into tables. Returns INVALID_ARGUMENT naming the file and
// the problem when a file is missing or malformed, or when two entries claim the same code.
absl::StatusOr<CodeTables> ParseCodeTables(const std::map<std::string, std::string>& files);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_CODE_TABLES_H_
