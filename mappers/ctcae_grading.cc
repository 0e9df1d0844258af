#include "mappers/ctcae_grading.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"
#include "mappers/quantity_units.h"

namespace trialgate::mappers {
namespace {

using AnalytesById = std::map<std::string, LabAnalyte>;

absl::StatusOr<GradingRule> ParseRule(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"grade", "op", "factor", "of", "ifMissing"}));
  GradingRule rule;
  ASSIGN_OR_RETURN(const int64_t grade, object.RequiredInt("grade", Sign::kPositive, 4));
  rule.grade = static_cast<int>(grade);
  ASSIGN_OR_RETURN(rule.op, RequiredComparison(object, "op"));
  ASSIGN_OR_RETURN(rule.factor, object.RequiredNumber("factor", Sign::kPositive));
  ASSIGN_OR_RETURN(const std::string of,
                   object.RequiredOneOf("of", {"absolute", "ULN", "LLN", "baseline"}));
  rule.of = of == "absolute" ? GradeBasis::kAbsolute
            : of == "ULN"    ? GradeBasis::kUln
            : of == "LLN"    ? GradeBasis::kLln
                             : GradeBasis::kBaseline;
  if (object.Find("ifMissing")) {
    ASSIGN_OR_RETURN(const std::string missing,
                     object.RequiredOneOf("ifMissing", {"skip", "notGradable"}));
    rule.skip_if_missing = missing == "skip";
  }
  if (rule.of == GradeBasis::kAbsolute && rule.skip_if_missing) {
    return object.Problem("an absolute threshold is never missing: drop ifMissing");
  }
  return rule;
}

absl::StatusOr<GradingRules> ParseForm(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"form", "rules"}));
  GradingRules form;
  ASSIGN_OR_RETURN(const std::string name,
                   object.RequiredOneOf("form", {"any", "baselineNormal", "baselineAbnormal"}));
  form.form = name == "any"              ? GradingForm::kAny
              : name == "baselineNormal" ? GradingForm::kBaselineNormal
                                         : GradingForm::kBaselineAbnormal;
  ASSIGN_OR_RETURN(const std::vector<JsonObject> rules,
                   object.RequiredObjects("rules", Items::kAtLeastOne));
  ASSIGN_OR_RETURN(form.rules, ReadEach<GradingRule>(rules, ParseRule));
  for (size_t i = 1; i < form.rules.size(); ++i) {
    if (form.rules[i].grade > form.rules[i - 1].grade) {
      return object.Problem("rules must be listed from the highest grade down");
    }
  }
  return form;
}

absl::Status CheckForms(const JsonObject& object, const std::vector<GradingRules>& forms) {
  const bool one_any = forms.size() == 1 && forms[0].form == GradingForm::kAny;
  const bool both_baseline = forms.size() == 2 &&
                             forms[0].form == GradingForm::kBaselineNormal &&
                             forms[1].form == GradingForm::kBaselineAbnormal;
  if (one_any || both_baseline) return absl::OkStatus();
  return object.Problem(
      "forms must be one 'any' form, or 'baselineNormal' then 'baselineAbnormal'");
}

