#include "gateway/validation/validator.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_join.h"
#include "gateway/validation/entry_issues.h"
#include "gateway/validation/invariants.h"
#include "gateway/validation/resource_types.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::validation {
namespace {

using rapidjson::Value;

absl::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

const Value* Member(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string Compact(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  std::string out(buffer.GetString(), buffer.GetSize());
  if (out.size() > 200) out = out.substr(0, 200) + "...";
  return out;
}

// True when `value` holds everything `pattern` holds (FHIR pattern[x] semantics): objects member
// by member, arrays item by item (each pattern item matched by some value item), primitives equal.
bool MatchesPattern(const Value& value, const Value& pattern) {
  if (pattern.IsObject()) {
    if (!value.IsObject()) return false;
    for (auto m = pattern.MemberBegin(); m != pattern.MemberEnd(); ++m) {
      auto it = value.FindMember(m->name);
      if (it == value.MemberEnd() || !MatchesPattern(it->value, m->value)) return false;
    }
    return true;
  }
  if (pattern.IsArray()) {
    if (!value.IsArray()) return false;
    for (const Value& p : pattern.GetArray()) {
      bool found = false;
      for (const Value& v : value.GetArray()) {
        if (MatchesPattern(v, p)) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  return value == pattern;
}

// The resource type named by a literal reference ("Patient/1", "Patient/1/_history/2",
// "https://x/fhir/Patient/1"), or "" when it names none statically ("#c1", "urn:uuid:...").
absl::string_view ReferenceType(absl::string_view reference) {
  if (reference.empty() || reference[0] == '#' || reference.rfind("urn:", 0) == 0) return {};
  const size_t query = reference.find('?');
  if (query != absl::string_view::npos) reference = reference.substr(0, query);
  absl::InlinedVector<absl::string_view, 8> segments;
  size_t start = 0;
  while (start <= reference.size()) {
    size_t slash = reference.find('/', start);
    if (slash == absl::string_view::npos) slash = reference.size();
    segments.push_back(reference.substr(start, slash - start));
    start = slash + 1;
  }
  size_t n = segments.size();
  if (n >= 4 && segments[n - 2] == "_history") n -= 2;
  if (n < 2) return {};
  absl::string_view type = segments[n - 2];
  if (type.empty() || !std::isupper(static_cast<unsigned char>(type[0]))) return {};
  for (char c : type) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return {};
  }
  return type;
}

using RequiredProfiles = std::map<std::string, const TypeDef*, std::less<>>;

bool SameIssue(const Issue& a, const Issue& b) {
  return a.severity == b.severity && a.code == b.code && a.expression == b.expression &&
         a.diagnostics == b.diagnostics;
}

class Walker {
 public:
  Walker(const ProfileSet& profiles, const RequiredProfiles& required, const TypeDef* requested,
         IssueRouting routing)
      : profiles_(profiles), required_(required), requested_(requested), routing_(routing) {}

  std::string path;

  void Resource(const Value& v) {
    if (!v.IsObject()) {
      if (path.empty()) path = "Resource";
      Error("structure", absl::StrCat(path, ": a resource must be a JSON object"));
      return;
    }
    const Value* type_value = Member(v, "resourceType");
    if (type_value == nullptr || !type_value->IsString() || type_value->GetStringLength() == 0) {
      if (path.empty()) path = "Resource";
      Error("structure", absl::StrCat(path, ": resourceType is missing or not a string"));
      return;
    }
    const absl::string_view type_name = View(*type_value);
    if (path.empty()) path.assign(type_name.data(), type_name.size());
    const TypeDef* type = profiles_.FindType(std::string_view(type_name.data(), type_name.size()));
    if (type == nullptr || type->kind != TypeDef::Kind::kResource || type->root() == nullptr) {
      if (IsR4ResourceType(type_name)) {
        Warning("not-supported", absl::StrCat(path, ": resource type '", type_name,
                                              "' not validated: no definition is loaded for it"));
      } else {
        Error("structure",
              absl::StrCat(path, ": '", type_name, "' is not a FHIR R4 resource type"));
      }
      return;
    }
    if (type->is_abstract) {
      Error("structure", absl::StrCat(path, ": resource type '", type_name, "' is abstract"));
      return;
    }
    absl::InlinedVector<const TypeDef*, 2> definitions;
    ApplicableProfiles(v, type_name, &definitions);
    if (definitions.empty()) definitions.push_back(type);
    const Marks marks = Mark();
    Members(v, definitions[0]->root()->children, definitions[0]->root()->child_list, true);
    for (size_t i = 1; i < definitions.size(); ++i) {
      // Each profile includes the base rules: keep only what this one adds.
      const IssueRouting saved = routing_;
      std::vector<Issue> found;
      std::vector<std::vector<Issue>> found_entries(marks.entries.size());
      routing_ = IssueRouting(&found, marks.entries.empty() ? nullptr : &found_entries);
      Members(v, definitions[i]->root()->children, definitions[i]->root()->child_list, true);
      routing_ = saved;
      AddNew(std::move(found), marks.current, routing_.current());
      for (size_t e = 0; e < marks.entries.size(); ++e) {
        AddNew(std::move(found_entries[e]), marks.entries[e], &(*routing_.entries())[e]);
      }
    }
  }

 private:
  // Where each list of issues stood before a resource's first pass: the list being filled and,
  // when that is the root Bundle's own with entries split off, each entry's.
  struct Marks {
    size_t current = 0;
    std::vector<size_t> entries;
  };

  Marks Mark() const {
    Marks marks{routing_.current()->size(), {}};
    if (routing_.entries() != nullptr && routing_.current() == routing_.root()) {
      for (const std::vector<Issue>& entry : *routing_.entries()) marks.entries.push_back(entry.size());
    }
    return marks;
  }

  // Appends each of `found` not already in (*list)[first..].
  static void AddNew(std::vector<Issue> found, size_t first, std::vector<Issue>* list) {
    for (Issue& issue : found) {
      if (std::none_of(list->begin() + first, list->end(),
                       [&](const Issue& known) { return SameIssue(known, issue); })) {
        list->push_back(std::move(issue));
      }
    }
  }

  void Add(Issue issue) { routing_.current()->push_back(std::move(issue)); }
  void Error(const char* code, std::string diagnostics) {
    Add({Issue::Severity::kError, code, path, std::move(diagnostics)});
  }
  void Warning(const char* code, std::string diagnostics) {
    Add({Issue::Severity::kWarning, code, path, std::move(diagnostics)});
  }

  // The profiles `resource` is to be checked against instead of its base definition: the one
  // requested for this validation, its type's required profile, and those it claims.
  void ApplicableProfiles(const Value& resource, absl::string_view type_name,
                          absl::InlinedVector<const TypeDef*, 2>* out) {
    auto add = [&](const TypeDef* profile) {
      if (std::find(out->begin(), out->end(), profile) == out->end()) out->push_back(profile);
    };
    if (requested_ != nullptr && contained_depth_ == 0 && requested_->name == type_name) {
      add(requested_);
    }
    if (!required_.empty()) {
      auto it = required_.find(std::string_view(type_name.data(), type_name.size()));
      if (it != required_.end()) add(it->second);
    }
    const Value* meta = Member(resource, "meta");
    const Value* claimed = meta != nullptr && meta->IsObject() ? Member(*meta, "profile") : nullptr;
    if (claimed == nullptr || !claimed->IsArray()) return;  // a wrong shape is reported by the walk
    for (rapidjson::SizeType i = 0; i < claimed->Size(); ++i) {
      const Value& url = (*claimed)[i];
      if (!url.IsString() || url.GetStringLength() == 0) continue;
      const TypeDef* profile = profiles_.FindProfile(std::string_view(url.GetString(), url.GetStringLength()));
      if (profile != nullptr && profile->name == type_name && !profile->is_profile) continue;
      const std::string at = absl::StrCat(path, ".meta.profile[", i, "]");
      if (profile == nullptr) {
        Add({Issue::Severity::kInformation, "informational", at,
                            absl::StrCat(at, ": profile '", View(url), "' is not known here; ",
                                         path, " was checked against the base definition only")});
      } else if (profile->name != type_name) {
        Add({Issue::Severity::kError, "invalid", at,
                            absl::StrCat(at, ": '", View(url), "' is a profile of ",
                                         profile->name, ", not of ", type_name)});
      } else {
        add(profile);
      }
    }
  }

  // " (profile URL)" when a profile, not the base definition, set the rule of `element`.
  static std::string Origin(const ElementDef& element) {
    return element.profile.empty() ? std::string() : absl::StrCat(" (profile ", element.profile, ")");
  }

  // Appends "[i]" to the path.
  void AppendIndex(uint32_t i) {
    char digits[12];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + i % 10);
      i /= 10;
    } while (i != 0);
    path.push_back('[');
    while (n > 0) path.push_back(digits[--n]);
    path.push_back(']');
  }

  // Appends ".name" (or ".name.ofType(Type)" for a choice) to the path; returns the old size.
  size_t Push(const ElementDef& element, const TypeRef& type) {
    const size_t old = path.size();
    path.push_back('.');
    path.append(element.name);
    if (element.choice) {
      path.append(".ofType(");
      path.append(type.code);
      path.push_back(')');
    }
    return old;
  }

  void Members(const Value& object, const ChildMap& children,
               const std::vector<const ElementDef*>& child_list, bool is_resource) {
    if (object.MemberCount() == 0 || (is_resource && object.MemberCount() == 1)) {
      Error("structure", absl::StrCat(path, ": empty object (FHIR forbids empty elements)"));
    }
    // Per child: how many values it holds, which choice type was used, and (bit 1) whether its
    // JSON property or (bit 2) its `_name` property was seen. One zero-filled array.
    struct Seen {
      uint32_t count;
      uint16_t choice;  // type index + 1; 0 = none
      uint8_t bits;
    };
    absl::InlinedVector<Seen, 48> state(child_list.size(), Seen{0, 0, 0});
    for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
      const absl::string_view name = View(m->name);
      if (is_resource && name == "resourceType") continue;
      const Slot* found = children.Find(name.data(), name.size());
      if (found == nullptr) {
        const size_t old = path.size();
        const std::string parent = path;
        path.push_back('.');
        path.append(name.data(), name.size());
        Error("structure", absl::StrCat("unknown element '", name, "' in ", parent));
        path.resize(old);
        continue;
      }
      const Slot& slot = *found;
      const ElementDef& element = *slot.element;
      const TypeRef& type = element.types[slot.type_index];
      const size_t old = Push(element, type);
      if (type.excluded) {
        std::vector<std::string> allowed;
        for (const TypeRef& t : element.types) {
          if (!t.excluded) allowed.push_back(t.code);
        }
        Error("structure", absl::StrCat(path, ": only ", absl::StrJoin(allowed, ", "),
                                        " allowed for ", element.path, ", not ", type.code,
                                        Origin(element)));
        // Present, if of the wrong type: not also "missing".
        state[element.index].count = std::max<uint32_t>(state[element.index].count, 1);
        path.resize(old);
        continue;
      }
      const uint8_t bit = slot.underscore ? 2 : 1;
      Seen& seen = state[element.index];
      const int32_t previous_choice = static_cast<int32_t>(seen.choice) - 1;
      if (element.choice && previous_choice >= 0 && previous_choice != slot.type_index) {
        Error("structure",
              absl::StrCat(path, ": only one type of the choice element ", element.path,
                           " may be present, found ", element.name,
                           element.types[previous_choice].choice_suffix, " and ", element.name,
                           type.choice_suffix));
      } else if (seen.bits & bit) {
        // RapidJSON keeps both members of a duplicated key; FHIR JSON (RFC 8259 objects with
        // unique names) does not allow it, and which one counts would be a guess.
        Error("structure", absl::StrCat(path, ": duplicate JSON property '", name, "'"));
        path.resize(old);
        continue;
      }
      seen.choice = static_cast<uint16_t>(slot.type_index + 1);
      seen.bits |= bit;
      uint32_t count;
      if (slot.underscore) {
        const absl::string_view value_name = name.substr(1);
        const Value* counterpart = Member(object, std::string(value_name).c_str());
        count = PrimitiveExtensions(m->value, element, type, counterpart);
      } else {
        const Value* counterpart = nullptr;
        if (type.kind == TypeRef::Kind::kPrimitive && m->value.IsArray()) {
          counterpart = Member(object, absl::StrCat("_", name).c_str());
        }
        count = ElementValue(m->value, element, type, counterpart);
      }
      seen.count = std::max(seen.count, count);
      path.resize(old);
    }
    for (const ElementDef* child : child_list) {
      const uint32_t found_count = state[child->index].count;
      if (child->min > 0 && found_count < child->min) {
        const size_t old = path.size();
        path.push_back('.');
        path.append(child->name);
        Error("required", absl::StrCat(path, ": minimum cardinality ", child->min, " not met",
                                       found_count > 0
                                           ? absl::StrCat(" (found ", found_count, ")")
                                           : "",
                                       Origin(*child)));
        path.resize(old);
      }
      if (found_count == 0 && !child->slices.empty()) {
        const size_t old = path.size();
        path.push_back('.');
        path.append(child->name);
        const absl::InlinedVector<uint32_t, 4> none(child->slices.size(), 0);
        SliceCardinality(*child, none);
        path.resize(old);
      }
    }
  }

  // The slice of `element` whose discriminator value `item` carries, or nullptr.
  static const ElementDef* MatchSlice(const Value& item, const ElementDef& element, size_t* index) {
    if (!item.IsObject()) return nullptr;
    auto at = item.FindMember(element.slicing->discriminator_path.c_str());
    if (at == item.MemberEnd()) return nullptr;
    for (size_t k = 0; k < element.slices.size(); ++k) {
      const ElementDef* slice = element.slices[k];
      if (slice->slice_value != nullptr && MatchesPattern(at->value, *slice->slice_value)) {
        *index = k;
        return slice;
      }
    }
    return nullptr;
  }

  static const TypeRef& SliceType(const ElementDef& slice, const TypeRef& fallback) {
    for (const TypeRef& t : slice.types) {
      if (!t.excluded) return t;
    }
    return fallback;
  }

  void SliceCardinality(const ElementDef& element, const absl::InlinedVector<uint32_t, 4>& counts) {
    for (size_t k = 0; k < element.slices.size(); ++k) {
      const ElementDef& slice = *element.slices[k];
      if (counts[k] < slice.min) {
        Error("required", absl::StrCat(path, ": slice '", slice.slice_name, "' of ",
                                       element.path, " (", Compact(*slice.slice_value),
                                       "): minimum cardinality ", slice.min, " not met",
                                       counts[k] > 0 ? absl::StrCat(" (found ", counts[k], ")") : "",
                                       Origin(slice)));
      }
      if (counts[k] > slice.max) {
        Error("structure", absl::StrCat(path, ": slice '", slice.slice_name, "' of ",
                                        element.path, " (", Compact(*slice.slice_value),
                                        "): maximum cardinality ", slice.max,
                                        " exceeded (found ", counts[k], ")", Origin(slice)));
      }
    }
  }

  // Checks the value of one element (array or single); returns how many values it holds.
  // `counterpart` is the `_name` array of a primitive array, which may fill its nulls.
  uint32_t ElementValue(const Value& value, const ElementDef& element, const TypeRef& type,
                        const Value* counterpart) {
    const bool repeating = element.max > 1;
    if (element.max == 0) {
      Error("structure", absl::StrCat(path, ": ", element.path,
                                      " has maximum cardinality 0, it must not be present",
                                      Origin(element)));
      return 1;
    }
    if (!value.IsArray()) {
      if (repeating) {
        Error("structure", absl::StrCat(path, ": ", element.path,
                                        " repeats (max *), its value must be a JSON array"));
      }
      Single(value, element, type);
      return 1;
    }
    const uint32_t size = value.Size();
    if (!repeating) {
      Error("structure", absl::StrCat(path, ": ", element.path,
                                      " has maximum cardinality 1, it must not be a JSON array"));
      return size;
    }
    if (size == 0) {
      Error("structure", absl::StrCat(path, ": empty array (FHIR forbids empty arrays)"));
      return 0;
    }
    if (size > element.max) {
      Error("structure", absl::StrCat(path, ": maximum cardinality ", element.max,
                                      " exceeded (found ", size, ")", Origin(element)));
    }
    const size_t old = path.size();
    const bool sliced = element.slicing.has_value() && !element.slices.empty();
    absl::InlinedVector<uint32_t, 4> slice_counts(element.slices.size(), 0);
    for (uint32_t i = 0; i < size; ++i) {
      AppendIndex(i);
      const EntryScope entry_scope(routing_, routing_.entries() != nullptr && element.path == "Bundle.entry", i);
      const Value& item = value[i];
      size_t k = 0;
      const ElementDef* slice = sliced ? MatchSlice(item, element, &k) : nullptr;
      if (item.IsNull() && counterpart != nullptr && counterpart->IsArray() &&
          i < counterpart->Size() && !(*counterpart)[i].IsNull()) {
        // The value is absent; its id/extensions are in `_name`.
      } else if (slice != nullptr) {
        ++slice_counts[k];
        Single(item, *slice, SliceType(*slice, type));
      } else {
        if (sliced && element.slicing->closed) {
          Error("structure", absl::StrCat(path, ": matches no slice of ", element.path,
                                          " (its slicing is closed)"));
        }
        Single(item, element, type);
      }
      path.resize(old);
    }
    if (sliced) SliceCardinality(element, slice_counts);
    return size;
  }

  // `_name`: the ids and extensions of a primitive (or of each item of a primitive array).
  uint32_t PrimitiveExtensions(const Value& value, const ElementDef& element, const TypeRef& type,
                               const Value* counterpart) {
    const ElementDef* root = profiles_.PrimitiveExtensionRoot(type);
    const bool repeating = element.max > 1;
    if (element.max == 0) {
      Error("structure", absl::StrCat(path, ": ", element.path,
                                      " has maximum cardinality 0, it must not be present"));
      return 1;
    }
    if (!value.IsArray()) {
      if (repeating) {
        Error("structure", absl::StrCat(path, ": ", element.path,
                                        " repeats, its _", element.name,
                                        " must be a JSON array"));
      }
      ExtensionObject(value, root);
      return 1;
    }
    if (!repeating) {
      Error("structure", absl::StrCat(path, ": ", element.path,
                                      " has maximum cardinality 1, its _", element.name,
                                      " must not be a JSON array"));
      return value.Size();
    }
    if (value.Empty()) {
      Error("structure", absl::StrCat(path, ": empty array (FHIR forbids empty arrays)"));
      return 0;
    }
    if (counterpart != nullptr && counterpart->IsArray() && counterpart->Size() != value.Size()) {
      Error("structure", absl::StrCat(path, ": _", element.name, " has ", value.Size(),
                                      " items but ", element.name, " has ",
                                      counterpart->Size()));
    }
    const size_t old = path.size();
    for (uint32_t i = 0; i < value.Size(); ++i) {
      AppendIndex(i);
      const Value& item = value[i];
      if (item.IsNull()) {
        const bool has_value = counterpart != nullptr && counterpart->IsArray() &&
                               i < counterpart->Size() && !(*counterpart)[i].IsNull();
        if (!has_value) {
          Error("structure", absl::StrCat(path, ": null without a value (FHIR forbids null)"));
        }
      } else {
        ExtensionObject(item, root);
      }
      path.resize(old);
    }
    return value.Size();
  }

  void ExtensionObject(const Value& value, const ElementDef* root) {
    if (!value.IsObject()) {
      Error("structure", absl::StrCat(path, ": the id/extensions of a primitive must be a JSON "
                                            "object"));
      return;
    }
    if (root != nullptr) {
      Members(value, root->children, root->child_list, false);
    } else if (value.MemberCount() == 0) {
      Error("structure", absl::StrCat(path, ": empty object (FHIR forbids empty elements)"));
    }
  }

  void Single(const Value& value, const ElementDef& element, const TypeRef& type) {
    if (value.IsNull()) {
      Error("structure", absl::StrCat(path, ": null is not allowed (FHIR forbids null)"));
      return;
    }
    switch (type.kind) {
      case TypeRef::Kind::kPrimitive:
        Primitive(value, element, type);
        break;
      case TypeRef::Kind::kResource: {
        const bool contained = element.name == "contained";
        contained_depth_ += contained ? 1 : 0;
        Resource(value);
        contained_depth_ -= contained ? 1 : 0;
        break;
      }
      case TypeRef::Kind::kComplex:
        Complex(value, element, type);
        break;
    }
    if (element.fixed != nullptr && !(value == *element.fixed)) {
      Error("value", absl::StrCat(path, ": value must be exactly the fixed value ",
                                  Compact(*element.fixed), " of ", element.path, Origin(element)));
    }
    if (element.pattern != nullptr && !MatchesPattern(value, *element.pattern)) {
      Error("value", absl::StrCat(path, ": value does not match the pattern ",
                                  Compact(*element.pattern), " of ", element.path,
                                  Origin(element)));
    }
    if (!element.native_checks.empty()) RunNativeChecks(value, type, element.native_checks, nullptr);
    // The invariants of the value's type (per-1 on every Period, ...), unless the element
    // carries the same rule itself (ext-1 sits on both).
    if (type.def != nullptr && type.def->root() != nullptr && type.def->root() != &element &&
        !type.def->root()->native_checks.empty()) {
      RunNativeChecks(value, type, type.def->root()->native_checks, &element.native_checks);
    }
  }

  void RunNativeChecks(const Value& value, const TypeRef& type,
                       const std::vector<NativeCheck>& checks,
                       const std::vector<NativeCheck>* already) {
    for (const NativeCheck& check : checks) {
      if (already != nullptr &&
          std::any_of(already->begin(), already->end(),
                      [&](const NativeCheck& other) { return other.check == check.check; })) {
        continue;
      }
      if (std::optional<std::string> problem = check.check(value, type)) {
        Add({check.error ? Issue::Severity::kError : Issue::Severity::kWarning,
                            "invariant", path,
                            problem->empty() ? absl::StrCat(check.key, ": ", check.human)
                                             : absl::StrCat(check.key, ": ", check.human, ": ",
                                                            *problem)});
      }
    }
  }

  void Primitive(const Value& value, const ElementDef& element, const TypeRef& type) {
    if (value.IsObject() || value.IsArray()) {
      Error("structure", absl::StrCat(path, ": ", element.path, " is a primitive (", type.code,
                                      "), not a JSON ", value.IsObject() ? "object" : "array"));
      return;
    }
    if (value.IsString() && value.GetStringLength() == 0) {
      Error("value", absl::StrCat(path, ": empty string (FHIR forbids empty values)"));
      return;
    }
    if (type.primitive.has_value()) {
      if (std::optional<std::string> problem = CheckPrimitive(*type.primitive, value)) {
        Error("value", absl::StrCat(path, ": invalid ", type.code, ": ", *problem));
        return;
      }
      if (value.IsNumber()) Bounds(value, element);
    } else if (!value.IsString()) {
      Error("value", absl::StrCat(path, ": ", type.code, " must be a JSON string"));
      return;
    }
    if (element.required_codes != nullptr && value.IsString() &&
        !element.required_codes->codes.contains((View(value)))) {
      Error("code-invalid", absl::StrCat(path, ": code '", View(value),
                                         "' is not in the required value set ",
                                         element.binding_value_set, Origin(element)));
    }
  }

  // minValue[x] / maxValue[x] (profiles).
  void Bounds(const Value& value, const ElementDef& element) {
    if (element.min_value.has_value() && value.GetDouble() < *element.min_value) {
      Error("value", absl::StrCat(path, ": ", Compact(value), " is below the minimum ",
                                  *element.min_value, " of ", element.path, Origin(element)));
    }
    if (element.max_value.has_value() && value.GetDouble() > *element.max_value) {
      Error("value", absl::StrCat(path, ": ", Compact(value), " is above the maximum ",
                                  *element.max_value, " of ", element.path, Origin(element)));
    }
  }

  void Complex(const Value& value, const ElementDef& element, const TypeRef& type) {
    if (!value.IsObject()) {
      Error("structure", absl::StrCat(path, ": ", element.path, " is a ", type.code,
                                      ", it must be a JSON object"));
      return;
    }
    const ChildMap* children = profiles_.ChildrenOf(element, type);
    const std::vector<const ElementDef*>* child_list = profiles_.ChildListOf(element, type);
    if (children != nullptr && child_list != nullptr) {
      Members(value, *children, *child_list, false);
    } else if (value.MemberCount() == 0) {
      Error("structure", absl::StrCat(path, ": empty object (FHIR forbids empty elements)"));
    }
    if (type.code == "Reference" && !type.any_target) ReferenceTarget(value, element, type);
    if (element.required_codes != nullptr) {
      if (type.code == "Coding") {
        CodingBinding(value, element);
      } else if (type.code == "CodeableConcept") {
        CodeableConceptBinding(value, element);
      }
    }
  }

  void ReferenceTarget(const Value& value, const ElementDef& element, const TypeRef& type) {
    auto allowed = [&](absl::string_view t) {
      return std::find(type.target_types.begin(), type.target_types.end(), t) !=
             type.target_types.end();
    };
    const Value* reference = Member(value, "reference");
    if (reference != nullptr && reference->IsString()) {
      const absl::string_view target = ReferenceType(View(*reference));
      if (!target.empty() && !allowed(target)) {
        const size_t old = path.size();
        path.append(".reference");
        Error("value", absl::StrCat(path, ": '", View(*reference), "' refers to a ", target,
                                    ", but only ", absl::StrJoin(type.target_types, ", "),
                                    " may be referenced here", Origin(element)));
        path.resize(old);
      }
    }
    const Value* type_value = Member(value, "type");
    if (type_value != nullptr && type_value->IsString() && type_value->GetStringLength() > 0 &&
        !allowed(View(*type_value))) {
      const size_t old = path.size();
      path.append(".type");
      Error("value", absl::StrCat(path, ": reference type '", View(*type_value),
                                  "' is not allowed here, only ",
                                  absl::StrJoin(type.target_types, ", "), Origin(element)));
      path.resize(old);
    }
  }

  bool CodingInSet(const Value& coding, const CodeSet& codes) {
    if (!coding.IsObject()) return false;
    const Value* system = Member(coding, "system");
    const Value* code = Member(coding, "code");
    if (system == nullptr || code == nullptr || !system->IsString() || !code->IsString()) {
      return false;
    }
    std::string key;
    key.reserve(system->GetStringLength() + code->GetStringLength() + 1);
    key.append(system->GetString(), system->GetStringLength());
    key.push_back('|');
    key.append(code->GetString(), code->GetStringLength());
    return codes.system_codes.contains(key);
  }

  void CodingBinding(const Value& coding, const ElementDef& element) {
    if (CodingInSet(coding, *element.required_codes)) return;
    Error("code-invalid",
          absl::StrCat(path, ": coding ", CodingText(coding), " is not in the required value set ",
                       element.binding_value_set, Origin(element)));
  }

  void CodeableConceptBinding(const Value& concept_value, const ElementDef& element) {
    const Value* codings = Member(concept_value, "coding");
    if (codings != nullptr && codings->IsArray()) {
      for (const Value& coding : codings->GetArray()) {
        if (CodingInSet(coding, *element.required_codes)) return;
      }
    }
    std::string found;
    if (codings != nullptr && codings->IsArray() && !codings->Empty()) {
      std::vector<std::string> texts;
      for (const Value& coding : codings->GetArray()) texts.push_back(CodingText(coding));
      found = absl::StrCat("none of its codings (", absl::StrJoin(texts, ", "), ") is");
    } else {
      found = "it has no coding";
    }
    Error("code-invalid", absl::StrCat(path, ": ", found, " in the required value set ",
                                       element.binding_value_set, Origin(element)));
  }

  static std::string CodingText(const Value& coding) {
    if (!coding.IsObject()) return "(not an object)";
    const Value* system = Member(coding, "system");
    const Value* code = Member(coding, "code");
    return absl::StrCat(system != nullptr && system->IsString() ? View(*system) : "(no system)",
                        "|", code != nullptr && code->IsString() ? View(*code) : "(no code)");
  }

  const ProfileSet& profiles_;
  const RequiredProfiles& required_;
  const TypeDef* requested_;
  IssueRouting routing_;
  int contained_depth_ = 0;
};

}  // namespace

