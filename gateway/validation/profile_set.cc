#include "gateway/validation/profile_set.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/validation/datatype_invariants.h"
#include "gateway/validation/definition_json.h"
#include "gateway/validation/profile_differential.h"
#include "rapidjson/error/en.h"

namespace trialgate::validation {
namespace {

using rapidjson::Value;
using namespace definition_json;  // NOLINT: the readers are this file's vocabulary

struct CodeSystemInfo {
  const Value* resource = nullptr;
  bool complete = false;
};

}  // namespace

class ProfileSet::Builder {
 public:
  explicit Builder(ProfileSet* set) : set_(set) {}

  absl::Status AddText(absl::string_view text) {
    auto document = std::make_unique<rapidjson::Document>();
    document->Parse(text.data(), text.size());
    if (document->HasParseError()) {
      return absl::InvalidArgumentError(
          absl::StrCat("definitions: malformed JSON at offset ", document->GetErrorOffset(), ": ",
                       rapidjson::GetParseError_En(document->GetParseError())));
    }
    const Value* root = document.get();
    documents_.push_back(std::move(document));
    return AddResource(*root);
  }

  absl::Status AddResource(const Value& resource) {
    const absl::string_view type = Str(resource, "resourceType");
    if (type == "Bundle") {
      if (const Value* entries = Array(resource, "entry")) {
        for (const Value& entry : entries->GetArray()) {
          if (const Value* r = Member(entry, "resource")) {
            if (absl::Status s = AddResource(*r); !s.ok()) return s;
          }
        }
      }
    } else if (type == "StructureDefinition") {
      const Value* snapshot = Member(resource, "snapshot");
      const Value* differential = Member(resource, "differential");
      if (snapshot != nullptr && Array(*snapshot, "element") != nullptr) {
        structure_definitions_.push_back(&resource);
      } else if (Str(resource, "derivation") == "constraint" && differential != nullptr &&
                 Array(*differential, "element") != nullptr) {
        differentials_.push_back(&resource);
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "definitions: StructureDefinition ", Str(resource, "url"),
            " has no snapshot (a profile may give a differential instead)"));
      }
    } else if (type == "ValueSet") {
      const std::string url(StripVersion(Str(resource, "url")));
      if (!url.empty()) value_set_resources_[url] = &resource;
    } else if (type == "CodeSystem") {
      const std::string url(StripVersion(Str(resource, "url")));
      if (!url.empty()) {
        const absl::string_view content = Str(resource, "content");
        code_systems_[url] = {&resource, content == "complete" || content.empty()};
      }
    }
    return absl::OkStatus();
  }

  absl::Status Build() {
    // Pass 1: every definition's element tree.
    for (const Value* sd : structure_definitions_) CompileStructure(*sd);
    // Pass 2: types, content references and bindings, now that every definition is known.
    for (auto& type : set_->types_) {
      for (auto& element : type->elements) Resolve(*type, *element);
    }
    for (auto& type : set_->types_) {
      for (auto& element : type->elements) {
        if (element->types.empty() && element->content_ref != nullptr) {
          element->types = element->content_ref->types;
        }
      }
    }
    for (auto& type : set_->types_) {
      for (auto& element : type->elements) BuildChildren(*element);
    }
    return BuildProfilesFromDifferentials();
  }

 private:
  void CompileStructure(const Value& sd) {
    auto type = std::make_unique<TypeDef>();
    type->name = std::string(Str(sd, "type"));
    type->url = std::string(StripVersion(Str(sd, "url")));
    const absl::string_view kind = Str(sd, "kind");
    type->kind = kind == "primitive-type" ? TypeDef::Kind::kPrimitive
                 : kind == "resource"     ? TypeDef::Kind::kResource
                 : kind == "logical"      ? TypeDef::Kind::kLogical
                                          : TypeDef::Kind::kComplex;
    type->is_profile = Str(sd, "derivation") == "constraint";
    if (const Value* abstract = Member(sd, "abstract"); abstract && abstract->IsBool()) {
      type->is_abstract = abstract->GetBool();
    }

    absl::flat_hash_map<std::string, ElementDef*> by_path;
    const Value& elements = *Array(*Member(sd, "snapshot"), "element");
    for (const Value& e : elements.GetArray()) {
      const std::string path(Str(e, "path"));
      if (path.empty()) continue;
      // Slices are a profile feature compiled later; the unsliced element carries the rules.
      if (!Str(e, "sliceName").empty()) continue;
      const size_t dot = path.rfind('.');
      ElementDef* parent = nullptr;
      if (dot != std::string::npos) {
        auto it = by_path.find(path.substr(0, dot));
        if (it == by_path.end()) continue;  // child of a slice or of a skipped element
        parent = it->second;
        // The value of a primitive type is the JSON primitive itself, not a child.
        if (type->kind == TypeDef::Kind::kPrimitive && parent == type->elements[0].get() &&
            path.substr(dot + 1) == "value") {
          continue;
        }
      } else if (!type->elements.empty()) {
        continue;  // a second root: ignore
      }

      auto element = std::make_unique<ElementDef>();
      element->path = path;
      std::string name = dot == std::string::npos ? path : path.substr(dot + 1);
      if (name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0) {
        element->choice = true;
        name.resize(name.size() - 3);
      }
      element->name = name;
      if (const Value* min = Member(e, "min"); min && min->IsUint()) element->min = min->GetUint();
      const absl::string_view max = Str(e, "max");
      if (max == "*") {
        element->max = ElementDef::kUnbounded;
      } else if (!max.empty()) {
        element->max = static_cast<uint32_t>(std::strtoul(std::string(max).c_str(), nullptr, 10));
      }
      if (const Value* types = Array(e, "type")) {
        for (const Value& t : types->GetArray()) {
          TypeRef ref;
          ref.code = FhirTypeCode(t);
          // R4 snapshots give Resource.id the FHIRPath type System.String tagged "string", but
          // the specification (and every validator) holds a resource's logical id to `id`.
          if (type->kind == TypeDef::Kind::kResource && parent == type->elements[0].get() &&
              name == "id") {
            ref.code = "id";
          }
          if (element->choice) ref.choice_suffix = ChoiceSuffix(ref.code);
          ReadTypeProfiles(t, &ref);
          element->types.push_back(std::move(ref));
        }
      }
      element->content_ref_path = std::string(Str(e, "contentReference"));
      if (const Value* binding = Member(e, "binding")) {
        if (Str(*binding, "strength") == "required") {
          element->binding_value_set = std::string(Str(*binding, "valueSet"));
        }
      }
      for (auto m = e.MemberBegin(); m != e.MemberEnd(); ++m) {
        absl::string_view key(m->name.GetString(), m->name.GetStringLength());
        const bool fixed = key.rfind("fixed", 0) == 0 && key.size() > 5;
        const bool pattern = key.rfind("pattern", 0) == 0 && key.size() > 7;
        if (!fixed && !pattern) continue;
        auto* copy = new (set_->values_->GetAllocator().Malloc(sizeof(Value)))
            Value(m->value, set_->values_->GetAllocator());
        (fixed ? element->fixed : element->pattern) = copy;
      }
      if (const Value* constraints = Array(e, "constraint")) {
        for (const Value& c : constraints->GetArray()) {
          element->constraints.push_back({std::string(Str(c, "key")),
                                          std::string(Str(c, "severity")),
                                          std::string(Str(c, "human")),
                                          std::string(Str(c, "expression"))});
          const Constraint& constraint = element->constraints.back();
          if (NativeInvariant check = FindR4ElementInvariant(constraint.key)) {
            element->native_checks.push_back(
                {constraint.key, constraint.severity != "warning", constraint.human, check});
          }
        }
      }
      ElementDef* raw = element.get();
      by_path[path] = raw;
      if (parent != nullptr) {
        raw->index = static_cast<uint16_t>(parent->child_list.size());
        parent->child_list.push_back(raw);
      }
      type->elements.push_back(std::move(element));
    }
    if (type->elements.empty()) return;
    const TypeDef* raw = type.get();
    if (!type->url.empty()) set_->by_url_[type->url] = raw;
    if (!type->is_profile && !type->name.empty()) set_->base_by_name_[type->name] = raw;
    set_->types_.push_back(std::move(type));
  }

  // Profiles given as differentials, each after its base (which may be another such profile).
  absl::Status BuildProfilesFromDifferentials() {
    DifferentialCompiler compiler(set_->values_.get(), &set_->profile_warnings_);
    std::vector<TypeDef*> compiled;
    std::vector<const Value*> pending = differentials_;
    while (!pending.empty()) {
      std::vector<const Value*> waiting;
      for (const Value* sd : pending) {
        const absl::string_view base_url = StripVersion(Str(*sd, "baseDefinition"));
        const TypeDef* base = set_->FindProfile(std::string_view(base_url.data(), base_url.size()));
        const bool base_pending =
            base == nullptr && std::any_of(pending.begin(), pending.end(), [&](const Value* other) {
              return StripVersion(Str(*other, "url")) == base_url;
            });
        if (base_pending) {
          waiting.push_back(sd);
          continue;
        }
        if (base == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(
              "definitions: profile ", Str(*sd, "url"), ": base definition ",
              Str(*sd, "baseDefinition"), " is not loaded"));
        }
        absl::StatusOr<std::unique_ptr<TypeDef>> profile = compiler.Compile(*sd, *base);
        if (!profile.ok()) return profile.status();
        compiled.push_back(profile->get());
        set_->by_url_[(*profile)->url] = profile->get();
        set_->types_.push_back(*std::move(profile));
      }
      if (waiting.size() == pending.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "definitions: profiles derive from each other in a cycle, e.g. ",
            Str(*waiting[0], "url")));
      }
      pending = std::move(waiting);
    }
    for (TypeDef* type : compiled) {
      for (auto& element : type->elements) Resolve(*type, *element);
      for (auto& element : type->elements) {
        if (element->types.empty() && element->content_ref != nullptr) {
          element->types = element->content_ref->types;
        }
      }
      for (auto& element : type->elements) BuildChildren(*element);
    }
    for (TypeDef* type : compiled) {
      if (absl::Status s = compiler.ResolveSliceValues(*type); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  void Resolve(TypeDef& type, ElementDef& element) {
    for (TypeRef& ref : element.types) {
      // Targets were kept as canonical URLs: a profile's target is the type it constrains.
      for (std::string& target : ref.target_types) {
        const TypeDef* profile = set_->FindProfile(target);
        target = profile != nullptr ? profile->name : TypeFromProfileUrl(target);
      }
      ref.def = set_->FindType(ref.code);
      if (!ref.profile.empty()) {
        if (const TypeDef* profile = set_->FindProfile(ref.profile);
            profile != nullptr && profile->name == ref.code) {
          ref.def = profile;
        }
      }
      if (ref.code == "Resource" || ref.code == "DomainResource" ||
          (ref.def != nullptr && ref.def->kind == TypeDef::Kind::kResource)) {
        ref.kind = TypeRef::Kind::kResource;
      } else if ((ref.def != nullptr && ref.def->kind == TypeDef::Kind::kPrimitive) ||
                 (ref.def == nullptr && !ref.code.empty() && std::islower(ref.code[0]))) {
        ref.kind = TypeRef::Kind::kPrimitive;
        ref.primitive = PrimitiveFromName(ref.code);
      } else {
        ref.kind = TypeRef::Kind::kComplex;
        if (ref.def == nullptr && ref.code != "Element" && ref.code != "BackboneElement") {
          Note(absl::StrCat(element.path, ": type ", ref.code, " is not loaded"));
        }
      }
    }
    if (!element.content_ref_path.empty()) {
      const size_t hash = element.content_ref_path.find('#');
      const std::string target = element.content_ref_path.substr(hash + 1);
      for (auto& other : type.elements) {
        if (other->path == target) element.content_ref = other.get();
      }
      if (element.content_ref == nullptr) {
        Note(absl::StrCat(element.path, ": contentReference ", element.content_ref_path,
                          " not found"));
      }
    }
    if (!element.binding_value_set.empty()) {
      element.required_codes = Expand(StripVersion(element.binding_value_set), 0);
    }
  }

  void BuildChildren(ElementDef& element) {
    for (const ElementDef* child : element.child_list) {
      for (size_t i = 0; i < child->types.size(); ++i) {
        const TypeRef& ref = child->types[i];
        const Slot slot{child, static_cast<uint16_t>(i), false};
        const std::string key =
            child->choice ? absl::StrCat(child->name, ref.choice_suffix) : child->name;
        element.children.Insert(key, slot);
        if (ref.kind == TypeRef::Kind::kPrimitive) {
          element.children.Insert(absl::StrCat("_", key), Slot{child, slot.type_index, true});
        }
        if (!child->choice) break;
      }
    }
    element.children.Finalize();
  }

  // Flattens a value set; nullptr when it is unknown or cannot be expanded here (filters,
  // external code systems), in which case its bindings are not checked.
  const CodeSet* Expand(absl::string_view url, int depth) {
    const std::string key(url);
    if (auto it = set_->value_sets_.find(key); it != set_->value_sets_.end()) return it->second.get();
    if (auto it = failed_.find(key); it != failed_.end()) return nullptr;
    auto fail = [&](absl::string_view why) -> const CodeSet* {
      failed_.insert(key);
      Note(absl::StrCat("value set ", key, " not expanded: ", why));
      return nullptr;
    };
    if (depth > 8) return fail("nested too deep");
    auto vs_it = value_set_resources_.find(key);
    if (vs_it == value_set_resources_.end()) return fail("not loaded");
    const Value& vs = *vs_it->second;
    auto set = std::make_unique<CodeSet>();
    set->url = key;
    auto add = [&](absl::string_view system, absl::string_view code) {
      set->system_codes.insert(absl::StrCat(system, "|", code));
      set->codes.insert(std::string(code));
    };
    if (const Value* expandable = Member(vs, "expandable");
        expandable != nullptr && expandable->IsBool() && !expandable->GetBool()) {
      return fail("marked not expandable");
    }
    if (const Value* codes = Array(vs, "codes")) {
      // trialgate's flat form (fhir-profiles/r4): [{"system", "code"}, ...].
      for (const Value& c : codes->GetArray()) add(Str(c, "system"), Str(c, "code"));
    } else if (const Value* expansion = Member(vs, "expansion");
               expansion && Array(*expansion, "contains")) {
      AddContains(*Array(*expansion, "contains"), add);
    } else if (const Value* compose = Member(vs, "compose")) {
      if (const Value* includes = Array(*compose, "include")) {
        for (const Value& include : includes->GetArray()) {
          if (Array(include, "filter") != nullptr) return fail("filter");
          if (const Value* value_sets = Array(include, "valueSet")) {
            for (const Value& ref : value_sets->GetArray()) {
              if (!ref.IsString()) continue;
              const CodeSet* nested = Expand(StripVersion(ref.GetString()), depth + 1);
              if (nested == nullptr) return fail("an included value set is not expandable");
              set->system_codes.insert(nested->system_codes.begin(), nested->system_codes.end());
              set->codes.insert(nested->codes.begin(), nested->codes.end());
            }
          }
          const absl::string_view system = Str(include, "system");
          if (system.empty()) continue;
          if (const Value* concepts = Array(include, "concept")) {
            for (const Value& c : concepts->GetArray()) add(system, Str(c, "code"));
          } else {
            auto cs = code_systems_.find(std::string(StripVersion(system)));
            if (cs == code_systems_.end()) return fail(absl::StrCat("code system ", system, " not loaded"));
            if (!cs->second.complete) return fail(absl::StrCat("code system ", system, " not complete"));
            if (const Value* concepts = Array(*cs->second.resource, "concept")) {
              AddConcepts(system, *concepts, add);
            }
          }
        }
      }
      if (const Value* excludes = Array(*compose, "exclude")) {
        for (const Value& exclude : excludes->GetArray()) {
          const Value* concepts = Array(exclude, "concept");
          if (concepts == nullptr) return fail("exclude without concepts");
          const absl::string_view system = Str(exclude, "system");
          for (const Value& c : concepts->GetArray()) {
            set->system_codes.erase(absl::StrCat(system, "|", Str(c, "code")));
            set->codes.erase(std::string(Str(c, "code")));
          }
        }
      }
    } else {
      return fail("neither expansion nor compose");
    }
    const CodeSet* raw = set.get();
    set_->value_sets_[key] = std::move(set);
    return raw;
  }

  template <typename Add>
  void AddContains(const Value& contains, Add& add) {
    for (const Value& c : contains.GetArray()) {
      if (!Str(c, "code").empty()) add(Str(c, "system"), Str(c, "code"));
      if (const Value* nested = Array(c, "contains")) AddContains(*nested, add);
    }
  }

  template <typename Add>
  void AddConcepts(absl::string_view system, const Value& concepts, Add& add) {
    for (const Value& c : concepts.GetArray()) {
      if (!Str(c, "code").empty()) add(system, Str(c, "code"));
      if (const Value* nested = Array(c, "concept")) AddConcepts(system, *nested, add);
    }
  }

  void Note(std::string note) { set_->notes_.push_back(std::move(note)); }

  ProfileSet* set_;
  std::vector<std::unique_ptr<rapidjson::Document>> documents_;
  std::vector<const Value*> structure_definitions_;
  std::vector<const Value*> differentials_;
  absl::flat_hash_map<std::string, const Value*> value_set_resources_;
  absl::flat_hash_map<std::string, CodeSystemInfo> code_systems_;
  absl::flat_hash_set<std::string> failed_;
};

void ChildMap::Insert(const std::string& key, const Slot& slot) {
  for (const auto& [existing, unused] : pending_) {
    if (existing == key) return;
  }
  pending_.emplace_back(key, slot);
}

void ChildMap::Finalize() {
  count_ = pending_.size();
  size_t buckets = 4;
  shift_ = 62;
  while (buckets < count_ * 2) {
    buckets *= 2;
    --shift_;
  }
  table_.assign(buckets, Entry{});
  keys_.clear();
  for (const auto& [key, slot] : pending_) {
    Entry entry;
    entry.prefix = Prefix(key.data(), key.size());
    entry.length = static_cast<uint32_t>(key.size());
    entry.key_offset = static_cast<uint32_t>(keys_.size());
    entry.slot = slot;
    keys_.append(key);
    size_t i = Bucket(entry.prefix, key.size());
    while (table_[i].length != kEmpty) i = (i + 1) & (buckets - 1);
    table_[i] = entry;
  }
  pending_.clear();
  pending_.shrink_to_fit();
}

ProfileSet::ProfileSet() : values_(std::make_unique<rapidjson::Document>()) {}
ProfileSet::~ProfileSet() = default;

absl::StatusOr<std::unique_ptr<ProfileSet>> ProfileSet::Create(
    const std::vector<std::string_view>& json_texts) {
  std::unique_ptr<ProfileSet> set(new ProfileSet());
  Builder builder(set.get());
  for (std::string_view text : json_texts) {
    if (absl::Status s = builder.AddText(absl::string_view(text.data(), text.size())); !s.ok()) return s;
  }
  if (absl::Status s = builder.Build(); !s.ok()) return s;
  return set;
}

absl::StatusOr<std::unique_ptr<ProfileSet>> ProfileSet::FromFiles(
    const std::map<std::string, std::string>& files) {
  std::vector<std::string_view> texts;
  for (const auto& [path, content] : files) {
    if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0) texts.push_back(content);
  }
  return Create(texts);
}

