#include "gateway/validation/invariants.h"

#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/validation/entry_issues.h"
#include "gateway/validation/resource_types.h"

// Rule texts are those of the FHIR R4 StructureDefinitions (constraint.human), kept in
// fhir-profiles/r4/StructureDefinition-{Observation,MedicationAdministration,DomainResource,
// Bundle}.json; where a rule is read differently from its FHIRPath, a comment says how and why.
namespace trialgate::validation {
namespace {

using rapidjson::Value;

const Value* Member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

absl::string_view String(const Value* value) {
  return value != nullptr && value->IsString()
             ? absl::string_view(value->GetString(), value->GetStringLength())
             : absl::string_view();
}

// True when `object` has a member named `prefix` + an upper-case letter (a choice like value[x]).
bool HasChoice(const Value& object, absl::string_view prefix) {
  if (!object.IsObject()) return false;
  for (const auto& member : object.GetObject()) {
    absl::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
        name[prefix.size()] >= 'A' && name[prefix.size()] <= 'Z') {
      return true;
    }
  }
  return false;
}

class Checker {
 public:
  explicit Checker(IssueRouting routing) : routing_(routing) {}

  // `contained`: `resource` is a contained resource (of the resource at the end of `path`).
  void Resource(const Value& resource, const std::string& path, bool contained) {
    if (!resource.IsObject()) return;
    const absl::string_view type = String(Member(resource, "resourceType"));
    // dom-6 is an invariant of every DomainResource, but R4 exempts contained resources
    // ("Contained resources do not have narrative", DomainResource.text), and HL7's validator
    // skips them too. A Bundle entry is not contained: it is checked.
    if (!contained && IsR4DomainResourceType(type)) {
      const Value* text = Member(resource, "text");
      if (text == nullptr || Member(*text, "div") == nullptr) {
        Broken(path, "dom-6", "A resource should have narrative for robust management",
               Issue::Severity::kWarning);
      }
    }
    if (!contained) LocalReferencesResolve(resource, path);
    if (type == "Observation") Observation(resource, path);
    if (type == "MedicationAdministration") MedicationAdministration(resource, path);
    if (type == "Bundle") Bundle(resource, path);
    Contained(resource, path);
  }

 private:
  // `severity` is the rule's own: error, or warning for a best practice (dom-6).
  void Broken(std::string expression, absl::string_view key, absl::string_view rule,
              Issue::Severity severity = Issue::Severity::kError) {
    routing_.current()->push_back({severity, "invariant", expression,
                        absl::StrCat(key, ": ", rule, " (", expression, ")")});
  }

  void Observation(const Value& observation, const std::string& path) {
    const bool has_value = HasChoice(observation, "value");
    if (has_value && Member(observation, "dataAbsentReason") != nullptr) {
      Broken(path + ".dataAbsentReason", "obs-6",
             "dataAbsentReason SHALL only be present if Observation.value[x] is not present");
    }
    if (const Value* ranges = Member(observation, "referenceRange");
        ranges != nullptr && ranges->IsArray()) {
      for (rapidjson::SizeType i = 0; i < ranges->Size(); ++i) {
        const Value& range = (*ranges)[i];
        if (range.IsObject() && Member(range, "low") == nullptr &&
            Member(range, "high") == nullptr && Member(range, "text") == nullptr) {
          Broken(absl::StrCat(path, ".referenceRange[", i, "]"), "obs-3",
                 "Must have at least a low or a high or text");
        }
      }
    }
    const Value* components = Member(observation, "component");
    if (!has_value || components == nullptr || !components->IsArray()) return;
    std::set<std::pair<absl::string_view, absl::string_view>> codes;
    for (const Value& coding : Codings(Member(observation, "code"))) {
      codes.emplace(String(Member(coding, "system")), String(Member(coding, "code")));
    }
    for (rapidjson::SizeType i = 0; i < components->Size(); ++i) {
      for (const Value& coding : Codings(Member((*components)[i], "code"))) {
        if (codes.count({String(Member(coding, "system")), String(Member(coding, "code"))})) {
          Broken(absl::StrCat(path, ".component[", i, "].code"), "obs-7",
                 "If Observation.code is the same as an Observation.component.code then the "
                 "value element associated with the code SHALL NOT be present");
          return;
        }
      }
    }
  }

