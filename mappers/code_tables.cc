#include "mappers/code_tables.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"

namespace trialgate::mappers {
namespace {

using Files = std::map<std::string, std::string>;
using CodeIndex = std::map<std::string, std::pair<size_t, size_t>>;

// Reading a study file is strict: a malformed table is a deployment error, caught at start-up.
absl::StatusOr<JsonFile> ParseFile(const Files& files, const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) return JsonFileError(name, "missing");
  return JsonFile::Parse(name, it->second);
}

absl::StatusOr<TableCode> ParseCode(const JsonObject& object) {
  TableCode code;
  ASSIGN_OR_RETURN(code.system, object.RequiredString("system"));
  ASSIGN_OR_RETURN(code.code, object.RequiredString("code"));
  ASSIGN_OR_RETURN(code.display, object.OptionalString("display"));
  ASSIGN_OR_RETURN(code.source, object.RequiredString("source"));
  ASSIGN_OR_RETURN(code.unconfirmed, object.OptionalBool("unconfirmed", false));
  return code;
}

absl::StatusOr<std::vector<TableCode>> ParseCodes(const JsonObject& object,
                                                  std::string_view key = "codes") {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> codes, object.RequiredObjects(key));
  return ReadEach<TableCode>(codes, ParseCode);
}

// Adds every code of entries[i] to `index`; a code claimed twice is a table error.
template <typename Entry>
absl::Status IndexCodes(const std::string& file, const std::vector<Entry>& entries,
                        CodeIndex* index) {
  for (size_t i = 0; i < entries.size(); ++i) {
    for (size_t j = 0; j < entries[i].codes.size(); ++j) {
      const TableCode& code = entries[i].codes[j];
      if (!index->emplace(CodeKey(code.system, code.code), std::make_pair(i, j)).second) {
        return JsonFileError(file,
                             absl::StrCat("code ", code.system, "|", code.code, " listed twice"));
      }
    }
  }
  return absl::OkStatus();
}

// The entries of the array `key` of `file`, each read by `read`, and the index of their codes.
template <typename Entry, typename Read>
absl::Status ParseTable(const JsonFile& file, std::string_view key, Read read,
                        std::vector<Entry>* entries, CodeIndex* index) {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> objects, file.top().RequiredObjects(key));
  ASSIGN_OR_RETURN(*entries, ReadEach<Entry>(objects, read));
  return IndexCodes(file.name(), *entries, index);
}

// What every table entry has: an id, a name and its codes (all a route or a response category
// has).
template <typename Entry>
absl::StatusOr<Entry> ParseEntry(const JsonObject& object) {
  Entry entry;
  ASSIGN_OR_RETURN(entry.id, object.RequiredString("id"));
  ASSIGN_OR_RETURN(entry.name, object.RequiredString("name"));
  ASSIGN_OR_RETURN(entry.codes, ParseCodes(object));
  return entry;
}

absl::StatusOr<DrugEntry> ParseDrug(const JsonObject& object) {
  ASSIGN_OR_RETURN(DrugEntry drug, ParseEntry<DrugEntry>(object));
  ASSIGN_OR_RETURN(drug.role, object.RequiredString("role"));
  ASSIGN_OR_RETURN(drug.dose_unit, object.RequiredString("dose_unit"));
  return drug;
}

absl::Status ParseDrugs(const Files& files, CodeTables* tables) {
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, "codes/drugs.json"));
  ASSIGN_OR_RETURN(tables->default_dose_unit, file.top().RequiredString("default_dose_unit"));
  ASSIGN_OR_RETURN(tables->dose_per_area_unit, file.top().RequiredString("dose_per_area_unit"));
  return ParseTable(file, "drugs", ParseDrug, &tables->drugs, &tables->drug_by_code);
}

absl::StatusOr<LabAnalyte> ParseLab(const JsonObject& object) {
  ASSIGN_OR_RETURN(LabAnalyte lab, ParseEntry<LabAnalyte>(object));
  ASSIGN_OR_RETURN(lab.unit, object.RequiredString("unit"));
  if (std::optional<JsonValue> molar = object.Find("molar_mass_g_per_mol")) {
    ASSIGN_OR_RETURN(lab.molar_mass_g_per_mol, molar->Number(Sign::kPositive));
  }
  ASSIGN_OR_RETURN(lab.unit_factors, ParseUnitFactors(object));
  return lab;
}

