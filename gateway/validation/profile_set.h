#ifndef TRIALGATE_GATEWAY_VALIDATION_PROFILE_SET_H_
#define TRIALGATE_GATEWAY_VALIDATION_PROFILE_SET_H_

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gateway/validation/primitives.h"
#include "rapidjson/document.h"

namespace trialgate::validation {

// The compiled form of FHIR R4 StructureDefinitions and the value sets of their required
// bindings. Built once (ProfileSet::Create), immutable afterwards and so thread-safe; the
// Validator walks it without parsing or allocating anything per definition.
//
// Each StructureDefinition becomes a TypeDef: a tree of ElementDefs keyed by the JSON property
// names that may appear in a resource. A choice element `value[x]` is reachable under each of
// its concrete names (`valueQuantity`, `valueString`, ...); a primitive element `birthDate` also
// under `_birthDate` (its id and extensions).

struct TypeDef;
struct ElementDef;

// An invariant of an element, kept for the invariant checker (not evaluated yet).
struct Constraint {
  std::string key;         // "obs-6"
  std::string severity;    // "error" | "warning"
  std::string human;
  std::string expression;  // FHIRPath
};

// The codes of one value set, flattened.
struct CodeSet {
  std::string url;                                // canonical, without version
  absl::flat_hash_set<std::string> system_codes;  // "system|code"
  absl::flat_hash_set<std::string> codes;         // "code" (for elements of type code)
};

// One allowed type of an element.
struct TypeRef {
  enum class Kind { kPrimitive, kComplex, kResource };
  Kind kind = Kind::kComplex;
  std::string code;                      // "string", "Quantity", "Reference", "Resource"
  std::string choice_suffix;             // "Quantity" for valueQuantity ("" unless a choice)
  std::optional<Primitive> primitive;    // kPrimitive with a known format check
  // Resolved definition of the type, when loaded: the profile named in type.profile when there
  // is exactly one and it is loaded (e.g. SimpleQuantity), else the base type.
  const TypeDef* def = nullptr;
  std::string profile;                   // that profile's canonical URL, if any
  // Reference/canonical targets as type names ("Patient"); empty or "Resource" = any.
  std::vector<std::string> target_types;
  bool any_target = true;
  // A type of the base definition that a profile does not allow here: still recognised (so the
  // error can say so) but never valid.
  bool excluded = false;
};

// Where a JSON property name leads inside an element's children.
struct Slot {
  const ElementDef* element = nullptr;
  uint16_t type_index = 0;   // index into element->types
  bool underscore = false;   // `_name`: the id/extensions of a primitive
};

// The children of an element by JSON property name. Built once; Find is the validator's hot
// path, so entries live in one open-addressing array keyed by the name's length and first 8
// bytes: a lookup reads one or two cache lines and compares the rest of the name only on a
// likely hit.
class ChildMap {
 public:
  // Adds `key` unless present. Call Finalize() after the last Insert.
  void Insert(const std::string& key, const Slot& slot);
  void Finalize();
  size_t size() const { return count_; }