  void MedicationAdministration(const Value& administration, const std::string& path) {
    const Value* dosage = Member(administration, "dosage");
    if (dosage != nullptr && dosage->IsObject() && Member(*dosage, "dose") == nullptr &&
        !HasChoice(*dosage, "rate")) {
      Broken(path + ".dosage", "mad-1", "SHALL have at least one of dosage.dose or dosage.rate[x]");
    }
  }

  void Bundle(const Value& bundle, const std::string& path) {
    const absl::string_view type = String(Member(bundle, "type"));
    // The rules below depend on the type; a missing or unknown one is already a structural
    // error, and judging entries against a type the Bundle does not have would only add noise.
    static const auto* kTypes = new std::set<absl::string_view>{
        "document", "message", "transaction", "transaction-response", "batch",
        "batch-response", "history", "searchset", "collection"};
    if (kTypes->count(type) == 0) return;
    const bool search_or_history = type == "searchset" || type == "history";
    if (Member(bundle, "total") != nullptr && !search_or_history) {
      Broken(path + ".total", "bdl-1", "total only when a search or history");
    }
    const Value* entries = Member(bundle, "entry");
    const bool document = type == "document", message = type == "message";
    if (document) {
      const Value* identifier = Member(bundle, "identifier");
      if (identifier == nullptr || Member(*identifier, "system") == nullptr ||
          Member(*identifier, "value") == nullptr) {
        Broken(path + ".identifier", "bdl-9", "A document must have an identifier with a system "
                                              "and a value");
      }
      if (Member(bundle, "timestamp") == nullptr) {
        Broken(path + ".timestamp", "bdl-10", "A document must have a date");
      }
    }
    if (document || message) {
      const char* first_type = document ? "Composition" : "MessageHeader";
      const Value* first = entries != nullptr && entries->IsArray() && !entries->Empty()
                               ? Member((*entries)[0], "resource")
                               : nullptr;
      if (String(first != nullptr ? Member(*first, "resourceType") : nullptr) != first_type) {
        Broken(path + ".entry[0].resource", document ? "bdl-11" : "bdl-12",
               absl::StrCat("A ", type, " must have a ", first_type, " as the first resource"));
      }
    }
    if (entries == nullptr || !entries->IsArray()) return;

    const bool needs_request = type == "batch" || type == "transaction" || type == "history";
    const bool needs_response =
        type == "batch-response" || type == "transaction-response" || type == "history";
    std::set<std::pair<absl::string_view, absl::string_view>> full_urls;  // fullUrl, versionId
    for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
      const Value& entry = (*entries)[i];
      if (!entry.IsObject()) continue;
      const EntryScope entry_scope(routing_, /*is_entry=*/true, i);
      const std::string entry_path = absl::StrCat(path, ".entry[", i, "]");
      const bool has_request = Member(entry, "request") != nullptr;
      const bool has_response = Member(entry, "response") != nullptr;
      const Value* resource = Member(entry, "resource");
      if (Member(entry, "search") != nullptr && type != "searchset") {
        Broken(entry_path + ".search", "bdl-2", "entry.search only when a search");
      }
      if (has_request != needs_request) {
        Broken(entry_path + ".request", "bdl-3",
               "entry.request mandatory for batch/transaction/history, otherwise prohibited");
      }
      if (has_response != needs_response) {
        Broken(entry_path + ".response", "bdl-4",
               "entry.response mandatory for batch-response/transaction-response/history, "
               "otherwise prohibited");
      }
      if (resource == nullptr && !has_request && !has_response) {
        Broken(entry_path, "bdl-5", "must be a resource unless there's a request or response");
      }
      const absl::string_view full_url = String(Member(entry, "fullUrl"));
      if (full_url.find("/_history/") != absl::string_view::npos) {
        Broken(entry_path + ".fullUrl", "bdl-8", "fullUrl cannot be a version specific reference");
      }
      if (!full_url.empty() && type != "history") {
        const Value* meta = resource != nullptr ? Member(*resource, "meta") : nullptr;
        const absl::string_view version = String(meta != nullptr ? Member(*meta, "versionId")
                                                                : nullptr);
        if (!full_urls.emplace(full_url, version).second) {
          Broken(entry_path + ".fullUrl", "bdl-7",
                 "FullUrl must be unique in a bundle, or else entries with the same fullUrl "
                 "must have different meta.versionId (except in history bundles)");
        }
      }
      if (resource != nullptr) Resource(*resource, entry_path + ".resource", /*contained=*/false);
    }
  }

