#include "gateway/identity/patient_keys.h"

#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace trialgate::identity {
namespace {

bool IsBundleLocal(const std::string& reference) {
  return reference.starts_with("urn:uuid:") || reference.starts_with("urn:oid:");
}

absl::StatusOr<std::string> KeyOfBundleLocal(const std::string& reference,
                                             const BundleIndex* bundle) {
  if (bundle == nullptr) {
    return absl::NotFoundError(absl::StrCat("reference '", reference,
                                            "' can only be resolved inside a Bundle"));
  }
  auto it = bundle->find(reference);
  if (it == bundle->end()) {
    return absl::NotFoundError(absl::StrCat(
        "reference '", reference, "' does not resolve to any entry (fullUrl) of this Bundle"));
  }
  const rapidjson::Value& target = *it->second;
  auto type = target.FindMember("resourceType");
  auto id = target.FindMember("id");
  if (type == target.MemberEnd() || !type->value.IsString() ||
      std::string(type->value.GetString()) != "Patient") {
    return absl::InvalidArgumentError(
        absl::StrCat("reference '", reference, "' must point at a Patient"));
  }
  if (id == target.MemberEnd() || !id->value.IsString() || id->value.GetStringLength() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the Patient at '", reference, "' has no id, so it cannot be matched to an enrolment"));
  }
  return absl::StrCat("Patient/", id->value.GetString());
}

absl::StatusOr<std::string> KeyOfReference(const std::string& reference,
                                           const BundleIndex* bundle) {
  if (IsBundleLocal(reference)) return KeyOfBundleLocal(reference, bundle);
  if (reference.starts_with("#")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reference '", reference, "' points at a contained resource; refer to the Patient"));
  }
  // Relative "Patient/1", absolute "https://ehr/fhir/Patient/1", or either with "/_history/2".
  std::vector<absl::string_view> parts = absl::StrSplit(reference, '/', absl::SkipEmpty());
  if (parts.size() >= 4 && parts[parts.size() - 2] == "_history") parts.resize(parts.size() - 2);
  if (parts.size() < 2 || parts[parts.size() - 2] != "Patient") {
    return absl::InvalidArgumentError(absl::StrCat(
        "reference '", reference, "' must be to a Patient, e.g. 'Patient/123'"));
  }
  return absl::StrCat("Patient/", parts.back());
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PatientKeys(const mappers::PatientRef& patient,
                                                     const BundleIndex* bundle) {
  std::vector<std::string> keys;
  if (!patient.reference.empty()) {
    absl::StatusOr<std::string> key = KeyOfReference(patient.reference, bundle);
    if (!key.ok()) return key.status();
    keys.push_back(*std::move(key));
  }
  if (!patient.identifier_value.empty()) {
    keys.push_back(
        absl::StrCat("identifier:", patient.identifier_system, "|", patient.identifier_value));
  }
  for (const auto& [system, value] : patient.more_identifiers) {
    if (!value.empty()) keys.push_back(absl::StrCat("identifier:", system, "|", value));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        "refers to no patient: give a reference (e.g. 'Patient/123') or an identifier with a "
        "value");
  }
  return keys;
}

}  // namespace trialgate::identity
