// Golden cases: tests/validation/golden/<case>.json is a resource with one broken rule,
// <case>.outcome.json the OperationOutcome the validator must produce for it (every issue's
// severity, code, expression and diagnostics, in order). To regenerate the expected outcomes
// after a deliberate change of wording, run with TRIALGATE_UPDATE_GOLDEN=1 and review the diff.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gateway/pipeline/operation_outcome.h"
#include "gtest/gtest.h"
#include "tests/support/golden.h"
#include "rapidjson/document.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "tests/validation/validation_test_util.h"

namespace trialgate::validation {
namespace {


// The OperationOutcome exactly as the gateway renders it, pretty-printed for review.
std::string OutcomeJson(const std::vector<Issue>& issues) {
  rapidjson::Document rendered;
  rendered.Parse(pipeline::OperationOutcomeJson(issues).c_str());
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  rendered.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string GoldenDir() { return std::string(TRIALGATE_SOURCE_DIR) + "/tests/validation/golden/"; }

std::set<std::string>& Registered() {
  static auto* const names = new std::set<std::string>;
  return *names;
}

void RunGolden(const std::string& name) {
  const std::string input = testing::ReadFileOrDie(GoldenDir() + name + ".json");
  const std::vector<Issue> issues = testing::ValidateJson(input);
  trialgate::testing::ExpectMatchesGolden(name, GoldenDir() + name + ".outcome.json",
                                          OutcomeJson(issues));
  // One broken rule per case: exactly one error, or, for a best-practice rule (dom-6), exactly
  // one issue, a warning.
  const size_t errors = testing::Errors(issues).size();
  EXPECT_TRUE(errors == 1 || (errors == 0 && issues.size() == 1))
      << name << "\n" << testing::Describe(issues);
}

#define GOLDEN(name)                                                            \
  const bool registered_##name = Registered().insert(#name).second;             \
  TEST(GoldenTest, name) { RunGolden(#name); }

GOLDEN(obs_status_missing)
GOLDEN(obs_code_missing)
GOLDEN(obs_status_not_in_value_set)
GOLDEN(obs_status_number)
GOLDEN(obs_status_empty_string)
GOLDEN(obs_status_null)
GOLDEN(obs_status_array)
GOLDEN(obs_unknown_root_element)
GOLDEN(obs_unknown_element_in_code)
GOLDEN(obs_unknown_element_in_coding)
GOLDEN(obs_category_not_array)
GOLDEN(obs_category_empty_array)
GOLDEN(obs_category_null_item)
GOLDEN(obs_issued_array)
GOLDEN(obs_value_two_choices)
GOLDEN(obs_value_unknown_type)
GOLDEN(obs_effective_month_13)
GOLDEN(obs_issued_without_timezone)
GOLDEN(obs_value_quantity_value_string)
GOLDEN(obs_value_quantity_empty)
GOLDEN(obs_value_quantity_unknown_element)
GOLDEN(obs_quantity_comparator_invalid)
GOLDEN(obs_coding_system_not_uri)
GOLDEN(obs_subject_wrong_target)
GOLDEN(obs_subject_type_wrong_target)
GOLDEN(obs_subject_string)
GOLDEN(obs_component_code_missing)
GOLDEN(obs_component_unknown_element)
GOLDEN(obs_component_two_values)
GOLDEN(obs_reference_range_low_value_text)
GOLDEN(obs_text_status_invalid)
GOLDEN(obs_text_div_missing)
GOLDEN(obs_identifier_use_invalid)
GOLDEN(obs_identifier_not_array)
GOLDEN(obs_meta_last_updated_invalid)
GOLDEN(obs_meta_version_id_number)
GOLDEN(obs_id_with_space)
GOLDEN(obs_note_text_missing)
GOLDEN(obs_note_two_authors)
GOLDEN(obs_extension_url_missing)
GOLDEN(obs_extension_two_values)
GOLDEN(obs_extension_not_array)
GOLDEN(obs_primitive_extension_unknown_element)
GOLDEN(obs_primitive_extension_array_for_single)
GOLDEN(obs_resource_type_missing)
GOLDEN(obs_resource_type_unknown)
GOLDEN(obs_interpretation_code_empty)
GOLDEN(obs_value_integer_fraction)
GOLDEN(obs_value_integer_out_of_range)
GOLDEN(obs_value_boolean_string)
GOLDEN(obs_value_time_hour_25)
GOLDEN(obs_contained_code_invalid)
GOLDEN(obs_contained_without_resource_type)
GOLDEN(obs_performer_null)
GOLDEN(obs_has_member_wrong_target)
GOLDEN(obs_component_value_string_empty)
GOLDEN(mad_status_missing)
GOLDEN(mad_status_invalid)
GOLDEN(mad_medication_missing)
GOLDEN(mad_two_medications)
GOLDEN(mad_effective_missing)
GOLDEN(mad_subject_wrong_target)
GOLDEN(mad_dose_unit_number)
GOLDEN(mad_dosage_array)
GOLDEN(mad_performer_actor_missing)
GOLDEN(mad_rate_string)
GOLDEN(mad_effective_period_start_invalid)
GOLDEN(mad_dose_value_string)
GOLDEN(mad_dose_comparator)
GOLDEN(obs_reference_range_high_comparator)
GOLDEN(obs_duplicate_key)
GOLDEN(patient_duplicate_key_in_name)
GOLDEN(ae_actuality_missing)
GOLDEN(ae_actuality_invalid)
GOLDEN(ae_subject_missing)
GOLDEN(ae_subject_wrong_target)
GOLDEN(ae_identifier_array)
GOLDEN(ae_date_slashes)
GOLDEN(ae_suspect_instance_missing)
GOLDEN(ae_event_coding_not_array)
GOLDEN(patient_gender_invalid)
GOLDEN(patient_birth_date_with_time)
GOLDEN(patient_given_not_array)
GOLDEN(patient_given_null_without_extension)
GOLDEN(patient_active_string)
GOLDEN(patient_telecom_system_invalid)
GOLDEN(patient_two_deceased)
GOLDEN(patient_link_other_missing)
GOLDEN(patient_birth_date_extension_string)
GOLDEN(patient_name_use_invalid)
GOLDEN(rs_status_invalid)
GOLDEN(rs_individual_missing)
GOLDEN(rs_study_missing)
GOLDEN(rs_individual_wrong_target)
GOLDEN(proc_status_invalid)
GOLDEN(proc_subject_missing)
GOLDEN(proc_two_performed)
GOLDEN(bundle_type_missing)
GOLDEN(bundle_type_invalid)
GOLDEN(bundle_entry_resource_status_missing)
GOLDEN(bundle_entry_request_method_invalid)
GOLDEN(bundle_entry_request_url_missing)
GOLDEN(bundle_entry_unknown_element)
GOLDEN(bundle_entry_dose_unit_array)
GOLDEN(bundle_link_relation_missing)
GOLDEN(bundle_entry_unknown_resource_type)
GOLDEN(bundle_entry_resource_not_object)
// Invariants (native checks, gateway/validation/invariants.cc).
GOLDEN(inv_bdl12_message_without_header)
GOLDEN(inv_bdl1_total_outside_search)
GOLDEN(inv_bdl2_search_outside_searchset)
GOLDEN(inv_bdl3_batch_entry_without_request)
GOLDEN(inv_bdl3_collection_entry_with_request)
GOLDEN(inv_bdl4_response_entry_without_response)
GOLDEN(inv_bdl7_duplicate_full_url)
GOLDEN(inv_bdl8_versioned_full_url)
GOLDEN(inv_dom3_contained_not_referenced)
GOLDEN(inv_dom4_contained_with_version)
GOLDEN(inv_dom5_contained_with_security_label)
GOLDEN(inv_dom6_no_narrative)
GOLDEN(inv_mad1_dosage_without_dose_or_rate)
GOLDEN(inv_obs3_reference_range_empty_of_bounds)
GOLDEN(inv_obs6_value_and_data_absent_reason)
GOLDEN(inv_obs7_component_repeats_code)
// The study's profiles (claimed in meta.profile), one broken profile rule each.
GOLDEN(krd_dose_not_a_study_drug)
GOLDEN(krd_dose_not_in_mg)
GOLDEN(krd_dose_unit_without_ucum)
GOLDEN(krd_dose_no_dosage)
GOLDEN(krd_dose_no_dose_value)
GOLDEN(krd_dose_date_not_to_the_day)
GOLDEN(krd_dose_medication_reference)
GOLDEN(krd_dose_subject_a_group)
GOLDEN(krd_lab_not_a_study_analyte)
GOLDEN(krd_lab_local_code_not_loinc)
GOLDEN(krd_lab_value_string)
GOLDEN(krd_lab_unit_not_ucum)
GOLDEN(krd_lab_no_effective)
GOLDEN(krd_lab_no_subject)
GOLDEN(krd_ae_no_grade)
GOLDEN(krd_ae_grade_above_5)
GOLDEN(krd_ae_grade_below_1)
GOLDEN(krd_ae_two_grades)
GOLDEN(krd_ae_grade_as_string)
GOLDEN(krd_ae_term_not_coded)
GOLDEN(krd_ae_term_without_system)
GOLDEN(meta_profile_of_another_type)
// R4 invariants of data types and elements (datatype_invariants.h).
GOLDEN(inv_per1_period_ends_before_it_starts)
GOLDEN(inv_rng2_range_low_above_high)
GOLDEN(inv_qty3_unit_code_without_system)
GOLDEN(inv_ext1_extension_without_value)
GOLDEN(inv_ext1_extension_with_value_and_extensions)
GOLDEN(inv_txt2_narrative_without_content)
GOLDEN(inv_tim2_timing_period_without_unit)
GOLDEN(inv_cpt2_contact_point_value_without_system)
GOLDEN(inv_pat1_contact_without_details)
GOLDEN(inv_ref1_local_reference_without_contained)

TEST(GoldenTest, EveryCaseFileIsRegistered) {
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir())) {
    const std::string file = entry.path().filename().string();
    const std::string suffix = ".outcome.json";
    if (file.size() > suffix.size() &&
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
      continue;
    }
    if (file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0) {
      on_disk.insert(file.substr(0, file.size() - 5));
    }
  }
  EXPECT_EQ(on_disk, Registered());
  EXPECT_GE(Registered().size(), 60u);
}

}  // namespace
}  // namespace trialgate::validation