  void Contained(const Value& resource, const std::string& path) {
    const Value* contained = Member(resource, "contained");
    if (contained == nullptr || !contained->IsArray()) return;
    std::set<absl::string_view> local_references;  // of the whole resource, contained ones too
    LocalReferences(resource, &local_references);
    for (rapidjson::SizeType i = 0; i < contained->Size(); ++i) {
      const Value& inner = (*contained)[i];
      const std::string inner_path = absl::StrCat(path, ".contained[", i, "]");
      if (Member(inner, "contained") != nullptr) {
        Broken(inner_path + ".contained", "dom-2",
               "If the resource is contained in another resource, it SHALL NOT contain nested "
               "Resources");
      }
      if (!Referenced(inner, local_references)) {
        Broken(inner_path, "dom-3",
               "If the resource is contained in another resource, it SHALL be referred to from "
               "elsewhere in the resource or SHALL refer to the containing resource");
      }
      if (const Value* meta = Member(inner, "meta"); meta != nullptr) {
        if (Member(*meta, "versionId") != nullptr || Member(*meta, "lastUpdated") != nullptr) {
          Broken(inner_path + ".meta", "dom-4",
                 "If a resource is contained in another resource, it SHALL NOT have a "
                 "meta.versionId or a meta.lastUpdated");
        }
        if (Member(*meta, "security") != nullptr) {
          Broken(inner_path + ".meta.security", "dom-5",
                 "If a resource is contained in another resource, it SHALL NOT have a security "
                 "label");
        }
      }
      Resource(inner, inner_path, /*contained=*/true);
    }
  }

  // dom-3 for one contained resource: "#<its id>" is among the container's local references, or
  // it refers to the container itself ("#"). The FHIRPath counts only Reference.reference and
  // values of type canonical, uri or url; the JSON carries no types, so any string value counts
  // here (a plain string that is exactly "#<id>" would be a strange thing to send, and at worst
  // lets a resource pass). As in the FHIRPath, a contained resource without an id is not judged.
  static bool Referenced(const Value& contained, const std::set<absl::string_view>& references) {
    const absl::string_view id = String(Member(contained, "id"));
    if (!contained.IsObject() || id.empty()) return true;
    if (references.count(absl::StrCat("#", id)) > 0) return true;
    std::set<absl::string_view> own;
    LocalReferences(contained, &own);
    return own.count("#") > 0;
  }

  // ref-1 for a resource and its contained resources: a local reference "#id" needs a contained
  // resource with that id ("#" alone is the container itself).
  void LocalReferencesResolve(const Value& resource, const std::string& path) {
    std::set<absl::string_view> ids;
    if (const Value* contained = Member(resource, "contained"); contained && contained->IsArray()) {
      for (const Value& inner : contained->GetArray()) {
        if (const absl::string_view id = String(Member(inner, "id")); !id.empty()) ids.insert(id);
      }
    }
    // Most resources hold no local reference: find that out without building paths.
    if (!HasLocalReference(resource)) return;
    std::string at = path;
    UnresolvedLocalReferences(resource, ids, /*root=*/true, &at);
  }

