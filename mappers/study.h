#ifndef TRIALGATE_MAPPERS_STUDY_H_
#define TRIALGATE_MAPPERS_STUDY_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "mappers/code_tables.h"
#include "mappers/ctcae_grading.h"
#include "mappers/endpoint_definitions.h"
#include "mappers/response_criteria.h"
#include "mappers/treatment_rules.h"
#include "mappers/units.h"

namespace trialgate::mappers {

// A value set of the study, drawn from one of its code tables so that no code is written twice.
struct StudyValueSet {
  std::string url;    // canonical, e.g. "urn:trialgate:krd-asct2:valueset:drugs"
  std::string title;
  std::vector<TableCode> codes;  // in table order
};

// A study definition and its code tables, parsed from the files of fhir-profiles/studies/<id>/
// (study.json, codes/*.json). Immutable once loaded; thread-safe.
class Study {
 public:
  // Parses a study from its files, keyed by path inside the study folder ("study.json",
  // "codes/drugs.json", ...). Returns INVALID_ARGUMENT naming the file and the problem when
  // a file is missing or malformed.
  static absl::StatusOr<std::shared_ptr<const Study>> FromFiles(
      const std::map<std::string, std::string>& files);

  const std::string& study_id() const { return study_id_; }                 // "KRD-ASCT2"
  const std::string& subject_id_system() const { return subject_id_system_; }
  const std::string& ctcae_grade_extension_url() const { return ctcae_grade_extension_url_; }

  // --- code tables used by the mappers (formats: fhir-profiles/README.md) ---
  // Each Find* matches a (system, code) pair exactly; an empty match (entry == nullptr) means
  // the code is not in the table. Site-local codes are not consulted here: see FindLocalCode.

  // The study agent identified by the code (codes/drugs.json).
  CodeMatch<DrugEntry> FindDrug(std::string_view system, std::string_view code) const;
  // The study analyte identified by the code (codes/labs.json).
  CodeMatch<LabAnalyte> FindLab(std::string_view system, std::string_view code) const;
  // The study route identified by the code (codes/routes.json).
  CodeMatch<RouteEntry> FindRoute(std::string_view system, std::string_view code) const;

  // The procedure identified by the code (codes/procedures.json).
  CodeMatch<ProcedureEntry> FindProcedure(std::string_view system, std::string_view code) const;
  // A match when the code identifies an IMWG response assessment Observation
  // (codes/responses.json assessment_codes).
  CodeMatch<ResponseCategory> FindResponseAssessment(std::string_view system,
                                                     std::string_view code) const;
  // The IMWG response category identified by the code (codes/responses.json categories).
  CodeMatch<ResponseCategory> FindResponseCategory(std::string_view system,
                                                   std::string_view code) const;

  // True when the drug table has an agent with this id ("carfilzomib").
  bool HasDrug(std::string_view agent_id) const;
  // True when the lab table has an analyte with this id ("body_weight").
  bool HasLab(std::string_view analyte_id) const;

  // The CTCAE v5 term with this MedDRA code, or nullptr (codes/adverse-events.json).
  const CtcaeTerm* FindCtcaeTermByMeddraCode(std::string_view meddra_code) const;
  // The CTCAE v5 term with this name compared case-insensitively, or nullptr.
  const CtcaeTerm* FindCtcaeTermByName(std::string_view term) const;
  // True when `system` is one of the URIs the study accepts for MedDRA (study.json).
  bool IsMeddraSystem(std::string_view system) const;
  // true for a serious, false for a non-serious code of the seriousness system (study.json);
  // nullopt for any other system or code.
  std::optional<bool> IsSerious(std::string_view system, std::string_view code) const;

  // The study code a site's local code stands for (codes/local-codes.json): an entry for
  // `site_id` wins over a "*" entry. nullptr when neither exists.
  const LocalCodeMapping* FindLocalCode(std::string_view site_id, std::string_view system,
                                        std::string_view code) const;

  // The UCUM unit doses of non-study drugs are normalised to, and the unit of doses per body
  // surface area (codes/drugs.json: default_dose_unit, dose_per_area_unit).
  const std::string& default_dose_unit() const { return tables_.default_dose_unit; }
  const std::string& dose_per_area_unit() const { return tables_.dose_per_area_unit; }

  // The study's UCUM unit table (codes/units.json).
  const UnitTable& units() const { return tables_.units; }

  // --- definitions for the validator ---
  // The study's profile for each resource type (study.json "profiles"): type -> canonical URL.
  const std::map<std::string, std::string>& profile_for_type() const { return profile_for_type_; }
  // The study's StructureDefinitions: every file under profiles/, path -> JSON text.
  const std::map<std::string, std::string>& definition_files() const { return definition_files_; }
  // The value sets the profiles bind to, drawn from the code tables (study.json "valueSets").
  const std::vector<StudyValueSet>& value_sets() const { return value_sets_; }

  // --- the protocol schedule ---
  // The text of schedule.json, parsed by the schedule engine (gateway/schedule); empty when the
  // study folder has none (then the gateway places no event on a timeline).
  const std::string& schedule_json() const { return schedule_json_; }

  // --- derivations ---
  // The CTCAE v5.0 lab grading table (ctcae-lab-grading.json), checked against the code tables
  // at load; no terms when the study folder has none (then no lab is graded).
  const CtcaeGradingTable& ctcae_grading() const { return ctcae_grading_; }
  // The IMWG response rules (imwg-response.json), checked against the code tables at load;
  // `present` false when the study folder has none (then no response is derived).
  const ResponseCriteria& response_criteria() const { return response_criteria_; }
  // The treatment checks (withhold-rules.json, concomitant-medications.json), checked against
  // the code tables, the grading table and the schedule's phases at load. Without a file its
  // part is empty (nothing withheld, nothing prohibited) and the AE reporting defaults hold.
  const TreatmentRules& treatment_rules() const { return treatment_rules_; }
  // The endpoint definitions (endpoints.json), computed by gateway/endpoints; `present` false
  // when the study folder has none.
  const EndpointDefinitions& endpoints() const { return endpoints_; }

 private:
  Study() = default;

  std::string study_id_;
  std::string subject_id_system_;
  std::string ctcae_grade_extension_url_;
  CodeTables tables_;
  std::map<std::string, std::string> profile_for_type_;
  std::map<std::string, std::string> definition_files_;
  std::vector<StudyValueSet> value_sets_;
  std::string schedule_json_;
  CtcaeGradingTable ctcae_grading_;
  ResponseCriteria response_criteria_;
  TreatmentRules treatment_rules_;
  EndpointDefinitions endpoints_;
};

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_STUDY_H_
