#include "mappers/code_tables.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

// Reading a study file is strict: a malformed table is a deployment error, caught at start-up.
class FileReader {
 public:
  explicit FileReader(std::string name) : name_(std::move(name)) {}

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": ", std::string(what)));
  }

  absl::StatusOr<std::string> String(const Value& object, const char* key,
                                     bool required = true) const {
    if (!object.IsObject()) return Error(absl::StrCat("expected an object holding '", key, "'"));
    auto it = object.FindMember(key);
    if (it == object.MemberEnd()) {
      if (required) return Error(absl::StrCat("missing '", key, "'"));
      return std::string();
    }
    if (!it->value.IsString()) return Error(absl::StrCat("'", key, "' must be a string"));
    return std::string(it->value.GetString(), it->value.GetStringLength());
  }

  absl::StatusOr<const Value*> Array(const Value& object, const char* key) const {
    if (!object.IsObject()) return Error(absl::StrCat("expected an object holding '", key, "'"));
    auto it = object.FindMember(key);
    if (it == object.MemberEnd() || !it->value.IsArray()) {
      return Error(absl::StrCat("'", key, "' must be an array"));
    }
    return &it->value;
  }

  absl::StatusOr<std::vector<std::string>> Strings(const Value& object, const char* key) const {
    auto array = Array(object, key);
    if (!array.ok()) return array.status();
    std::vector<std::string> out;
    for (const Value& item : (*array)->GetArray()) {
      if (!item.IsString()) return Error(absl::StrCat("'", key, "' must hold strings"));
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
  }

 private:
  std::string name_;
};