  static bool HasLocalReference(const Value& value) {
    if (value.IsArray()) {
      for (const Value& item : value.GetArray()) {
        if (HasLocalReference(item)) return true;
      }
    } else if (value.IsObject()) {
      for (const auto& member : value.GetObject()) {
        if (member.value.IsString()) {
          if (member.value.GetStringLength() > 1 && member.value.GetString()[0] == '#' &&
              member.name.GetStringLength() == 9 &&
              std::memcmp(member.name.GetString(), "reference", 9) == 0) {
            return true;
          }
        } else if (HasLocalReference(member.value)) {
          return true;
        }
      }
    }
    return false;
  }

  // Walks `value` (not into other resources than the root and its contained ones: a Bundle
  // entry is a root of its own) and reports each Reference.reference "#id" with no such id.
  void UnresolvedLocalReferences(const Value& value, const std::set<absl::string_view>& ids,
                                 bool root, std::string* path) {
    if (value.IsArray()) {
      const size_t old = path->size();
      for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        absl::StrAppend(path, "[", i, "]");
        UnresolvedLocalReferences(value[i], ids, false, path);
        path->resize(old);
      }
      return;
    }
    if (!value.IsObject()) return;
    if (!root && Member(value, "resourceType") != nullptr) {
      const size_t last = path->rfind('.');
      const bool a_contained_one = last != std::string::npos &&
                                   path->compare(last, 11, ".contained[") == 0;
      if (!a_contained_one) return;
    }
    for (const auto& member : value.GetObject()) {
      const absl::string_view name(member.name.GetString(), member.name.GetStringLength());
      const size_t old = path->size();
      absl::StrAppend(path, ".", name);
      if (name == "reference" && member.value.IsString()) {
        const absl::string_view reference = String(&member.value);
        if (reference.size() > 1 && reference[0] == '#' && ids.count(reference.substr(1)) == 0) {
          Broken(*path, "ref-1",
                 absl::StrCat("SHALL have a contained resource if a local reference is provided: "
                              "no contained resource has the id '", reference.substr(1), "'"));
        }
      } else {
        UnresolvedLocalReferences(member.value, ids, false, path);
      }
      path->resize(old);
    }
  }

  // Every string value in `value`, at any depth, that starts with '#'.
  static void LocalReferences(const Value& value, std::set<absl::string_view>* out) {
    if (value.IsString()) {
      const absl::string_view text(value.GetString(), value.GetStringLength());
      if (!text.empty() && text[0] == '#') out->insert(text);
    } else if (value.IsObject()) {
      for (const auto& member : value.GetObject()) LocalReferences(member.value, out);
    } else if (value.IsArray()) {
      for (const Value& item : value.GetArray()) LocalReferences(item, out);
    }
  }

  // The codings of a CodeableConcept (nothing when it has none).
  static std::vector<std::reference_wrapper<const Value>> Codings(const Value* concept_value) {
    std::vector<std::reference_wrapper<const Value>> out;
    const Value* codings = concept_value != nullptr ? Member(*concept_value, "coding") : nullptr;
    if (codings == nullptr || !codings->IsArray()) return out;
    for (const Value& coding : codings->GetArray()) out.emplace_back(coding);
    return out;
  }

  IssueRouting routing_;
};

}  // namespace

void CheckInvariants(const rapidjson::Value& resource, const std::string& path,
                     std::vector<Issue>* issues, std::vector<std::vector<Issue>>* entry_issues) {
  Checker(IssueRouting(issues, entry_issues)).Resource(resource, path, /*contained=*/false);
}

}  // namespace trialgate::validation
