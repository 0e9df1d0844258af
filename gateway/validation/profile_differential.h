#ifndef TRIALGATE_GATEWAY_VALIDATION_PROFILE_DIFFERENTIAL_H_
#define TRIALGATE_GATEWAY_VALIDATION_PROFILE_DIFFERENTIAL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/validation/profile_set.h"
#include "rapidjson/document.h"

namespace trialgate::validation {

// Turns a profile given as a differential (the way profiles are authored) into a compiled
// TypeDef: a copy of its base's element tree with the differential's constraints applied. This
// is the part of snapshot generation trialgate needs, not all of it. Understood per differential
// element: min, max, type (restricting the base's types; profile and targetProfile), a required
// binding, fixed[x], pattern[x], minValue[x]/maxValue[x] of integers and decimals, constraint
// (evaluated when profile_invariants.h has a native implementation, else a profile warning), and
// slicing with one `value` or `pattern` discriminator on a child path (e.g. extensions by url),
// with slices named in element ids ("AdverseEvent.extension:ctcaeGrade"). Constraining a child
// of a complex type (`dosage.dose.system`) copies the type's elements under the element first.
//
// The caller (ProfileSet's builder) resolves types and bindings and builds the child maps of the
// result afterwards, then calls ResolveSliceValues.
class DifferentialCompiler {
 public:
  // `values` owns copied fixed/pattern values; `warnings` collects profile warnings.
  DifferentialCompiler(rapidjson::Document* values, std::vector<std::string>* warnings)
      : values_(values), warnings_(warnings) {}

  absl::StatusOr<std::unique_ptr<TypeDef>> Compile(const rapidjson::Value& sd,
                                                   const TypeDef& base);

  // Sets each slice's discriminator value: fixed/pattern at the discriminator path, in the slice
  // itself or in its type's profile (an extension's url). Needs resolved types.
  absl::Status ResolveSliceValues(TypeDef& type);

 private:
  rapidjson::Document* values_;
  std::vector<std::string>* warnings_;
};

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_PROFILE_DIFFERENTIAL_H_
