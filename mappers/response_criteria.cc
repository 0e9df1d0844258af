#include "mappers/response_criteria.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"
#include "mappers/units.h"

namespace trialgate::mappers {
namespace {

// {op, value, unit, source}, `value` converted from the file's unit to `unit`.
absl::StatusOr<ResponseThreshold> ParseThreshold(const JsonObject& group, std::string_view name,
                                                 std::string_view unit,
                                                 const UnitTable& units) {
  ASSIGN_OR_RETURN(const JsonObject object, group.RequiredObject(name));
  RETURN_IF_ERROR(object.OnlyKeys({"op", "value", "unit", "source", "_comment"}));
  ResponseThreshold threshold;
  ASSIGN_OR_RETURN(threshold.op, RequiredComparison(object, "op"));
  ASSIGN_OR_RETURN(const double value, object.RequiredNumber("value", Sign::kZeroOrMore));
  ASSIGN_OR_RETURN(const std::string written_unit, object.RequiredNonEmptyString("unit"));
  std::optional<double> converted = units.Find(written_unit) == nullptr
                                        ? std::nullopt
                                        : units.Convert(value, written_unit, unit);
  if (!converted) {
    return object.Problem(absl::StrCat("unit ", written_unit, " does not convert to ", std::string(unit),
                                       " through codes/units.json"));
  }
  threshold.value = *converted;
  threshold.unit = std::string(unit);
  threshold.written = absl::StrCat(ComparisonText(threshold.op), " ", value, " ", written_unit);
  ASSIGN_OR_RETURN(threshold.source, object.RequiredNonEmptyString("source"));
  return threshold;
}

// A setting {value, choices, default, source}: value and default must be among the choices,
// and the choices among what the engine implements (`known`).
absl::StatusOr<std::string> ParseChoice(const JsonObject& settings, std::string_view name,
                                        std::initializer_list<std::string_view> known) {
  ASSIGN_OR_RETURN(const JsonObject object, settings.RequiredObject(name));
  RETURN_IF_ERROR(object.OnlyKeys({"value", "choices", "default", "source", "_comment"}));
  ASSIGN_OR_RETURN(const std::string value, object.RequiredOneOf("value", known));
  ASSIGN_OR_RETURN(const std::vector<std::string> choices,
                   object.RequiredStrings("choices", Items::kAtLeastOne));
  for (const std::string& choice : choices) {
    if (std::find(known.begin(), known.end(), choice) == known.end()) {
      return object.Problem(absl::StrCat("choice '", choice, "' is not implemented"));
    }
  }
  ASSIGN_OR_RETURN(const std::string fallback, object.RequiredOneOf("default", known));
  for (const std::string* pick : {&value, &fallback}) {
    if (std::find(choices.begin(), choices.end(), *pick) == choices.end()) {
      return object.Problem(absl::StrCat("'", *pick, "' is not one of its choices"));
    }
  }
  RETURN_IF_ERROR(object.RequiredNonEmptyString("source").status());
  return value;
}

absl::StatusOr<double> ParseSerumMeasurable(const JsonObject& settings) {
  ASSIGN_OR_RETURN(const JsonObject object, settings.RequiredObject("serumMeasurableGdl"));
  RETURN_IF_ERROR(object.OnlyKeys({"value", "choices", "default", "source", "_comment"}));
  ASSIGN_OR_RETURN(const double value, object.RequiredNumber("value", Sign::kPositive));
  ASSIGN_OR_RETURN(const double fallback, object.RequiredNumber("default", Sign::kPositive));
  ASSIGN_OR_RETURN(const std::vector<JsonValue> items,
                   object.RequiredArray("choices", Items::kAtLeastOne));
  std::vector<double> choices;
  for (const JsonValue& item : items) {
    ASSIGN_OR_RETURN(const double choice, item.Number(Sign::kPositive));
    choices.push_back(choice);
  }
  for (const double pick : {value, fallback}) {
    if (std::find(choices.begin(), choices.end(), pick) == choices.end()) {
      return object.Problem(absl::StrCat(pick, " g/dL is not one of its choices"));
    }
  }
  RETURN_IF_ERROR(object.RequiredNonEmptyString("source").status());
  return value;
}

absl::Status ParseMeasurable(const JsonObject& top, const UnitTable& units,
                             ResponseCriteria* out) {
  ASSIGN_OR_RETURN(const JsonObject group, top.RequiredObject("measurable"));
  RETURN_IF_ERROR(group.OnlyKeys(
      {"urineMProtein", "involvedFlc", "flcRatioNormal", "marrowPlasmaCells", "_comment"}));
  ASSIGN_OR_RETURN(out->urine_measurable,
                   ParseThreshold(group, "urineMProtein", "mg/(24.h)", units));
  ASSIGN_OR_RETURN(out->involved_flc_measurable,
                   ParseThreshold(group, "involvedFlc", "mg/L", units));
  ASSIGN_OR_RETURN(out->marrow_evaluable,
                   ParseThreshold(group, "marrowPlasmaCells", "%", units));
  ASSIGN_OR_RETURN(const JsonObject ratio, group.RequiredObject("flcRatioNormal"));
  RETURN_IF_ERROR(ratio.OnlyKeys({"low", "high", "unit", "source", "_comment"}));
  ASSIGN_OR_RETURN(out->flc_ratio_normal_low, ratio.RequiredNumber("low", Sign::kPositive));
  ASSIGN_OR_RETURN(out->flc_ratio_normal_high, ratio.RequiredNumber("high", Sign::kPositive));
  if (out->flc_ratio_normal_low >= out->flc_ratio_normal_high) {
    return ratio.Problem("low must be below high");
  }
  RETURN_IF_ERROR(ratio.RequiredOneOf("unit", {"{ratio}"}).status());
  RETURN_IF_ERROR(ratio.RequiredNonEmptyString("source").status());
  return absl::OkStatus();
}

absl::Status ParseCategories(const JsonObject& top, const UnitTable& units,
                             ResponseCriteria* out) {
  ASSIGN_OR_RETURN(const JsonObject group, top.RequiredObject("categories"));
  struct Named {
    const char* name;
    const char* unit;
    ResponseThreshold* into;
  };
  const Named named[] = {
      {"crMarrowPlasmaCells", "%", &out->cr_marrow},
      {"vgprSerumReduction", "%", &out->vgpr_serum_reduction},
      {"vgprUrine", "mg/(24.h)", &out->vgpr_urine},
      {"prSerumReduction", "%", &out->pr_serum_reduction},
      {"prUrineReduction", "%", &out->pr_urine_reduction},
      {"prUrine", "mg/(24.h)", &out->pr_urine},
      {"mrSerumReduction", "%", &out->mr_serum_reduction},
      {"mrUrineReduction", "%", &out->mr_urine_reduction},
      {"vgprDflcReduction", "%", &out->vgpr_dflc_reduction},
      {"prDflcReduction", "%", &out->pr_dflc_reduction},
      {"prMarrowReduction", "%", &out->pr_marrow_reduction},
  };
  RETURN_IF_ERROR(group.OnlyKeys(
      {"crMarrowPlasmaCells", "vgprSerumReduction", "vgprUrine", "prSerumReduction",
       "prUrineReduction", "prUrine", "mrSerumReduction", "mrUrineReduction",
       "vgprDflcReduction", "prDflcReduction", "prMarrowReduction", "_comment"}));
  for (const Named& n : named) {
    ASSIGN_OR_RETURN(*n.into, ParseThreshold(group, n.name, n.unit, units));
  }
  return absl::OkStatus();
}

absl::Status ParseProgression(const JsonObject& top, const UnitTable& units,
                              ResponseCriteria* out) {
  ASSIGN_OR_RETURN(const JsonObject group, top.RequiredObject("progression"));
  struct Named {
    const char* name;
    const char* unit;
    ResponseThreshold* into;
  };
  const Named named[] = {
      {"increaseFromNadir", "%", &out->pd_increase_percent},
      {"serumIncrease", "g/dL", &out->pd_serum_increase},
      {"serumHighNadir", "g/dL", &out->pd_serum_high_nadir},
      {"serumIncreaseHighNadir", "g/dL", &out->pd_serum_increase_high_nadir},
      {"urineIncrease", "mg/(24.h)", &out->pd_urine_increase},
      {"dflcIncrease", "mg/L", &out->pd_dflc_increase},
      {"marrowIncrease", "%", &out->pd_marrow_increase},
  };
  RETURN_IF_ERROR(group.OnlyKeys({"increaseFromNadir", "serumIncrease", "serumHighNadir",
                                  "serumIncreaseHighNadir", "urineIncrease", "dflcIncrease",
                                  "marrowIncrease", "_comment"}));
  for (const Named& n : named) {
    ASSIGN_OR_RETURN(*n.into, ParseThreshold(group, n.name, n.unit, units));
  }
  return absl::OkStatus();
}

// "system|code" with both parts present.
absl::StatusOr<std::vector<std::string>> ParseCodes(const JsonObject& object,
                                                    std::string_view name) {
  ASSIGN_OR_RETURN(std::vector<std::string> codes,
                   object.RequiredStrings(name, Items::kAtLeastOne));
  for (const std::string& code : codes) {
    const size_t bar = code.find('|');
    if (bar == std::string::npos || bar == 0 || bar + 1 == code.size()) {
      return object.Problem(
          absl::StrCat(std::string(name), " lists '", code, "': write codes as system|code"));
    }
  }
  return codes;
}

absl::StatusOr<std::vector<std::string>> ParseTexts(const JsonObject& object,
                                                    std::string_view name) {
  ASSIGN_OR_RETURN(std::vector<std::string> texts,
                   object.RequiredStrings(name, Items::kAtLeastOne));
  for (std::string& text : texts) text = AsciiLower(text);
  return texts;
}

absl::Status ParseImmunofixation(const JsonObject& top, ResponseCriteria* out) {
  ASSIGN_OR_RETURN(const JsonObject object, top.RequiredObject("immunofixation"));
  RETURN_IF_ERROR(object.OnlyKeys({"negativeCodes", "positiveCodes", "negativeTexts",
                                   "positiveTexts", "source", "_comment"}));
  ASSIGN_OR_RETURN(out->ife_negative_codes, ParseCodes(object, "negativeCodes"));
  ASSIGN_OR_RETURN(out->ife_positive_codes, ParseCodes(object, "positiveCodes"));
  ASSIGN_OR_RETURN(out->ife_negative_texts, ParseTexts(object, "negativeTexts"));
  ASSIGN_OR_RETURN(out->ife_positive_texts, ParseTexts(object, "positiveTexts"));
  // A text or code read both ways would make a result depend on which list is tried first.
  for (const std::string& text : out->ife_negative_texts) {
    if (std::find(out->ife_positive_texts.begin(), out->ife_positive_texts.end(), text) !=
        out->ife_positive_texts.end()) {
      return object.Problem(absl::StrCat("'", text, "' is both negative and positive"));
    }
  }
  for (const std::string& code : out->ife_negative_codes) {
    if (std::find(out->ife_positive_codes.begin(), out->ife_positive_codes.end(), code) !=
        out->ife_positive_codes.end()) {
      return object.Problem(absl::StrCat("'", code, "' is both negative and positive"));
    }
  }
  RETURN_IF_ERROR(object.RequiredNonEmptyString("source").status());
  return absl::OkStatus();
}

absl::Status CheckSources(const JsonObject& top) {
  ASSIGN_OR_RETURN(const std::vector<JsonObject> sources,
                   top.RequiredObjects("sources", Items::kAtLeastOne));
  for (const JsonObject& source : sources) {
    RETURN_IF_ERROR(source.OnlyKeys({"key", "reference", "url"}));
    RETURN_IF_ERROR(source.RequiredNonEmptyString("key").status());
    RETURN_IF_ERROR(source.RequiredNonEmptyString("reference").status());
    RETURN_IF_ERROR(source.RequiredNonEmptyString("url").status());
  }
  return absl::OkStatus();
}

}  // namespace

bool IsResponseMarker(std::string_view analyte) {
  for (const char* marker : kResponseMarkerAnalytes) {
    if (analyte == marker) return true;
  }
  return false;
}

absl::StatusOr<ResponseCriteria> ParseResponseCriteria(std::string_view text,
                                                       const CodeTables& tables) {
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse(kResponseCriteriaFile, text));
  const JsonObject& top = file.top();
  RETURN_IF_ERROR(top.OnlyKeys({"_comment", "version", "sources", "settings", "measurable",
                                "categories", "progression", "immunofixation"}));
  for (const char* analyte : kResponseMarkerAnalytes) {
    if (std::none_of(tables.labs.begin(), tables.labs.end(),
                     [&](const LabAnalyte& lab) { return lab.id == analyte; })) {
      return JsonFileError(kResponseCriteriaFile,
                           absl::StrCat("analyte ", analyte, " is not in codes/labs.json"));
    }
  }
  ResponseCriteria criteria;
  criteria.present = true;
  ASSIGN_OR_RETURN(criteria.version, top.RequiredNonEmptyString("version"));
  RETURN_IF_ERROR(CheckSources(top));
  ASSIGN_OR_RETURN(const JsonObject settings, top.RequiredObject("settings"));
  RETURN_IF_ERROR(
      settings.OnlyKeys({"serumMeasurableGdl", "nadir", "baselineAfterTransplant", "_comment"}));
  ASSIGN_OR_RETURN(criteria.serum_measurable_gdl, ParseSerumMeasurable(settings));
  ASSIGN_OR_RETURN(const std::string nadir,
                   ParseChoice(settings, "nadir", {"lowest", "lowestConfirmed"}));
  criteria.nadir = nadir == "lowest" ? NadirRule::kLowest : NadirRule::kLowestConfirmed;
  ASSIGN_OR_RETURN(const std::string baseline,
                   ParseChoice(settings, "baselineAfterTransplant", {"keep", "reset"}));
  criteria.baseline_after_transplant =
      baseline == "keep" ? TransplantBaseline::kKeep : TransplantBaseline::kReset;
  RETURN_IF_ERROR(ParseMeasurable(top, tables.units, &criteria));
  RETURN_IF_ERROR(ParseCategories(top, tables.units, &criteria));
  RETURN_IF_ERROR(ParseProgression(top, tables.units, &criteria));
  RETURN_IF_ERROR(ParseImmunofixation(top, &criteria));
  return criteria;
}

}  // namespace trialgate::mappers