absl::StatusOr<rapidjson::Document> ParseFile(const std::map<std::string, std::string>& files,
                                              const std::string& name) {
  auto it = files.find(name);
  if (it == files.end()) return absl::InvalidArgumentError(absl::StrCat(name, ": missing"));
  rapidjson::Document doc;
  doc.Parse(it->second.data(), it->second.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": invalid JSON at offset ",
                                                   doc.GetErrorOffset(), ": ",
                                                   rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return absl::InvalidArgumentError(absl::StrCat(name, ": not an object"));
  return doc;
}

absl::StatusOr<std::vector<TableCode>> ParseCodes(const FileReader& reader, const Value& entry) {
  auto array = reader.Array(entry, "codes");
  if (!array.ok()) return array.status();
  std::vector<TableCode> codes;
  for (const Value& item : (*array)->GetArray()) {
    TableCode code;
    auto system = reader.String(item, "system");
    auto value = reader.String(item, "code");
    auto display = reader.String(item, "display", /*required=*/false);
    auto source = reader.String(item, "source");
    for (const auto* s : {&system, &value, &display, &source}) {
      if (!s->ok()) return s->status();
    }
    code.system = *system;
    code.code = *value;
    code.display = *display;
    code.source = *source;
    auto unconfirmed = item.FindMember("unconfirmed");
    code.unconfirmed = unconfirmed != item.MemberEnd() && unconfirmed->value.IsBool() &&
                       unconfirmed->value.GetBool();
    codes.push_back(std::move(code));
  }
  return codes;
}

// Adds every code of entries[i] to `index`; a code claimed twice is a table error.
template <typename Entry>
absl::Status IndexCodes(const FileReader& reader, const std::vector<Entry>& entries,
                        std::map<std::string, std::pair<size_t, size_t>>* index) {
  for (size_t i = 0; i < entries.size(); ++i) {
    for (size_t j = 0; j < entries[i].codes.size(); ++j) {
      const TableCode& code = entries[i].codes[j];
      if (!index->emplace(CodeKey(code.system, code.code), std::make_pair(i, j)).second) {
        return reader.Error(absl::StrCat("code ", code.system, "|", code.code, " listed twice"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ParseDrugs(const std::map<std::string, std::string>& files, CodeTables* tables) {
  const std::string name = "codes/drugs.json";
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  auto default_unit = reader.String(*doc, "default_dose_unit");
  auto per_area_unit = reader.String(*doc, "dose_per_area_unit");
  if (!default_unit.ok()) return default_unit.status();
  if (!per_area_unit.ok()) return per_area_unit.status();
  tables->default_dose_unit = *default_unit;
  tables->dose_per_area_unit = *per_area_unit;
  auto array = reader.Array(*doc, "drugs");
  if (!array.ok()) return array.status();
  for (const Value& item : (*array)->GetArray()) {
    DrugEntry drug;
    auto id = reader.String(item, "id");
    auto drug_name = reader.String(item, "name");
    auto role = reader.String(item, "role");
    auto unit = reader.String(item, "dose_unit");
    for (const auto* s : {&id, &drug_name, &role, &unit}) {
      if (!s->ok()) return s->status();
    }
    auto codes = ParseCodes(reader, item);
    if (!codes.ok()) return codes.status();
    drug.id = *id;
    drug.name = *drug_name;
    drug.role = *role;
    drug.dose_unit = *unit;
    drug.codes = *std::move(codes);
    tables->drugs.push_back(std::move(drug));
  }
  return IndexCodes(reader, tables->drugs, &tables->drug_by_code);
}

absl::Status ParseLabs(const std::map<std::string, std::string>& files, CodeTables* tables) {
  const std::string name = "codes/labs.json";
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  auto array = reader.Array(*doc, "analytes");
  if (!array.ok()) return array.status();
  for (const Value& item : (*array)->GetArray()) {
    LabAnalyte lab;
    auto id = reader.String(item, "id");
    auto lab_name = reader.String(item, "name");
    auto unit = reader.String(item, "unit");
    for (const auto* s : {&id, &lab_name, &unit}) {
      if (!s->ok()) return s->status();
    }
    auto codes = ParseCodes(reader, item);
    if (!codes.ok()) return codes.status();
    lab.id = *id;
    lab.name = *lab_name;
    lab.unit = *unit;
    lab.codes = *std::move(codes);
    auto molar = item.FindMember("molar_mass_g_per_mol");
    if (molar != item.MemberEnd()) {
      if (!molar->value.IsNumber() || molar->value.GetDouble() <= 0) {
        return reader.Error(absl::StrCat(lab.id, ": molar_mass_g_per_mol must be > 0"));
      }
      lab.molar_mass_g_per_mol = molar->value.GetDouble();
    }
    auto factors = item.FindMember("unit_factors");
    if (factors != item.MemberEnd()) {
      if (!factors->value.IsArray()) return reader.Error(lab.id + ": unit_factors not an array");
      for (const Value& factor : factors->value.GetArray()) {
        auto from = reader.String(factor, "unit");
        if (!from.ok()) return from.status();
        auto f = factor.FindMember("factor");
        if (f == factor.MemberEnd() || !f->value.IsNumber()) {
          return reader.Error(lab.id + ": unit_factors entries need a numeric 'factor'");
        }
        lab.unit_factors[*from] = f->value.GetDouble();
      }
    }
    tables->labs.push_back(std::move(lab));
  }
  return IndexCodes(reader, tables->labs, &tables->lab_by_code);
}

absl::Status ParseRoutes(const std::map<std::string, std::string>& files, CodeTables* tables) {
  const std::string name = "codes/routes.json";
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  auto array = reader.Array(*doc, "routes");
  if (!array.ok()) return array.status();
  for (const Value& item : (*array)->GetArray()) {
    RouteEntry route;
    auto id = reader.String(item, "id");
    auto route_name = reader.String(item, "name");
    if (!id.ok()) return id.status();
    if (!route_name.ok()) return route_name.status();
    auto codes = ParseCodes(reader, item);
    if (!codes.ok()) return codes.status();
    route.id = *id;
    route.name = *route_name;
    route.codes = *std::move(codes);
    tables->routes.push_back(std::move(route));
  }
  return IndexCodes(reader, tables->routes, &tables->route_by_code);
}

// codes/procedures.json, optional: a study without it tracks no procedure.
absl::Status ParseProcedures(const std::map<std::string, std::string>& files, CodeTables* tables) {
  const std::string name = "codes/procedures.json";
  if (files.find(name) == files.end()) return absl::OkStatus();
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  auto array = reader.Array(*doc, "procedures");
  if (!array.ok()) return array.status();
  for (const Value& item : (*array)->GetArray()) {
    ProcedureEntry entry;
    auto id = reader.String(item, "id");
    auto entry_name = reader.String(item, "name");
    auto event = reader.String(item, "event");
    for (const auto* s : {&id, &entry_name, &event}) {
      if (!s->ok()) return s->status();
    }
    if (*event != "stem_cell_harvest" && *event != "transplant_performed") {
      return reader.Error(absl::StrCat(*id, ": event must be stem_cell_harvest or transplant_performed"));
    }
    auto codes = ParseCodes(reader, item);
    if (!codes.ok()) return codes.status();
    entry.id = *id;
    entry.name = *entry_name;
    entry.event = *event;
    entry.codes = *std::move(codes);
    tables->procedures.push_back(std::move(entry));
  }
  return IndexCodes(reader, tables->procedures, &tables->procedure_by_code);
}

// codes/responses.json, optional: a study without it takes no response assessment.
absl::Status ParseResponses(const std::map<std::string, std::string>& files, CodeTables* tables) {
  const std::string name = "codes/responses.json";
  if (files.find(name) == files.end()) return absl::OkStatus();
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  ResponseCategory assessment;
  assessment.id = "assessment";
  auto assessment_codes = reader.Array(*doc, "assessment_codes");
  if (!assessment_codes.ok()) return assessment_codes.status();
  rapidjson::Document holder;  // ParseCodes reads a "codes" member
  holder.SetObject();
  holder.AddMember("codes", Value(**assessment_codes, holder.GetAllocator()), holder.GetAllocator());
  auto codes = ParseCodes(reader, holder);
  if (!codes.ok()) return codes.status();
  assessment.codes = *std::move(codes);
  tables->response_assessments.push_back(std::move(assessment));
  auto array = reader.Array(*doc, "categories");
  if (!array.ok()) return array.status();
  for (const Value& item : (*array)->GetArray()) {
    ResponseCategory category;
    auto id = reader.String(item, "id");
    auto category_name = reader.String(item, "name");
    if (!id.ok()) return id.status();
    if (!category_name.ok()) return category_name.status();
    auto category_codes = ParseCodes(reader, item);
    if (!category_codes.ok()) return category_codes.status();
    category.id = *id;
    category.name = *category_name;
    category.codes = *std::move(category_codes);
    tables->response_categories.push_back(std::move(category));
  }
  absl::Status status =
      IndexCodes(reader, tables->response_assessments, &tables->assessment_by_code);
  if (!status.ok()) return status;
  return IndexCodes(reader, tables->response_categories, &tables->response_by_code);
}

absl::Status ParseUnits(const std::map<std::string, std::string>& files, CodeTables* tables) {
  const std::string name = "codes/units.json";
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  auto system = reader.String(*doc, "system");
  if (!system.ok()) return system.status();
  tables->units.set_system(*system);
  auto units = reader.Array(*doc, "units");
  if (!units.ok()) return units.status();
  for (const Value& item : (*units)->GetArray()) {
    auto code = reader.String(item, "code");
    auto dimension = reader.String(item, "dimension");
    if (!code.ok()) return code.status();
    if (!dimension.ok()) return dimension.status();
    auto factor = item.FindMember("factor");
    if (factor == item.MemberEnd() || !factor->value.IsNumber() ||
        factor->value.GetDouble() <= 0) {
      return reader.Error(absl::StrCat(*code, ": 'factor' must be a number > 0"));
    }
    tables->units.AddUnit(UnitInfo{*code, *dimension, factor->value.GetDouble()});
  }
  auto aliases = reader.Array(*doc, "aliases");
  if (!aliases.ok()) return aliases.status();
  for (const Value& item : (*aliases)->GetArray()) {
    auto text = reader.String(item, "text");
    auto code = reader.String(item, "code");
    if (!text.ok()) return text.status();
    if (!code.ok()) return code.status();
    tables->units.AddAlias(*text, *code);
  }
  return absl::OkStatus();
}

absl::Status ParseAdverseEvents(const std::map<std::string, std::string>& files,
                                CodeTables* tables) {
  const std::string name = "codes/adverse-events.json";
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  auto terms = reader.Array(*doc, "terms");
  if (!terms.ok()) return terms.status();
  for (const Value& item : (*terms)->GetArray()) {
    auto term = reader.String(item, "term");
    auto code = reader.String(item, "meddra_code");
    auto soc = reader.String(item, "soc", /*required=*/false);
    for (const auto* s : {&term, &code, &soc}) {
      if (!s->ok()) return s->status();
    }
    const size_t index = tables->ctcae_terms.size();
    if (!tables->ctcae_by_meddra.emplace(*code, index).second) {
      return reader.Error(absl::StrCat("MedDRA code ", *code, " listed twice"));
    }
    tables->ctcae_by_lower_term.emplace(AsciiLower(*term), index);
    tables->ctcae_terms.push_back(CtcaeTerm{*term, *code, *soc});
  }

  // Which systems carry MedDRA codes and how seriousness is coded are study settings.
  const std::string study_name = "study.json";
  FileReader study_reader(study_name);
  auto study = ParseFile(files, study_name);
  if (!study.ok()) return study.status();
  auto settings = study->FindMember("adverseEvents");
  if (settings == study->MemberEnd() || !settings->value.IsObject()) {
    return study_reader.Error("'adverseEvents' must be an object");
  }
  auto systems = study_reader.Strings(settings->value, "meddraSystems");
  if (!systems.ok()) return systems.status();
  tables->meddra_systems = *std::move(systems);
  auto seriousness = settings->value.FindMember("seriousness");
  if (seriousness == settings->value.MemberEnd()) {
    return study_reader.Error("missing 'adverseEvents.seriousness'");
  }
  auto system = study_reader.String(seriousness->value, "system");
  auto serious = study_reader.Strings(seriousness->value, "serious");
  auto non_serious = study_reader.Strings(seriousness->value, "nonSerious");
  if (!system.ok()) return system.status();
  if (!serious.ok()) return serious.status();
  if (!non_serious.ok()) return non_serious.status();
  tables->seriousness.system = *system;
  for (const std::string& code : *serious) tables->seriousness.serious.push_back(AsciiLower(code));
  for (const std::string& code : *non_serious) {
    tables->seriousness.non_serious.push_back(AsciiLower(code));
  }
  return absl::OkStatus();
}

absl::Status ParseLocalCodes(const std::map<std::string, std::string>& files,
                             CodeTables* tables) {
  const std::string name = "codes/local-codes.json";
  FileReader reader(name);
  auto doc = ParseFile(files, name);
  if (!doc.ok()) return doc.status();
  auto mappings = reader.Array(*doc, "mappings");
  if (!mappings.ok()) return mappings.status();
  for (const Value& item : (*mappings)->GetArray()) {
    auto site = reader.String(item, "site");
    auto system = reader.String(item, "system");
    auto code = reader.String(item, "code");
    if (!site.ok()) return site.status();
    if (!system.ok()) return system.status();
    if (!code.ok()) return code.status();
    auto maps_to = item.FindMember("maps_to");
    if (maps_to == item.MemberEnd()) return reader.Error(*code + ": missing 'maps_to'");
    auto to_system = reader.String(maps_to->value, "system");
    auto to_code = reader.String(maps_to->value, "code");
    if (!to_system.ok()) return to_system.status();
    if (!to_code.ok()) return to_code.status();
    tables->local_codes.push_back(
        LocalCodeMapping{*site, *system, *code, *to_system, *to_code});
  }
  return absl::OkStatus();
}

}  // namespace

std::string CodeKey(std::string_view system, std::string_view code) {
  // '|' cannot occur in a URI without escaping, so the key is unambiguous.
  return absl::StrCat(std::string(system), "|", std::string(code));
}

absl::StatusOr<CodeTables> ParseCodeTables(const std::map<std::string, std::string>& files) {
  CodeTables tables;
  for (auto parse : {ParseDrugs, ParseLabs, ParseRoutes, ParseUnits, ParseAdverseEvents,
                     ParseLocalCodes, ParseProcedures, ParseResponses}) {
    absl::Status status = parse(files, &tables);
    if (!status.ok()) return status;
  }
  for (const std::string* unit : {&tables.default_dose_unit, &tables.dose_per_area_unit}) {
    if (tables.units.Find(*unit) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("codes/drugs.json: unit ", *unit, " is not in codes/units.json"));
    }
  }
  for (const DrugEntry& drug : tables.drugs) {
    if (tables.units.Find(drug.dose_unit) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "codes/drugs.json: ", drug.id, ": dose_unit ", drug.dose_unit, " is not in codes/units.json"));
    }
  }
  // A lab's canonical unit must be convertible to, or nothing could ever be normalised.
  for (const LabAnalyte& lab : tables.labs) {
    if (tables.units.Find(lab.unit) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("codes/labs.json: ", lab.id, ": unit ", lab.unit,
                       " is not in codes/units.json"));
    }
  }
  return tables;
}

}  // namespace trialgate::mappers