Validator::Validator(const ProfileSet& profiles,
                     const std::map<std::string, std::string>& required_profiles)
    : profiles_(profiles) {
  for (const auto& [type, url] : required_profiles) {
    const TypeDef* profile = profiles.FindProfile(url);
    if (profile == nullptr || profile->name != type) {
      missing_.push_back(url);
    } else {
      required_.emplace(type, profile);
    }
  }
}

void Validator::Validate(const rapidjson::Value& resource, const std::string& root_path,
                         std::vector<Issue>* issues) const {
  Walk(resource, root_path, IssueRouting(issues, nullptr), nullptr);
}

void Validator::ValidateBundle(const rapidjson::Value& bundle, std::vector<Issue>* bundle_issues,
                               std::vector<std::vector<Issue>>* entry_issues) const {
  Walk(bundle, "Bundle", IssueRouting(bundle_issues, entry_issues), nullptr);
}

absl::Status Validator::ValidateAgainstProfile(const rapidjson::Value& resource,
                                               std::string_view profile_url,
                                               std::vector<Issue>* issues) const {
  const TypeDef* profile = profiles_.FindProfile(profile_url);
  if (profile == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("profile '", absl::string_view(profile_url.data(), profile_url.size()),
                     "' is not known to this gateway"));
  }
  ValidateAgainst(resource, "", issues, profile);
  return absl::OkStatus();
}

void Validator::ValidateAgainst(const rapidjson::Value& resource, const std::string& root_path,
                                std::vector<Issue>* issues, const TypeDef* profile) const {
  Walk(resource, root_path, IssueRouting(issues, nullptr), profile);
}

void Validator::Walk(const rapidjson::Value& resource, const std::string& root_path,
                     IssueRouting routing, const TypeDef* profile) const {
  Walker walker(profiles_, required_, profile, routing);
  walker.path.reserve(root_path.size() + 128);
  walker.path = root_path;
  walker.Resource(resource);
  if (!resource.IsObject()) return;
  std::string root = root_path;
  if (root.empty()) {
    auto type = resource.FindMember("resourceType");
    if (type == resource.MemberEnd() || !type->value.IsString()) return;
    root = type->value.GetString();
  }
  CheckInvariants(resource, root, routing.root(), routing.entries());
}

}  // namespace trialgate::validation
