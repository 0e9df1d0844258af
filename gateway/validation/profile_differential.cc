#include "gateway/validation/profile_differential.h"

#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/validation/definition_json.h"
#include "gateway/validation/profile_invariants.h"

namespace trialgate::validation {
namespace {

using rapidjson::Value;
using namespace definition_json;  // NOLINT: the readers are this file's vocabulary

absl::string_view LastSegment(absl::string_view path) {
  const size_t dot = path.rfind('.');
  return dot == absl::string_view::npos ? path : path.substr(dot + 1);
}

// Copies the element tree under `source` into `into`, at `path`. Slices come along; children
// of complex types stay shared through their TypeRef until unfolded.
class TreeCopier {
 public:
  explicit TreeCopier(TypeDef* into) : into_(into) {}

  ElementDef* Copy(const ElementDef& source, const std::string& path) {
    auto copy = std::make_unique<ElementDef>(source);
    copy->path = path;
    copy->children = ChildMap();
    copy->child_list.clear();
    copy->slices.clear();
    ElementDef* raw = copy.get();
    into_->elements.push_back(std::move(copy));
    copies_[&source] = raw;
    for (const ElementDef* child : source.child_list) {
      ElementDef* child_copy = Copy(*child, absl::StrCat(path, ".", LastSegment(child->path)));
      child_copy->index = static_cast<uint16_t>(raw->child_list.size());
      raw->child_list.push_back(child_copy);
    }
    for (const ElementDef* slice : source.slices) raw->slices.push_back(Copy(*slice, path));
    return raw;
  }

  // Points content references at the copies (they stay on the original outside the tree).
  void RemapContentReferences() {
    for (auto& element : into_->elements) {
      if (element->content_ref == nullptr) continue;
      if (auto it = copies_.find(element->content_ref); it != copies_.end()) {
        element->content_ref = it->second;
      }
    }
  }

 private:
  TypeDef* into_;
  absl::flat_hash_map<const ElementDef*, ElementDef*> copies_;
};

class ProfileBuilder {
 public:
  ProfileBuilder(const Value& sd, TypeDef* profile, rapidjson::Document* values,
                 std::vector<std::string>* warnings, TreeCopier* copier)
      : sd_(sd), profile_(profile), values_(values), warnings_(warnings), copier_(copier) {}

  absl::Status Apply(const Value& diff) {
    absl::string_view id = Str(diff, "id");
    if (id.empty()) id = Str(diff, "path");
    absl::StatusOr<ElementDef*> target = Navigate(id);
    if (!target.ok()) return target.status();
    ElementDef& element = **target;
    element.profile = std::string(StripVersion(Str(sd_, "url")));
    if (const Value* min = Member(diff, "min"); min != nullptr && min->IsUint()) {
      element.min = min->GetUint();
    }
    if (absl::string_view max = Str(diff, "max"); !max.empty()) {
      element.max = max == "*" ? ElementDef::kUnbounded
                               : static_cast<uint32_t>(std::strtoul(std::string(max).c_str(),
                                                                    nullptr, 10));
    }
    if (const Value* types = Array(diff, "type")) {
      if (absl::Status s = RestrictTypes(element, *types); !s.ok()) return s;
    }
    if (const Value* binding = Member(diff, "binding");
        binding != nullptr && Str(*binding, "strength") == "required") {
      element.binding_value_set = std::string(Str(*binding, "valueSet"));
      element.required_codes = nullptr;  // expanded by the builder
    }
    for (auto m = diff.MemberBegin(); m != diff.MemberEnd(); ++m) {
      const absl::string_view key(m->name.GetString(), m->name.GetStringLength());
      if (key.rfind("fixed", 0) == 0 && key.size() > 5) element.fixed = CopyValue(m->value);
      if (key.rfind("pattern", 0) == 0 && key.size() > 7) element.pattern = CopyValue(m->value);
      const bool min_value = key.rfind("minValue", 0) == 0 && key.size() > 8;
      const bool max_value = key.rfind("maxValue", 0) == 0 && key.size() > 8;
      if (min_value || max_value) {
        if (m->value.IsNumber()) {
          (min_value ? element.min_value : element.max_value) = m->value.GetDouble();
        } else {
          Warn(absl::StrCat(element.path, ": ", key, " is not checked (only numbers are)"));
        }
      }
    }
    if (const Value* constraints = Array(diff, "constraint")) AddConstraints(element, *constraints);
    if (const Value* slicing = Member(diff, "slicing")) SetSlicing(element, *slicing);
    return absl::OkStatus();
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("profile ", Str(sd_, "url"), ": ", what));
  }
  void Warn(absl::string_view what) {
    warnings_->push_back(absl::StrCat("profile ", Str(sd_, "url"), ": ", what));
  }