const TypeDef* ProfileSet::FindType(std::string_view name) const {
  auto it = base_by_name_.find(absl::string_view(name.data(), name.size()));
  return it == base_by_name_.end() ? nullptr : it->second;
}

const TypeDef* ProfileSet::FindProfile(std::string_view url_with_version) const {
  const absl::string_view url =
      StripVersion(absl::string_view(url_with_version.data(), url_with_version.size()));
  auto it = by_url_.find(url);
  return it == by_url_.end() ? nullptr : it->second;
}

const CodeSet* ProfileSet::FindValueSet(std::string_view url_with_version) const {
  const absl::string_view url =
      StripVersion(absl::string_view(url_with_version.data(), url_with_version.size()));
  auto it = value_sets_.find(url);
  return it == value_sets_.end() ? nullptr : it->second.get();
}

const ChildMap* ProfileSet::ChildrenOf(const ElementDef& element, const TypeRef& type) const {
  if (!element.child_list.empty()) return &element.children;
  if (element.content_ref != nullptr) return &element.content_ref->children;
  if (type.def != nullptr && type.def->root() != nullptr) return &type.def->root()->children;
  return nullptr;
}

const std::vector<const ElementDef*>* ProfileSet::ChildListOf(const ElementDef& element,
                                                              const TypeRef& type) const {
  if (!element.child_list.empty()) return &element.child_list;
  if (element.content_ref != nullptr) return &element.content_ref->child_list;
  if (type.def != nullptr && type.def->root() != nullptr) return &type.def->root()->child_list;
  return nullptr;
}

const ElementDef* ProfileSet::PrimitiveExtensionRoot(const TypeRef& type) const {
  if (type.def != nullptr && type.def->root() != nullptr) return type.def->root();
  if (const TypeDef* element = FindType("Element")) return element->root();
  return nullptr;
}

}  // namespace trialgate::validation