absl::Status ParseLabs(const Files& files, CodeTables* tables) {
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, "codes/labs.json"));
  return ParseTable(file, "analytes", ParseLab, &tables->labs, &tables->lab_by_code);
}

absl::Status ParseRoutes(const Files& files, CodeTables* tables) {
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, "codes/routes.json"));
  return ParseTable(file, "routes", ParseEntry<RouteEntry>, &tables->routes,
                    &tables->route_by_code);
}

absl::StatusOr<ProcedureEntry> ParseProcedure(const JsonObject& object) {
  ASSIGN_OR_RETURN(ProcedureEntry entry, ParseEntry<ProcedureEntry>(object));
  ASSIGN_OR_RETURN(entry.event,
                   object.RequiredOneOf("event", {"stem_cell_harvest", "transplant_performed"}));
  return entry;
}

// codes/procedures.json, optional: a study without it tracks no procedure.
absl::Status ParseProcedures(const Files& files, CodeTables* tables) {
  const std::string name = "codes/procedures.json";
  if (!files.contains(name)) return absl::OkStatus();
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, name));
  return ParseTable(file, "procedures", ParseProcedure, &tables->procedures,
                    &tables->procedure_by_code);
}

// codes/responses.json, optional: a study without it takes no response assessment.
absl::Status ParseResponses(const Files& files, CodeTables* tables) {
  const std::string name = "codes/responses.json";
  if (!files.contains(name)) return absl::OkStatus();
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, name));
  ResponseCategory assessment;
  assessment.id = "assessment";
  ASSIGN_OR_RETURN(assessment.codes, ParseCodes(file.top(), "assessment_codes"));
  tables->response_assessments.push_back(std::move(assessment));
  RETURN_IF_ERROR(IndexCodes(name, tables->response_assessments, &tables->assessment_by_code));
  return ParseTable(file, "categories", ParseEntry<ResponseCategory>,
                    &tables->response_categories, &tables->response_by_code);
}

absl::StatusOr<UnitInfo> ParseUnit(const JsonObject& object) {
  UnitInfo unit;
  ASSIGN_OR_RETURN(unit.code, object.RequiredString("code"));
  ASSIGN_OR_RETURN(unit.dimension, object.RequiredString("dimension"));
  ASSIGN_OR_RETURN(unit.factor, object.RequiredNumber("factor", Sign::kPositive));
  return unit;
}

absl::Status ParseUnits(const Files& files, CodeTables* tables) {
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, "codes/units.json"));
  ASSIGN_OR_RETURN(std::string system, file.top().RequiredString("system"));
  tables->units.set_system(std::move(system));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> units, file.top().RequiredObjects("units"));
  for (const JsonObject& object : units) {
    ASSIGN_OR_RETURN(UnitInfo unit, ParseUnit(object));
    tables->units.AddUnit(std::move(unit));
  }
  ASSIGN_OR_RETURN(const std::vector<JsonObject> aliases, file.top().RequiredObjects("aliases"));
  for (const JsonObject& alias : aliases) {
    ASSIGN_OR_RETURN(const std::string text, alias.RequiredString("text"));
    ASSIGN_OR_RETURN(const std::string code, alias.RequiredString("code"));
    tables->units.AddAlias(text, code);
  }
  return absl::OkStatus();
}

absl::StatusOr<CtcaeTerm> ParseCtcaeTerm(const JsonObject& object) {
  CtcaeTerm term;
  ASSIGN_OR_RETURN(term.term, object.RequiredString("term"));
  ASSIGN_OR_RETURN(term.meddra_code, object.RequiredString("meddra_code"));
  ASSIGN_OR_RETURN(term.soc, object.OptionalString("soc"));
  return term;
}

absl::Status ParseCtcaeTerms(const Files& files, CodeTables* tables) {
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, "codes/adverse-events.json"));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> terms, file.top().RequiredObjects("terms"));
  for (const JsonObject& object : terms) {
    ASSIGN_OR_RETURN(CtcaeTerm term, ParseCtcaeTerm(object));
    const size_t index = tables->ctcae_terms.size();
    if (!tables->ctcae_by_meddra.emplace(term.meddra_code, index).second) {
      return object.Problem(absl::StrCat("MedDRA code ", term.meddra_code, " listed twice"));
    }
    tables->ctcae_by_lower_term.emplace(AsciiLower(term.term), index);
    tables->ctcae_terms.push_back(std::move(term));
  }
  return absl::OkStatus();
}