  const Value* CopyValue(const Value& value) {
    return new (values_->GetAllocator().Malloc(sizeof(Value))) Value(value, values_->GetAllocator());
  }

  // The element an id names ("Observation.value[x].system", "AdverseEvent.extension:grade"),
  // copying a type's children or creating a slice on the way as needed.
  absl::StatusOr<ElementDef*> Navigate(absl::string_view id) {
    std::vector<absl::string_view> segments = absl::StrSplit(id, '.');
    ElementDef* current = profile_->elements[0].get();
    if (segments.empty() || segments[0] != current->path) {
      return Error(absl::StrCat("element '", id, "' is not in ", current->path));
    }
    for (size_t i = 1; i < segments.size(); ++i) {
      absl::string_view name = segments[i];
      absl::string_view slice;
      if (const size_t colon = name.find(':'); colon != absl::string_view::npos) {
        slice = name.substr(colon + 1);
        name = name.substr(0, colon);
      }
      if (current->child_list.empty()) {
        if (absl::Status s = Unfold(*current); !s.ok()) return s;
      }
      std::string only_type;  // "valueQuantity" names value[x] with one type
      ElementDef* child = FindChild(*current, name, &only_type);
      if (child == nullptr) {
        return Error(absl::StrCat("element '", id, "': ", current->path, " has no child '",
                                  name, "'"));
      }
      if (!slice.empty() && child->choice && absl::StartsWith(slice, child->name)) {
        only_type = std::string(slice.substr(child->name.size()));  // a type slice: value[x]:valueQuantity
        slice = {};
      }
      if (!only_type.empty()) {
        for (TypeRef& ref : child->types) ref.excluded = ref.excluded || ref.choice_suffix != only_type;
      }
      if (!slice.empty()) child = SliceOf(*child, slice);
      current = child;
    }
    return current;
  }

  ElementDef* FindChild(const ElementDef& parent, absl::string_view name, std::string* only_type) {
    for (const ElementDef* c : parent.child_list) {
      ElementDef* child = const_cast<ElementDef*>(c);  // owned by profile_, being built
      if (!child->choice && name == child->name) return child;
      if (!child->choice || !absl::StartsWith(name, child->name)) continue;
      const absl::string_view suffix = name.substr(child->name.size());
      if (suffix == "[x]") return child;
      for (const TypeRef& ref : child->types) {
        if (suffix == ref.choice_suffix) {
          *only_type = ref.choice_suffix;
          return child;
        }
      }
    }
    return nullptr;
  }

  ElementDef* SliceOf(ElementDef& sliced, absl::string_view name) {
    for (const ElementDef* s : sliced.slices) {
      if (s->slice_name == name) return const_cast<ElementDef*>(s);
    }
    ElementDef* slice = copier_->Copy(sliced, sliced.path);
    slice->slices.clear();
    slice->slicing.reset();
    slice->slice_name = std::string(name);
    sliced.slices.push_back(slice);
    return slice;
  }

  // Gives `element` its own copy of its type's children, so that a differential can constrain
  // them for this element only (`dosage.dose.system`).
  absl::Status Unfold(ElementDef& element) {
    const TypeRef* only = nullptr;
    for (const TypeRef& ref : element.types) {
      if (ref.excluded) continue;
      if (only != nullptr) {
        return Error(absl::StrCat(element.path, " has several types; restrict it to one before "
                                                "constraining its children"));
      }
      only = &ref;
    }
    if (only == nullptr || only->def == nullptr || only->def->root() == nullptr) {
      return Error(absl::StrCat(element.path, ": the definition of its type is not loaded"));
    }
    for (const ElementDef* child : only->def->root()->child_list) {
      ElementDef* copy = copier_->Copy(*child, absl::StrCat(element.path, ".", LastSegment(child->path)));
      copy->index = static_cast<uint16_t>(element.child_list.size());
      element.child_list.push_back(copy);
    }
    return absl::OkStatus();
  }

  absl::Status RestrictTypes(ElementDef& element, const Value& types) {
    std::vector<bool> allowed(element.types.size(), false);
    for (const Value& type : types.GetArray()) {
      const std::string code = FhirTypeCode(type);
      size_t i = 0;
      while (i < element.types.size() && element.types[i].code != code) ++i;
      if (i == element.types.size()) {
        return Error(absl::StrCat(element.path, ": type ", code, " is not allowed by the base"));
      }
      allowed[i] = true;
      TypeRef& ref = element.types[i];
      const std::string old_profile = ref.profile;
      ReadTypeProfiles(type, &ref);
      if (ref.profile != old_profile) ref.def = nullptr;  // resolved by the builder
    }
    for (size_t i = 0; i < element.types.size(); ++i) {
      element.types[i].excluded = element.types[i].excluded || !allowed[i];
    }
    return absl::OkStatus();
  }

