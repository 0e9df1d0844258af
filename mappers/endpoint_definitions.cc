#include "mappers/endpoint_definitions.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/json_reader.h"
#include "gateway/common/status_macros.h"

namespace trialgate::mappers {
namespace {

template <typename E>
struct Spelling {
  const char* name;
  E value;
};

constexpr Spelling<Population> kPopulations[] = {
    {"all_consented", Population::kAllConsented},
    {"treated", Population::kTreated},
    {"response_evaluable", Population::kResponseEvaluable},
    {"asct_recipients", Population::kAsctRecipients},
    {"mobilisation_attempted", Population::kMobilisationAttempted},
    {"confirmed_responders", Population::kConfirmedResponders},
};
constexpr Spelling<EndpointEvent> kEvents[] = {
    {"confirmed_progression", EndpointEvent::kConfirmedProgression},
    {"death", EndpointEvent::kDeath},
    {"response", EndpointEvent::kResponse},
};
constexpr Spelling<CensoringRule> kRules[] = {
    {"no_post_baseline_assessment", CensoringRule::kNoPostBaselineAssessment},
    {"new_anti_myeloma_therapy", CensoringRule::kNewAntiMyelomaTherapy},
    {"withdrawal", CensoringRule::kWithdrawal},
    {"competing_event", CensoringRule::kCompetingEvent},
    {"no_event", CensoringRule::kNoEvent},
};
constexpr Spelling<CensorAt> kCensorAt[] = {
    {"origin", CensorAt::kOrigin},
    {"last_adequate_assessment", CensorAt::kLastAdequateAssessment},
    {"last_known_alive", CensorAt::kLastKnownAlive},
};
constexpr Spelling<TimeOrigin> kOrigins[] = {
    {"consent", TimeOrigin::kConsent},
    {"first_response", TimeOrigin::kFirstResponse},
};
constexpr Spelling<SurvivalCi> kCis[] = {
    {"log-log", SurvivalCi::kLogLog},
    {"log", SurvivalCi::kLog},
};
constexpr Spelling<RateKind> kRateKinds[] = {
    {"best_response", RateKind::kBestResponse},
    {"response_in_window", RateKind::kResponseInWindow},
    {"harvest", RateKind::kHarvest},
};
constexpr Spelling<WindowAnchor> kAnchors[] = {
    {"asct_day0", WindowAnchor::kAsctDay0},
    {"cycle6_end", WindowAnchor::kCycle6End},
};
constexpr Spelling<PhaseStart> kPhaseStarts[] = {
    {"first_dose", PhaseStart::kFirstDose},
    {"asct_day0", PhaseStart::kAsctDay0},
    {"maintenance_start", PhaseStart::kMaintenanceStart},
};
constexpr const char* kCategories[] = {"sCR", "CR", "VGPR", "PR", "MR", "SD", "PD"};

template <typename E, size_t N>
absl::StatusOr<E> ReadEnum(const JsonValue& value, const Spelling<E> (&table)[N]) {
  ASSIGN_OR_RETURN(const std::string text, value.String());
  for (const Spelling<E>& s : table) {
    if (s.name == text) return s.value;
  }
  std::vector<std::string> names;
  for (const Spelling<E>& s : table) names.push_back(s.name);
  return value.Error(
      absl::StrCat("must be one of ", absl::StrJoin(names, ", "), ", not '", text, "'"));
}

template <typename E, size_t N>
absl::StatusOr<E> RequiredEnum(const JsonObject& object, std::string_view key,
                               const Spelling<E> (&table)[N]) {
  ASSIGN_OR_RETURN(const JsonValue value, object.Required(key));
  return ReadEnum(value, table);
}

template <typename E, size_t N>
absl::StatusOr<std::vector<E>> EnumList(const JsonObject& object, std::string_view key,
                                        const Spelling<E> (&table)[N], bool required) {
  std::vector<JsonValue> items;
  if (required) {
    ASSIGN_OR_RETURN(items, object.RequiredArray(key, Items::kAtLeastOne));
  } else {
    ASSIGN_OR_RETURN(items, object.OptionalArray(key));
  }
  std::vector<E> out;
  for (const JsonValue& item : items) {
    ASSIGN_OR_RETURN(E value, ReadEnum(item, table));
    if (std::find(out.begin(), out.end(), value) != out.end()) {
      return item.Error("repeats an earlier entry");
    }
    out.push_back(value);
  }
  return out;
}

template <typename E, size_t N>
const char* NameOf(E value, const Spelling<E> (&table)[N]) {
  for (const Spelling<E>& s : table) {
    if (s.value == value) return s.name;
  }
  return "?";
}

// Months as positive numbers, e.g. landmarkMonths.
absl::StatusOr<std::vector<double>> Months(const JsonObject& object, std::string_view key,
                                           bool allow_zero) {
  ASSIGN_OR_RETURN(const std::vector<JsonValue> items, object.OptionalArray(key));
  std::vector<double> out;
  for (const JsonValue& item : items) {
    ASSIGN_OR_RETURN(const double months,
                     item.Number(allow_zero ? Sign::kZeroOrMore : Sign::kPositive));
    out.push_back(months);
  }
  return out;
}

absl::StatusOr<CensoringStep> ParseCensoring(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"rule", "censorAt", "source", "unconfirmed", "note"}));
  CensoringStep step;
  ASSIGN_OR_RETURN(step.rule, RequiredEnum(object, "rule", kRules));
  ASSIGN_OR_RETURN(step.censor_at, RequiredEnum(object, "censorAt", kCensorAt));
  ASSIGN_OR_RETURN(step.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(step.unconfirmed, object.OptionalBool("unconfirmed", false));
  return step;
}

