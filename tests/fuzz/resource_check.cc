#include "tests/fuzz/resource_check.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fhir-profiles/embedded.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/pipeline/operation_outcome.h"
#include "gateway/validation/study_definitions.h"
#include "mappers/mapper.h"
#include "mappers/number_texts.h"
#include "rapidjson/document.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::fuzz {
namespace {

constexpr char kSite[] = "fuzz-site";

bool IsMapped(const std::string& type) {
  for (const std::string& mapped : mappers::SupportedResourceTypes()) {
    if (mapped == type) return true;
  }
  return false;
}

void Break(Verdict* verdict, const std::string& what) {
  if (!verdict->broken.empty()) verdict->broken += "; ";
  verdict->broken += what;
}

// Gives the decoded object `type` as its resourceType. A member that is there is overwritten in
// place; a missing one is written into the body, which is decoded again: adding a member to the
// DOM may move the root's members, and NumberTexts finds numbers by their address.
// REQUIRES: *document is what DecodeJson made of `body` (so an object); `type` outlives it.
absl::Status GiveType(const std::string& type, absl::string_view body,
                      const pipeline::DecodeLimits& limits, rapidjson::Document* document,
                      mappers::NumberTexts* numbers) {
  if (document->HasMember("resourceType")) {
    rapidjson::Value& member = (*document)["resourceType"];
    if (!member.IsString() || type != member.GetString()) {
      member.SetString(rapidjson::StringRef(type.data(), type.size()));
    }
    return absl::OkStatus();
  }
  const size_t open = body.find('{');  // only whitespace can come before the root object
  const std::string typed =
      absl::StrCat(body.substr(0, open + 1), "\"resourceType\":\"", type, "\"",
                   document->MemberCount() > 0 ? "," : "", body.substr(open + 1));
  return pipeline::DecodeJson(typed, limits, document, numbers);
}

// True when `expression` is empty or a FHIRPath from `root` ("Observation", "Observation.code",
// "Observation.code.coding[0]"), as Issue promises and the pipeline's rebasing of paths
// into Bundle entries relies on.
bool RootedAt(const std::string& expression, const std::string& root) {
  if (expression.empty() || expression == root) return true;
  return expression.size() > root.size() && expression.compare(0, root.size(), root) == 0 &&
         (expression[root.size()] == '.' || expression[root.size()] == '[');
}

void CheckRooted(const std::vector<Issue>& issues, const std::string& root,
                 Verdict* verdict) {
  for (const Issue& issue : issues) {
    if (!RootedAt(issue.expression, root)) {
      Break(verdict,
            absl::StrCat("an issue at '", issue.expression, "' is not rooted at ", root));
    }
  }
}

// What a sender gets back must explain itself: every issue has a code and a text, and the
// OperationOutcome is FHIR JSON with one issue per problem found.
void CheckExplained(Verdict* verdict) {
  for (const Issue& issue : verdict->issues) {
    if (issue.code.empty() || issue.diagnostics.empty()) {
      Break(verdict, absl::StrCat("an issue without code or diagnostics at '", issue.expression,
                                  "' (code '", issue.code, "')"));
    }
  }
  if (verdict->accepted) return;
  rapidjson::Document outcome;
  outcome.Parse(verdict->operation_outcome.c_str());
  if (outcome.HasParseError() || !outcome.IsObject() || !outcome.HasMember("resourceType") ||
      outcome["resourceType"] != "OperationOutcome" || !outcome.HasMember("issue") ||
      !outcome["issue"].IsArray() || outcome["issue"].Size() != verdict->issues.size()) {
    Break(verdict, "rejected without a well-formed OperationOutcome: " +
                       verdict->operation_outcome);
  }
}

}  // namespace

const std::vector<std::string>& FuzzedResourceTypes() {
  static const auto* kTypes = [] {
    auto* types = new std::vector<std::string>(mappers::SupportedResourceTypes());
    types->push_back("Bundle");
    return types;
  }();
  return *kTypes;
}

ResourceCheck::ResourceCheck() {
  // The embedded study is part of the build: if it cannot be loaded there is nothing to check.
  auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles(profiles::kDefaultStudy));
  if (!study.ok()) std::abort();
  study_ = *std::move(study);
  auto definitions = validation::LoadDefinitions(*study_);
  if (!definitions.ok()) std::abort();
  definitions_ = *std::move(definitions);
  base_validator_ = std::make_unique<validation::Validator>(*definitions_);
  study_validator_ =
      std::make_unique<validation::Validator>(*definitions_, study_->profile_for_type());
}

Verdict ResourceCheck::Run(const std::string& type, absl::string_view body) const {
  Verdict verdict;
  const pipeline::DecodeLimits limits;
  rapidjson::Document document;
  mappers::NumberTexts numbers;
  absl::Status decoded = pipeline::DecodeJson(body, limits, &document, &numbers);
  if (decoded.ok()) decoded = GiveType(type, body, limits, &document, &numbers);
  if (!decoded.ok()) {
    verdict.issues.push_back(pipeline::IssueFromStatus(decoded));
  } else {
    // The gateway runs in one of two modes (require_study_profiles); each must hold. Types the
    // study does not profile are validated the same way in both, so only once.
    base_validator_->Validate(document, type, &verdict.issues);
    if (type == "Bundle" || study_->profile_for_type().count(type) > 0) {
      study_validator_->Validate(document, type, &verdict.issues);
    }
    CheckRooted(verdict.issues, type, &verdict);
    // Mapped even when invalid: mappers take any JSON object (mapper.h), whatever a validator
    // in front of them lets through.
    const mappers::MapContext context{*study_, kSite, &numbers};
    auto map = [&](const rapidjson::Value& resource) {
      mappers::MapResult mapped = mappers::MapResource(resource, context);
      if (mapped.HasErrors() && !mapped.events.empty()) {
        Break(&verdict, "a resource with errors was mapped to events");
      }
      for (const v1::Event& event : mapped.events) {
        std::string bytes;
        v1::Event copy;
        if (!event.SerializeToString(&bytes) || !copy.ParseFromString(bytes)) {
          Break(&verdict, "a mapped event does not survive a protobuf round trip");
        }
      }
      verdict.events += mapped.events.size();
      CheckRooted(mapped.issues, resource["resourceType"].GetString(), &verdict);
      for (Issue& issue : mapped.issues) verdict.issues.push_back(std::move(issue));
    };
    const rapidjson::Value& root = document;
    if (IsMapped(type)) map(root);
    auto entries = root.FindMember("entry");
    if (type == "Bundle" && entries != root.MemberEnd() && entries->value.IsArray()) {
      for (const rapidjson::Value& entry : entries->value.GetArray()) {
        if (!entry.IsObject()) continue;
        auto inner = entry.FindMember("resource");
        if (inner == entry.MemberEnd() || !inner->value.IsObject()) continue;
        auto entry_type = inner->value.FindMember("resourceType");
        if (entry_type != inner->value.MemberEnd() && entry_type->value.IsString() &&
            IsMapped(entry_type->value.GetString())) {
          map(inner->value);
        }
      }
    }
  }
  verdict.accepted = !HasErrors(verdict.issues);
  verdict.operation_outcome = pipeline::OperationOutcomeJson(verdict.issues);
  CheckExplained(&verdict);
  return verdict;
}

}  // namespace trialgate::fuzz