  void AddConstraints(ElementDef& element, const Value& constraints) {
    for (const Value& c : constraints.GetArray()) {
      Constraint constraint{std::string(Str(c, "key")), std::string(Str(c, "severity")),
                            std::string(Str(c, "human")), std::string(Str(c, "expression"))};
      if (NativeInvariant check = FindNativeInvariant(constraint.expression)) {
        element.native_checks.push_back(
            {constraint.key, constraint.severity != "warning", constraint.human, check});
      } else {
        Warn(absl::StrCat(element.path, ": invariant ", constraint.key,
                          " is not checked (no native implementation of '",
                          constraint.expression, "')"));
      }
      element.constraints.push_back(std::move(constraint));
    }
  }

  void SetSlicing(ElementDef& element, const Value& slicing) {
    const Value* discriminators = Array(slicing, "discriminator");
    const absl::string_view type =
        discriminators != nullptr && discriminators->Size() == 1 ? Str((*discriminators)[0], "type") : "";
    const absl::string_view path =
        discriminators != nullptr && discriminators->Size() == 1 ? Str((*discriminators)[0], "path") : "";
    if ((type != "value" && type != "pattern") || path.empty() || path.find('.') != absl::string_view::npos) {
      Warn(absl::StrCat(element.path, ": slicing is not checked (only one value or pattern "
                                      "discriminator on a child is supported)"));
      return;
    }
    element.slicing = Slicing{std::string(path), Str(slicing, "rules") == "closed"};
  }

  const Value& sd_;
  TypeDef* profile_;
  rapidjson::Document* values_;
  std::vector<std::string>* warnings_;
  TreeCopier* copier_;
};

// The fixed or pattern value of `parent`'s child `name`, looking through its type's definition
// when it has no children of its own.
const Value* DiscriminatorValue(const ElementDef& parent, const std::string& name) {
  const std::vector<const ElementDef*>* children = &parent.child_list;
  if (children->empty()) {
    for (const TypeRef& ref : parent.types) {
      if (!ref.excluded && ref.def != nullptr && ref.def->root() != nullptr) {
        children = &ref.def->root()->child_list;
        break;
      }
    }
  }
  for (const ElementDef* child : *children) {
    if (child->name != name) continue;
    return child->fixed != nullptr ? child->fixed : child->pattern;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TypeDef>> DifferentialCompiler::Compile(const Value& sd,
                                                                       const TypeDef& base) {
  auto profile = std::make_unique<TypeDef>();
  profile->name = base.name;
  profile->url = std::string(StripVersion(Str(sd, "url")));
  profile->kind = base.kind;
  profile->is_profile = true;
  profile->base_url = std::string(StripVersion(Str(sd, "baseDefinition")));
  if (Str(sd, "type") != base.name) {
    return absl::InvalidArgumentError(absl::StrCat("profile ", profile->url, ": type '",
                                                   Str(sd, "type"), "' is not its base's type ",
                                                   base.name));
  }
  if (base.root() == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("profile ", profile->url, ": empty base"));
  }
  TreeCopier copier(profile.get());
  copier.Copy(*base.root(), base.root()->path);
  copier.RemapContentReferences();
  ProfileBuilder builder(sd, profile.get(), values_, warnings_, &copier);
  const Value* differential = Member(sd, "differential");
  const Value* elements = differential != nullptr ? Array(*differential, "element") : nullptr;
  if (elements == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("profile ", profile->url, ": no differential"));
  }
  for (const Value& element : elements->GetArray()) {
    if (absl::Status s = builder.Apply(element); !s.ok()) return s;
  }
  return profile;
}

absl::Status DifferentialCompiler::ResolveSliceValues(TypeDef& type) {
  for (auto& element : type.elements) {
    if (element->slices.empty()) continue;
    if (!element->slicing.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("profile ", type.url, ": ", element->path,
                                                     " has slices but no slicing"));
    }
    for (const ElementDef* s : element->slices) {
      ElementDef* slice = const_cast<ElementDef*>(s);  // owned by `type`
      slice->slice_value = DiscriminatorValue(*slice, element->slicing->discriminator_path);
      if (slice->slice_value == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "profile ", type.url, ": slice ", slice->slice_name, " of ", element->path,
            " has no fixed or pattern value at its discriminator '",
            element->slicing->discriminator_path, "'"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace trialgate::validation
