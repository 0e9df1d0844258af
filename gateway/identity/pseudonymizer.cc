#include "gateway/identity/pseudonymizer.h"

namespace trialgate::identity {

Pseudonymizer::Pseudonymizer(std::string key, std::string previous_key)
    : key_(std::make_shared<const HmacSha256>(key)),
      previous_key_(previous_key.empty() ? nullptr
                                         : std::make_shared<const HmacSha256>(previous_key)) {}

std::string Pseudonymizer::Pseudonymize(absl::string_view site_id,
                                        absl::string_view patient_key) const {
  return key_->Hex({site_id, "\n", patient_key});
}

std::optional<std::string> Pseudonymizer::PseudonymizeWithPreviousKey(
    absl::string_view site_id, absl::string_view patient_key) const {
  if (previous_key_ == nullptr) return std::nullopt;
  return previous_key_->Hex({site_id, "\n", patient_key});
}

std::string Pseudonymizer::PseudonymizeResourceId(absl::string_view system,
                                                  absl::string_view resource_type,
                                                  absl::string_view id) const {
  return key_->Hex({"resource-id\n", system, "\n", resource_type, "/", id});
}

std::string Pseudonymizer::Digest(absl::string_view domain, absl::string_view bytes) const {
  return key_->Hex({domain, "\n", bytes});
}

}  // namespace trialgate::identity