  const Slot* Find(const char* name, size_t length) const {
    if (table_.empty()) return nullptr;
    const uint64_t prefix = Prefix(name, length);
    for (size_t i = Bucket(prefix, length);; i = (i + 1) & (table_.size() - 1)) {
      const Entry& entry = table_[i];
      if (entry.length == kEmpty) return nullptr;
      if (entry.length == length && entry.prefix == prefix &&
          (length <= 8 ||
           std::memcmp(keys_.data() + entry.key_offset + 8, name + 8, length - 8) == 0)) {
        return &entry.slot;
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Entry {
    uint64_t prefix = 0;
    uint32_t length = kEmpty;
    uint32_t key_offset = 0;
    Slot slot;
  };
  static uint64_t Prefix(const char* name, size_t length) {
    uint64_t prefix = 0;
    if (length >= 8) {
      std::memcpy(&prefix, name, 8);  // one load
    } else {
      for (size_t i = 0; i < length; ++i) {
        prefix |= static_cast<uint64_t>(static_cast<unsigned char>(name[i])) << (8 * i);
      }
    }
    return prefix;
  }
  size_t Bucket(uint64_t prefix, size_t length) const {
    return static_cast<size_t>(((prefix ^ (length * 0x9E3779B97F4A7C15ULL)) *
                                0xBF58476D1CE4E5B9ULL) >> shift_);
  }

  std::vector<std::pair<std::string, Slot>> pending_;
  std::vector<Entry> table_;
  std::string keys_;
  size_t count_ = 0;
  int shift_ = 63;
};

// A profile invariant evaluated by native code (profile_invariants.h): the value of the element
// -> nullopt when it holds, else what is wrong.
using NativeInvariant = std::optional<std::string> (*)(const rapidjson::Value& value,
                                                       const TypeRef& type);
struct NativeCheck {
  std::string key;       // "krd-dose-1"
  bool error = true;     // severity error, else warning
  std::string human;
  NativeInvariant check = nullptr;
};

// How the items of a sliced element are told apart (profiles). Only `value`/`pattern`
// discriminators on one child path are supported (e.g. extensions by `url`).
struct Slicing {
  std::string discriminator_path;  // "url"
  bool closed = false;             // rules = closed: an item matching no slice is an error
};

struct ElementDef {
  std::string path;        // "Observation.value[x]"
  std::string name;        // "value" (the FHIRPath name, without [x])
  std::string profile;     // the profile that constrained this element; "" for base rules
  bool choice = false;
  uint32_t min = 0;
  uint32_t max = 1;        // kUnbounded for "*"
  static constexpr uint32_t kUnbounded = UINT32_MAX;
  uint16_t index = 0;      // position among its parent's children (for counting)
  std::vector<TypeRef> types;

  // Required binding (other strengths are not checked).
  std::string binding_value_set;         // canonical as written, with version if any
  const CodeSet* required_codes = nullptr;  // nullptr: no required binding or not expandable

  // fixed[x] / pattern[x], owned by the ProfileSet.
  const rapidjson::Value* fixed = nullptr;
  const rapidjson::Value* pattern = nullptr;

  std::vector<Constraint> constraints;
  // Profiles: invariants with a native implementation, and minValue[x]/maxValue[x] of numbers.
  std::vector<NativeCheck> native_checks;
  std::optional<double> min_value;
  std::optional<double> max_value;

  // Profiles: the slices of this element (owned by the TypeDef), and for a slice its name and
  // the discriminator value its items carry (e.g. the extension URL).
  std::optional<Slicing> slicing;
  std::vector<const ElementDef*> slices;
  std::string slice_name;
  const rapidjson::Value* slice_value = nullptr;

  // Children declared in this definition (backbone elements, the root), by JSON name.
  ChildMap children;
  std::vector<const ElementDef*> child_list;  // in definition order; index == ElementDef::index
  // `contentReference`: the element whose children this one shares (e.g. #Bundle.link).
  const ElementDef* content_ref = nullptr;
  std::string content_ref_path;
};

struct TypeDef {
  enum class Kind { kPrimitive, kComplex, kResource, kLogical };
  std::string name;     // the type ("Observation", "Quantity", "string")
  std::string url;      // canonical URL of the StructureDefinition
  Kind kind = Kind::kComplex;
  bool is_profile = false;  // derivation == constraint
  std::string base_url;     // a profile's baseDefinition
  bool is_abstract = false;
  std::vector<std::unique_ptr<ElementDef>> elements;  // elements[0] is the root
  const ElementDef* root() const { return elements.empty() ? nullptr : elements[0].get(); }
};

class ProfileSet {
 public:
  // Compiles StructureDefinitions, ValueSets and CodeSystems given as JSON texts. Each text is one
  // such resource or a Bundle of them (as in the FHIR definitions packages); other resources are
  // ignored. Base definitions need snapshots; a profile (derivation = constraint) may instead
  // give only a differential, which is applied to its base here (profile_differential.cc says
  // what of a differential is understood). Fails (InvalidArgument) on malformed JSON, a
  // StructureDefinition with neither, or a differential that cannot be applied; a value set that
  // cannot be expanded only leaves its binding unchecked.
  static absl::StatusOr<std::unique_ptr<ProfileSet>> Create(
      const std::vector<std::string_view>& json_texts);

  // Same, from path -> content (e.g. trialgate::profiles::EmbeddedR4Definitions()); files not
  // ending in ".json" are skipped.
  static absl::StatusOr<std::unique_ptr<ProfileSet>> FromFiles(
      const std::map<std::string, std::string>& files);

  // The base (non-profile) definition of a type, or nullptr.
  const TypeDef* FindType(std::string_view name) const;
  // A definition by canonical URL (base or profile; "|version" is ignored), or nullptr.
  const TypeDef* FindProfile(std::string_view url) const;
  // A value set by canonical URL ("|version" ignored), or nullptr when absent or not expandable.
  const CodeSet* FindValueSet(std::string_view url) const;

  // The children of `element` when it holds a value of `type`: its own (backbone), those of its
  // contentReference, or those of the type's definition. nullptr when unknown.
  const ChildMap* ChildrenOf(const ElementDef& element, const TypeRef& type) const;
  const std::vector<const ElementDef*>* ChildListOf(const ElementDef& element,
                                                    const TypeRef& type) const;
  // What may appear in `_name` of a primitive (id, extension).
  const ElementDef* PrimitiveExtensionRoot(const TypeRef& type) const;

  // Notes from compilation (types referenced but not loaded, value sets not expandable).
  const std::vector<std::string>& notes() const { return notes_; }
  // Notes that make a profile check less than its definition says (an invariant without a native
  // implementation, an unsupported discriminator): worth a warning at start-up.
  const std::vector<std::string>& profile_warnings() const { return profile_warnings_; }

  ProfileSet(const ProfileSet&) = delete;
  ProfileSet& operator=(const ProfileSet&) = delete;
  ~ProfileSet();

 private:
  ProfileSet();
  class Builder;
  friend class DifferentialCompiler;

  std::vector<std::unique_ptr<TypeDef>> types_;
  absl::flat_hash_map<std::string, const TypeDef*> base_by_name_;
  absl::flat_hash_map<std::string, const TypeDef*> by_url_;
  absl::flat_hash_map<std::string, std::unique_ptr<CodeSet>> value_sets_;
  std::unique_ptr<rapidjson::Document> values_;  // owns fixed/pattern values
  std::vector<std::string> notes_;
  std::vector<std::string> profile_warnings_;
};

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_PROFILE_SET_H_