absl::StatusOr<TimeToEventDefinition> ParseTimeToEvent(const JsonObject& object) {
  RETURN_IF_ERROR(
      object.OnlyKeys({"id", "name", "population", "origin", "events", "competingEvents",
                       "censoring", "missedAssessments", "confidence", "landmarkMonths",
                       "atRiskMonths", "source", "unconfirmed", "note"}));
  TimeToEventDefinition out;
  ASSIGN_OR_RETURN(out.id, object.RequiredNonEmptyString("id"));
  ASSIGN_OR_RETURN(out.name, object.RequiredNonEmptyString("name"));
  ASSIGN_OR_RETURN(out.population, RequiredEnum(object, "population", kPopulations));
  ASSIGN_OR_RETURN(out.origin, RequiredEnum(object, "origin", kOrigins));
  ASSIGN_OR_RETURN(out.events, EnumList(object, "events", kEvents, true));
  ASSIGN_OR_RETURN(out.competing_events, EnumList(object, "competingEvents", kEvents, false));
  for (EndpointEvent event : out.competing_events) {
    if (std::find(out.events.begin(), out.events.end(), event) != out.events.end()) {
      return object.Problem(
          absl::StrCat("competingEvents repeats the event ", NameOf(event, kEvents)));
    }
  }
  ASSIGN_OR_RETURN(const std::vector<JsonObject> censoring,
                   object.RequiredObjects("censoring", Items::kAtLeastOne));
  ASSIGN_OR_RETURN(out.censoring, ReadEach<CensoringStep>(censoring, ParseCensoring));
  for (size_t i = 0; i + 1 < out.censoring.size(); ++i) {
    if (out.censoring[i].rule == CensoringRule::kNoEvent) {
      return censoring[i].Problem("no_event is the catch-all and must be the last rule");
    }
  }
  if (out.censoring.back().rule != CensoringRule::kNoEvent) {
    return censoring.back().Problem(
        "the last censoring rule must be no_event, so that every subject without an event has a "
        "reason");
  }
  const bool has_competing_rule =
      std::any_of(out.censoring.begin(), out.censoring.end(),
                  [](const CensoringStep& s) { return s.rule == CensoringRule::kCompetingEvent; });
  if (has_competing_rule != !out.competing_events.empty()) {
    return object.Problem("competingEvents and a competing_event censoring rule go together");
  }
  const bool response_event =
      std::find(out.events.begin(), out.events.end(), EndpointEvent::kResponse) != out.events.end();
  if (out.origin == TimeOrigin::kFirstResponse &&
      (response_event || out.population != Population::kConfirmedResponders)) {
    return object.Problem(
        "origin first_response needs population confirmed_responders and no response event");
  }
  ASSIGN_OR_RETURN(const std::optional<JsonObject> missed,
                   object.OptionalObject("missedAssessments"));
  if (missed) {
    RETURN_IF_ERROR(missed->OnlyKeys({"count", "intervalDays", "source", "unconfirmed", "note"}));
    MissedAssessmentsRule& rule = out.missed_assessments;
    rule.enabled = true;
    ASSIGN_OR_RETURN(const int64_t count, missed->RequiredInt("count", Sign::kPositive, 12));
    ASSIGN_OR_RETURN(const int64_t interval,
                     missed->RequiredInt("intervalDays", Sign::kPositive, 366));
    rule.count = static_cast<int>(count);
    rule.interval_days = static_cast<int>(interval);
    ASSIGN_OR_RETURN(rule.source, missed->RequiredNonEmptyString("source"));
    ASSIGN_OR_RETURN(rule.unconfirmed, missed->OptionalBool("unconfirmed", false));
  }
  ASSIGN_OR_RETURN(const std::string ci, object.RequiredOneOf("confidence", {"log-log", "log"}));
  out.confidence = ci == "log" ? SurvivalCi::kLog : SurvivalCi::kLogLog;
  ASSIGN_OR_RETURN(out.landmark_months, Months(object, "landmarkMonths", false));
  ASSIGN_OR_RETURN(out.at_risk_months, Months(object, "atRiskMonths", true));
  ASSIGN_OR_RETURN(out.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(out.unconfirmed, object.OptionalBool("unconfirmed", false));
  ASSIGN_OR_RETURN(out.note, object.OptionalNonEmptyString("note"));
  return out;
}

absl::StatusOr<DayWindow> ParseWindow(const JsonObject& object) {
  RETURN_IF_ERROR(
      object.OnlyKeys({"anchor", "fromDays", "toDays", "source", "unconfirmed", "note"}));
  DayWindow window;
  ASSIGN_OR_RETURN(window.anchor, RequiredEnum(object, "anchor", kAnchors));
  ASSIGN_OR_RETURN(const int64_t from, object.RequiredInt("fromDays", Sign::kAny, 3660));
  ASSIGN_OR_RETURN(const int64_t to, object.RequiredInt("toDays", Sign::kAny, 3660));
  if (from < -3660) return object.Error("fromDays must be at least -3660");
  if (to < from) return object.Problem("toDays is before fromDays");
  window.from_days = static_cast<int>(from);
  window.to_days = static_cast<int>(to);
  ASSIGN_OR_RETURN(window.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(window.unconfirmed, object.OptionalBool("unconfirmed", false));
  return window;
}

absl::StatusOr<RateDefinition> ParseRate(const JsonObject& object) {
  RETURN_IF_ERROR(
      object.OnlyKeys({"id", "name", "kind", "populations", "categories", "requireConfirmed",
                       "window", "cd34PerKgGreaterThan", "source", "unconfirmed", "note"}));
  RateDefinition out;
  ASSIGN_OR_RETURN(out.id, object.RequiredNonEmptyString("id"));
  ASSIGN_OR_RETURN(out.name, object.RequiredNonEmptyString("name"));
  ASSIGN_OR_RETURN(out.kind, RequiredEnum(object, "kind", kRateKinds));
  ASSIGN_OR_RETURN(out.populations, EnumList(object, "populations", kPopulations, true));
  if (out.kind == RateKind::kHarvest) {
    if (object.Find("categories") || object.Find("window") || object.Find("requireConfirmed")) {
      return object.Problem("a harvest rate has no categories, window or requireConfirmed");
    }
    ASSIGN_OR_RETURN(out.cd34_per_kg_greater_than,
                     object.RequiredNumber("cd34PerKgGreaterThan", Sign::kPositive));
  } else {
    if (object.Find("cd34PerKgGreaterThan")) {
      return object.Problem("only a harvest rate has cd34PerKgGreaterThan");
    }
    ASSIGN_OR_RETURN(const std::vector<JsonValue> categories,
                     object.RequiredArray("categories", Items::kAtLeastOne));
    for (const JsonValue& item : categories) {
      ASSIGN_OR_RETURN(std::string category, item.NonEmptyString());
      if (std::find(std::begin(kCategories), std::end(kCategories), category) ==
          std::end(kCategories)) {
        return item.Error(absl::StrCat("must be an IMWG category (",
                                       absl::StrJoin(kCategories, ", "), "), not '", category,
                                       "'"));
      }
      out.categories.push_back(std::move(category));
    }
    ASSIGN_OR_RETURN(out.require_confirmed, object.RequiredBool("requireConfirmed"));
    const bool windowed = out.kind == RateKind::kResponseInWindow;
    if (windowed) {
      ASSIGN_OR_RETURN(const JsonObject window, object.RequiredObject("window"));
      ASSIGN_OR_RETURN(out.window, ParseWindow(window));
    } else if (object.Find("window")) {
      return object.Problem("only a response_in_window rate has a window");
    }
  }
  ASSIGN_OR_RETURN(out.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(out.unconfirmed, object.OptionalBool("unconfirmed", false));
  ASSIGN_OR_RETURN(out.note, object.OptionalNonEmptyString("note"));
  return out;
}

absl::StatusOr<TreatmentPhase> ParsePhase(const JsonObject& object) {
  RETURN_IF_ERROR(
      object.OnlyKeys({"id", "name", "startsAt", "offsetDays", "source", "unconfirmed", "note"}));
  TreatmentPhase phase;
  ASSIGN_OR_RETURN(phase.id, object.RequiredNonEmptyString("id"));
  ASSIGN_OR_RETURN(phase.name, object.RequiredNonEmptyString("name"));
  ASSIGN_OR_RETURN(phase.starts_at, RequiredEnum(object, "startsAt", kPhaseStarts));
  ASSIGN_OR_RETURN(const int64_t offset, object.OptionalInt("offsetDays", 0, Sign::kAny, 366));
  if (offset < -366) return object.Error("offsetDays must be at least -366");
  phase.offset_days = static_cast<int>(offset);
  ASSIGN_OR_RETURN(phase.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(phase.unconfirmed, object.OptionalBool("unconfirmed", false));
  return phase;
}

absl::StatusOr<AdverseEventDefinition> ParseAdverseEvents(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"population", "endWindowDays", "endWindowUnconfirmed",
                                   "missingOnsetIsTreatmentEmergent", "severeGradeAtLeast",
                                   "phases", "source", "note"}));
  AdverseEventDefinition out;
  ASSIGN_OR_RETURN(out.population, RequiredEnum(object, "population", kPopulations));
  if (out.population != Population::kTreated) {
    return object.Problem("the TEAE population is the safety set, treated");
  }
  ASSIGN_OR_RETURN(const int64_t window,
                   object.RequiredInt("endWindowDays", Sign::kZeroOrMore, 3660));
  out.end_window_days = static_cast<int>(window);
  ASSIGN_OR_RETURN(out.end_window_unconfirmed, object.OptionalBool("endWindowUnconfirmed", false));
  ASSIGN_OR_RETURN(out.missing_onset_is_treatment_emergent,
                   object.RequiredBool("missingOnsetIsTreatmentEmergent"));
  ASSIGN_OR_RETURN(const int64_t grade,
                   object.RequiredInt("severeGradeAtLeast", Sign::kPositive, 5));
  out.severe_grade_at_least = static_cast<int>(grade);
  ASSIGN_OR_RETURN(const std::vector<JsonObject> phases,
                   object.RequiredObjects("phases", Items::kAtLeastOne));
  ASSIGN_OR_RETURN(out.phases, ReadEach<TreatmentPhase>(phases, ParsePhase));
  if (out.phases.front().starts_at != PhaseStart::kFirstDose) {
    return phases.front().Problem("the first phase starts at first_dose");
  }
  for (size_t i = 0; i < out.phases.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (out.phases[j].id == out.phases[i].id) {
        return phases[i].Problem(absl::StrCat("phase id ", out.phases[i].id, " is used twice"));
      }
    }
  }
  ASSIGN_OR_RETURN(out.source, object.RequiredNonEmptyString("source"));
  ASSIGN_OR_RETURN(out.note, object.OptionalNonEmptyString("note"));
  return out;
}

}  // namespace