absl::StatusOr<GradedCode> ParseCode(const JsonObject& object) {
  GradedCode code;
  ASSIGN_OR_RETURN(code.code, object.RequiredNonEmptyString("code"));
  ASSIGN_OR_RETURN(code.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(code.unconfirmed, object.OptionalBool("unconfirmed", false));
  return code;
}

// The grading file's own "analytes": conversion data for labs the study's table lacks.
absl::StatusOr<AnalytesById> ParseOwnAnalytes(const JsonObject& top,
                                                                   const CodeTables& tables) {
  AnalytesById out;
  ASSIGN_OR_RETURN(const std::vector<JsonObject> analytes, top.OptionalObjects("analytes"));
  for (const JsonObject& object : analytes) {
    LabAnalyte analyte;
    ASSIGN_OR_RETURN(analyte.id, object.RequiredNonEmptyString("id"));
    ASSIGN_OR_RETURN(analyte.unit, object.RequiredNonEmptyString("unit"));
    if (tables.units.Find(analyte.unit) == nullptr) {
      return object.Problem(absl::StrCat("unit ", analyte.unit, " is not in codes/units.json"));
    }
    if (std::optional<JsonValue> molar = object.Find("molar_mass_g_per_mol")) {
      ASSIGN_OR_RETURN(analyte.molar_mass_g_per_mol, molar->Number(Sign::kPositive));
    }
    ASSIGN_OR_RETURN(analyte.unit_factors, ParseUnitFactors(object));
    const std::string id = analyte.id;
    if (!out.emplace(id, std::move(analyte)).second) {
      return object.Problem(absl::StrCat("analyte ", id, " is listed twice"));
    }
  }
  return out;
}

absl::StatusOr<CtcaeGradingTerm> ParseTerm(const JsonObject& object, const CodeTables& tables,
                                           const AnalytesById& own) {
  CtcaeGradingTerm term;
  ASSIGN_OR_RETURN(term.term, object.RequiredNonEmptyString("term"));
  ASSIGN_OR_RETURN(term.meddra_code, object.RequiredNonEmptyString("meddraCode"));
  auto known = tables.ctcae_by_meddra.find(term.meddra_code);
  if (known == tables.ctcae_by_meddra.end() ||
      tables.ctcae_terms[known->second].term != term.term) {
    return object.Problem(absl::StrCat("MedDRA code ", term.meddra_code,
                                       " is not the CTCAE term '", term.term,
                                       "' of codes/adverse-events.json"));
  }
  ASSIGN_OR_RETURN(const std::string direction, object.RequiredOneOf("direction", {"low", "high"}));
  term.low = direction == "low";
  ASSIGN_OR_RETURN(const std::vector<JsonObject> codes,
                   object.RequiredObjects("loinc", Items::kAtLeastOne));
  ASSIGN_OR_RETURN(term.loinc, ReadEach<GradedCode>(codes, ParseCode));
  ASSIGN_OR_RETURN(term.unit, object.RequiredNonEmptyString("unit"));

  ASSIGN_OR_RETURN(const std::string analyte_id, object.RequiredNonEmptyString("analyte"));
  const LabAnalyte* analyte = nullptr;
  for (const LabAnalyte& lab : tables.labs) {
    if (lab.id == analyte_id) analyte = &lab;
  }
  if (auto it = own.find(analyte_id); analyte == nullptr && it != own.end()) {
    analyte = &it->second;
  }
  if (analyte == nullptr) {
    return object.Problem(absl::StrCat("analyte ", analyte_id,
                                       " is neither in codes/labs.json nor in this file's analytes"));
  }
  term.analyte = *analyte;
  if (!ToAnalyteUnit(1, term.unit, term.analyte, tables.units)) {
    return object.Problem(absl::StrCat("unit ", term.unit, " does not convert to ",
                                       term.analyte.unit, ", the unit of analyte ", analyte_id));
  }

  ASSIGN_OR_RETURN(const std::vector<std::string> requires_limits,
                   object.OptionalStrings("requires"));
  for (const std::string& limit : requires_limits) {
    if (limit == "ULN") {
      term.requires_uln = true;
    } else if (limit == "LLN") {
      term.requires_lln = true;
    } else {
      return object.Problem(absl::StrCat("requires lists '", limit, "': only ULN and LLN"));
    }
  }
  ASSIGN_OR_RETURN(const std::vector<JsonObject> forms,
                   object.RequiredObjects("forms", Items::kAtLeastOne));
  ASSIGN_OR_RETURN(term.forms, ReadEach<GradingRules>(forms, ParseForm));
  RETURN_IF_ERROR(CheckForms(object, term.forms));
  ASSIGN_OR_RETURN(term.worst_case, object.OptionalNonEmptyString("worstCase"));
  ASSIGN_OR_RETURN(term.lab_cannot_grade, object.OptionalNonEmptyString("labCannotGrade"));
  ASSIGN_OR_RETURN(term.source, object.RequiredNonEmptyString("source"));
  return term;
}

absl::StatusOr<CalciumCorrection> ParseCorrection(const JsonObject& object,
                                                  const CodeTables& tables) {
  CalciumCorrection correction;
  ASSIGN_OR_RETURN(correction.albumin_loinc,
                   object.RequiredStrings("albuminLoinc", Items::kAtLeastOne));
  ASSIGN_OR_RETURN(correction.calcium_unit, object.RequiredNonEmptyString("calciumUnit"));
  ASSIGN_OR_RETURN(correction.albumin_unit, object.RequiredNonEmptyString("albuminUnit"));
  for (const std::string* unit : {&correction.calcium_unit, &correction.albumin_unit}) {
    if (tables.units.Find(*unit) == nullptr) {
      return object.Problem(absl::StrCat("unit ", *unit, " is not in codes/units.json"));
    }
  }
  ASSIGN_OR_RETURN(correction.normal_albumin,
                   object.RequiredNumber("normalAlbumin", Sign::kPositive));
  ASSIGN_OR_RETURN(correction.factor, object.RequiredNumber("factor", Sign::kPositive));
  ASSIGN_OR_RETURN(correction.formula, object.RequiredNonEmptyString("formula"));
  ASSIGN_OR_RETURN(correction.source, object.RequiredNonEmptyString("source"));
  return correction;
}

}  // namespace