// Which systems carry MedDRA codes and how seriousness is coded are study settings.
absl::Status ParseAdverseEventSettings(const Files& files, CodeTables* tables) {
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, "study.json"));
  ASSIGN_OR_RETURN(const JsonObject settings, file.top().RequiredObject("adverseEvents"));
  ASSIGN_OR_RETURN(tables->meddra_systems, settings.RequiredStrings("meddraSystems"));
  ASSIGN_OR_RETURN(const JsonObject seriousness, settings.RequiredObject("seriousness"));
  SeriousnessCodes& codes = tables->seriousness;
  ASSIGN_OR_RETURN(codes.system, seriousness.RequiredString("system"));
  ASSIGN_OR_RETURN(codes.serious, seriousness.RequiredStrings("serious"));
  ASSIGN_OR_RETURN(codes.non_serious, seriousness.RequiredStrings("nonSerious"));
  for (std::string& code : codes.serious) code = AsciiLower(code);
  for (std::string& code : codes.non_serious) code = AsciiLower(code);
  return absl::OkStatus();
}

absl::StatusOr<LocalCodeMapping> ParseLocalCode(const JsonObject& object) {
  LocalCodeMapping mapping;
  ASSIGN_OR_RETURN(mapping.site, object.RequiredString("site"));
  ASSIGN_OR_RETURN(mapping.system, object.RequiredString("system"));
  ASSIGN_OR_RETURN(mapping.code, object.RequiredString("code"));
  ASSIGN_OR_RETURN(const JsonObject maps_to, object.RequiredObject("maps_to"));
  ASSIGN_OR_RETURN(mapping.maps_to_system, maps_to.RequiredString("system"));
  ASSIGN_OR_RETURN(mapping.maps_to_code, maps_to.RequiredString("code"));
  return mapping;
}

absl::Status ParseLocalCodes(const Files& files, CodeTables* tables) {
  ASSIGN_OR_RETURN(const JsonFile file, ParseFile(files, "codes/local-codes.json"));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> mappings, file.top().RequiredObjects("mappings"));
  ASSIGN_OR_RETURN(tables->local_codes, ReadEach<LocalCodeMapping>(mappings, ParseLocalCode));
  return absl::OkStatus();
}

// Every unit the drug and lab tables name must be in the unit table, or nothing could ever be
// normalised to it.
absl::Status CheckUnits(const CodeTables& tables) {
  for (const std::string* unit : {&tables.default_dose_unit, &tables.dose_per_area_unit}) {
    if (tables.units.Find(*unit) == nullptr) {
      return JsonFileError("codes/drugs.json",
                           absl::StrCat("unit ", *unit, " is not in codes/units.json"));
    }
  }
  for (const DrugEntry& drug : tables.drugs) {
    if (tables.units.Find(drug.dose_unit) == nullptr) {
      return JsonFileError(
          "codes/drugs.json", drug.id,
          absl::StrCat("dose_unit ", drug.dose_unit, " is not in codes/units.json"));
    }
  }
  for (const LabAnalyte& lab : tables.labs) {
    if (tables.units.Find(lab.unit) == nullptr) {
      return JsonFileError("codes/labs.json", lab.id,
                           absl::StrCat("unit ", lab.unit, " is not in codes/units.json"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, double>> ParseUnitFactors(const JsonObject& object) {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> factors, object.OptionalObjects("unit_factors"));
  std::map<std::string, double> out;
  for (const JsonObject& factor : factors) {
    ASSIGN_OR_RETURN(const std::string unit, factor.RequiredString("unit"));
    ASSIGN_OR_RETURN(const double value, factor.RequiredNumber("factor"));
    out[unit] = value;
  }
  return out;
}

std::string CodeKey(std::string_view system, std::string_view code) {
  // '|' cannot occur in a URI without escaping, so the key is unambiguous.
  return absl::StrCat(std::string(system), "|", std::string(code));
}

absl::StatusOr<CodeTables> ParseCodeTables(const std::map<std::string, std::string>& files) {
  CodeTables tables;
  for (auto parse : {ParseDrugs, ParseLabs, ParseRoutes, ParseUnits, ParseCtcaeTerms,
                     ParseAdverseEventSettings, ParseLocalCodes, ParseProcedures,
                     ParseResponses}) {
    RETURN_IF_ERROR(parse(files, &tables));
  }
  RETURN_IF_ERROR(CheckUnits(tables));
  return tables;
}

}  // namespace trialgate::mappers