absl::StatusOr<EndpointDefinitions> ParseEndpointDefinitions(std::string_view text) {
  ASSIGN_OR_RETURN(const JsonFile file, JsonFile::Parse(kEndpointsFile, text));
  const JsonObject& top = file.top();
  RETURN_IF_ERROR(top.OnlyKeys({"_comment", "source", "conventions", "timeToEvent", "rates",
                                "adverseEvents", "siteSummary"}));
  RETURN_IF_ERROR(top.RequiredNonEmptyString("source").status());
  EndpointDefinitions out;
  out.present = true;

  ASSIGN_OR_RETURN(const JsonObject conventions, top.RequiredObject("conventions"));
  RETURN_IF_ERROR(
      conventions.OnlyKeys({"addOneDay", "daysPerMonth", "assessmentOrigins", "source", "note"}));
  ASSIGN_OR_RETURN(out.conventions.add_one_day, conventions.RequiredBool("addOneDay"));
  ASSIGN_OR_RETURN(out.conventions.days_per_month,
                   conventions.RequiredNumber("daysPerMonth", Sign::kPositive));
  ASSIGN_OR_RETURN(const std::vector<JsonValue> origins,
                   conventions.RequiredArray("assessmentOrigins", Items::kAtLeastOne));
  out.conventions.use_derived_assessments = false;
  out.conventions.use_reported_assessments = false;
  for (const JsonValue& origin : origins) {
    ASSIGN_OR_RETURN(const std::string text, origin.String());
    if (text == "derived") {
      out.conventions.use_derived_assessments = true;
    } else if (text == "reported") {
      out.conventions.use_reported_assessments = true;
    } else {
      return origin.Error(absl::StrCat("must be derived or reported, not '", text, "'"));
    }
  }
  ASSIGN_OR_RETURN(out.conventions.source, conventions.RequiredNonEmptyString("source"));

  std::vector<std::string> ids;
  auto unique = [&ids](const JsonObject& object, const std::string& id) -> absl::Status {
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      return object.Problem(absl::StrCat("endpoint id ", id, " is used twice"));
    }
    ids.push_back(id);
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(const std::vector<JsonObject> tte, top.RequiredObjects("timeToEvent"));
  ASSIGN_OR_RETURN(out.time_to_event, ReadEach<TimeToEventDefinition>(tte, ParseTimeToEvent));
  for (size_t i = 0; i < tte.size(); ++i) RETURN_IF_ERROR(unique(tte[i], out.time_to_event[i].id));
  ASSIGN_OR_RETURN(const std::vector<JsonObject> rates, top.RequiredObjects("rates"));
  ASSIGN_OR_RETURN(out.rates, ReadEach<RateDefinition>(rates, ParseRate));
  for (size_t i = 0; i < rates.size(); ++i) RETURN_IF_ERROR(unique(rates[i], out.rates[i].id));

  ASSIGN_OR_RETURN(const JsonObject adverse, top.RequiredObject("adverseEvents"));
  ASSIGN_OR_RETURN(out.adverse_events, ParseAdverseEvents(adverse));
  ASSIGN_OR_RETURN(const JsonObject sites, top.RequiredObject("siteSummary"));
  RETURN_IF_ERROR(sites.OnlyKeys({"source", "note"}));
  ASSIGN_OR_RETURN(out.site_summary_source, sites.RequiredNonEmptyString("source"));
  return out;
}

std::string_view PopulationName(Population population) { return NameOf(population, kPopulations); }
std::string_view EventName(EndpointEvent event) { return NameOf(event, kEvents); }
std::string_view CensoringRuleName(CensoringRule rule) { return NameOf(rule, kRules); }

}  // namespace trialgate::mappers