const char* ComparisonText(Comparison op) {
  switch (op) {
    case Comparison::kLess: return "<";
    case Comparison::kLessOrEqual: return "<=";
    case Comparison::kGreater: return ">";
    case Comparison::kGreaterOrEqual: return ">=";
  }
  return "?";
}

absl::StatusOr<Comparison> RequiredComparison(const JsonObject& object, std::string_view key) {
  ASSIGN_OR_RETURN(const std::string op, object.RequiredOneOf(key, {"<", "<=", ">", ">="}));
  return op == "<"    ? Comparison::kLess
         : op == "<=" ? Comparison::kLessOrEqual
         : op == ">"  ? Comparison::kGreater
                      : Comparison::kGreaterOrEqual;
}

absl::StatusOr<CtcaeGradingTable> ParseCtcaeGrading(std::string_view text,
                                                    const CodeTables& tables) {
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse(kCtcaeGradingFile, text));
  const JsonObject& top = file.top();
  CtcaeGradingTable table;
  ASSIGN_OR_RETURN(table.version, top.RequiredNonEmptyString("version"));
  ASSIGN_OR_RETURN(table.source, top.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(const AnalytesById own, ParseOwnAnalytes(top, tables));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> terms,
                   top.RequiredObjects("terms", Items::kAtLeastOne));
  ASSIGN_OR_RETURN(table.terms,
                   ReadEach<CtcaeGradingTerm>(terms, [&](const JsonObject& object) {
                     return ParseTerm(object, tables, own);
                   }));
  ASSIGN_OR_RETURN(const std::optional<JsonObject> correction,
                   top.OptionalObject("calciumCorrection"));
  if (correction) {
    ASSIGN_OR_RETURN(table.calcium_correction, ParseCorrection(*correction, tables));
    ASSIGN_OR_RETURN(const std::vector<std::string> corrected,
                     correction->RequiredStrings("terms", Items::kAtLeastOne));
    for (const std::string& name : corrected) {
      bool found = false;
      for (CtcaeGradingTerm& term : table.terms) {
        if (term.term != name) continue;
        if (!ToAnalyteUnit(1, table.calcium_correction->calcium_unit, term.analyte,
                           tables.units)) {
          return correction->Problem(absl::StrCat(
              "term ", name, " is not graded from an analyte in ",
              table.calcium_correction->calcium_unit));
        }
        term.corrected_calcium = true;
        found = true;
      }
      if (!found) {
        return correction->Problem(absl::StrCat("term ", name, " is not in terms"));
      }
    }
  }
  return table;
}

}  // namespace trialgate::mappers
