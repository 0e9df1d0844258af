#include "mappers/adverse_event_mapper.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mappers/fhir_json.h"
#include "mappers/resource_common.h"

namespace trialgate::mappers {
namespace {

using rapidjson::Value;

constexpr char kType[] = "AdverseEvent";

// Term and MedDRA code: a MedDRA coding found in the CTCAE table wins; then a MedDRA coding
// unknown to the table (kept with a warning); then the CTCAE term matched by the text or a
// display; else the event is kept as sent with a warning.
void MapTerm(const Value& resource, const Path& root, const MapContext& context,
             v1::Event* event, v1::AdverseEventReported* ae, std::vector<Issue>* issues) {
  const Path path(root, "event");
  std::optional<CodeableConcept> sent =
      GetCodeableConcept(resource, "event", path, Presence::kOptional, issues);
  if (!sent) {
    if (!Has(resource, "event")) {
      AddDataQualityNote("required", "unknown-ae-term", path.str(),
                         "AdverseEvent.event is missing: the event has no CTCAE term",
                         "codes/adverse-events.json", event, issues);
    }
    return;
  }
  const Study& study = context.study;
  const Coding* unknown_meddra = nullptr;
  for (const Coding& coding : sent->codings) {
    if (!study.IsMeddraSystem(coding.system)) continue;
    if (const CtcaeTerm* term = study.FindCtcaeTermByMeddraCode(coding.code)) {
      ae->set_term(term->term);
      ae->set_meddra_code(term->meddra_code);
      SetCodedValue(coding, ae->mutable_event_as_sent());
      return;
    }
    if (unknown_meddra == nullptr) unknown_meddra = &coding;
  }
  std::vector<std::string> texts;
  if (!sent->text.empty()) texts.push_back(sent->text);
  for (const Coding& coding : sent->codings) {
    if (!coding.display.empty()) texts.push_back(coding.display);
  }
  if (unknown_meddra == nullptr) {
    for (const std::string& text : texts) {
      if (const CtcaeTerm* term = study.FindCtcaeTermByName(text)) {
        ae->set_term(term->term);
        ae->set_meddra_code(term->meddra_code);
        if (!sent->codings.empty()) SetCodedValue(sent->codings.front(), ae->mutable_event_as_sent());
        AddIssue(Issue::Severity::kInformation, "informational", path.str(),
                 absl::StrCat("no MedDRA code sent; CTCAE term '", term->term,
                              "' matched by its text"),
                 issues);
        return;
      }
    }
  }
  // Kept as sent: the term in its coding's words, the MedDRA code only when one was sent. A
  // term sent only as free text is not kept (it may name people): the finding says so.
  const Coding* first = unknown_meddra != nullptr ? unknown_meddra
                        : sent->codings.empty()   ? nullptr
                                                  : &sent->codings.front();
  if (first != nullptr) SetCodedValue(*first, ae->mutable_event_as_sent());
  if (unknown_meddra != nullptr) ae->set_meddra_code(unknown_meddra->code);
  ae->set_term(first == nullptr ? "" : first->display.empty() ? first->code : first->display);
  AddDataQualityNote(
      "code-invalid", "unknown-ae-term", first != nullptr ? first->path : path.str(),
      unknown_meddra != nullptr
          ? absl::StrCat("MedDRA code ", DescribeCoding(*unknown_meddra),
                         " is not a CTCAE v5 term (codes/adverse-events.json); kept as sent")
          : absl::StrCat("event ", DescribeCodings(*sent),
                         " has no MedDRA code and no CTCAE v5 term matches its text; kept with "
                         "its coding as sent (free text is not forwarded)"),
      "codes/adverse-events.json", event, issues);
}

// The CTCAE grade from the study's extension: exactly one, valueInteger 1..5.
void MapGrade(const Value& resource, const Path& root, const MapContext& context,
              v1::Event* event, v1::AdverseEventReported* ae, std::vector<Issue>* issues) {
  const std::string& url = context.study.ctcae_grade_extension_url();
  const Path path(root, "extension");
  const Value* extensions = GetArray(resource, "extension", path, Presence::kOptional, issues);
  bool found = false;
  if (extensions != nullptr) {
    for (rapidjson::SizeType i = 0; i < extensions->Size(); ++i) {
      const Value& extension = (*extensions)[i];
      const Path item_path(path, i);
      if (!extension.IsObject()) {
        AddError("structure", item_path.str(), "an extension must be an object", issues);
        continue;
      }
      if (GetString(extension, "url", Path(item_path, "url"), Presence::kRequired, issues) !=
          url) {
        continue;
      }
      if (found) {
        AddError("value", item_path.str(),
                 absl::StrCat("more than one CTCAE grade extension ", url),
                 issues);
        continue;
      }
      found = true;
      auto value = extension.FindMember("valueInteger");
      if (value == extension.MemberEnd()) {
        AddError("value", item_path.str(),
                 absl::StrCat("the CTCAE grade extension ", url,
                              " must carry valueInteger 1..5 and no other value[x]"),
                 issues);
        continue;
      }
      if (!value->value.IsInt() || value->value.GetInt() < 1 || value->value.GetInt() > 5) {
        AddError("value", Path(item_path, "valueInteger").str(),
                 "CTCAE grade must be an integer from 1 to 5", issues);
        continue;
      }
      ae->set_grade(value->value.GetInt());
    }
  }
  if (!found) {
    AddDataQualityNote("required", "missing-ctcae-grade", path.str(),
                       absl::StrCat("no CTCAE grade extension ", url, "; grade left at 0"),
                       "study.json ctcaeGradeExtensionUrl", event, issues);
  }
}

void MapSeriousness(const Value& resource, const Path& root, const MapContext& context,
                    v1::Event* event, v1::AdverseEventReported* ae,
                    std::vector<Issue>* issues) {
  const Path path(root, "seriousness");
  std::optional<CodeableConcept> seriousness =
      GetCodeableConcept(resource, "seriousness", path, Presence::kOptional, issues);
  if (!seriousness) return;
  for (const Coding& coding : seriousness->codings) {
    if (std::optional<bool> serious = context.study.IsSerious(coding.system, coding.code)) {
      ae->set_serious(*serious);
      SetCodedValue(coding, ae->mutable_seriousness());
      return;
    }
  }
  if (!seriousness->codings.empty()) {
    SetCodedValue(seriousness->codings.front(), ae->mutable_seriousness());
  }
  AddDataQualityNote("code-invalid", "unknown-seriousness", path.str(),
                     absl::StrCat("seriousness ", DescribeCodings(*seriousness),
                                  " is not a known serious/non-serious code; serious left false"),
                     "study.json adverseEvents.seriousness", event, issues);
}

// Coded causality assessments of every suspect entity, joined with "; ".
void MapAttribution(const Value& resource, const Path& root, v1::AdverseEventReported* ae,
                    std::vector<Issue>* issues) {
  const Path path(root, "suspectEntity");
  const Value* entities = GetArray(resource, "suspectEntity", path, Presence::kOptional, issues);
  if (entities == nullptr) return;
  std::vector<std::string> assessments;
  for (rapidjson::SizeType i = 0; i < entities->Size(); ++i) {
    const Value& entity = (*entities)[i];
    const Path entity_path(path, i);
    const Path causality_path(entity_path, "causality");
    if (!entity.IsObject()) {
      AddError("structure", entity_path.str(), "suspectEntity entries must be objects", issues);
      continue;
    }
    const Value* causalities =
        GetArray(entity, "causality", causality_path, Presence::kOptional, issues);
    if (causalities == nullptr) continue;
    for (rapidjson::SizeType j = 0; j < causalities->Size(); ++j) {
      const Value& causality = (*causalities)[j];
      const Path item_path(causality_path, j);
      if (!causality.IsObject()) {
        AddError("structure", item_path.str(), "causality entries must be objects", issues);
        continue;
      }
      std::optional<CodeableConcept> assessment = GetCodeableConcept(
          causality, "assessment", Path(item_path, "assessment"), Presence::kOptional, issues);
      // Coded assessments only; assessment.text and productRelatedness are free text.
      if (assessment && !assessment->codings.empty()) assessments.push_back(CodedText(*assessment));
    }
  }
  ae->set_attribution(absl::StrJoin(assessments, "; "));
}

void MapOnset(const Value& resource, const Path& root, v1::Event* event,
              v1::AdverseEventReported* ae, std::vector<Issue>* issues) {
  for (const char* name : {"date", "detected"}) {
    if (!Has(resource, name)) continue;
    const Path path(root, name);
    if (auto text = GetString(resource, name, path, Presence::kRequired, issues)) {
      if (SetOccurredAt(*text, path, event, issues)) *ae->mutable_onset() = event->occurred_at();
    }
    return;
  }
  AddDataQualityNote("required", "missing-onset", Path(root, "date").str(),
                     "neither AdverseEvent.date nor AdverseEvent.detected is sent: no onset",
                     "AdverseEvent.date", event, issues);
}

}  // namespace

MapResult MapAdverseEvent(const Value& resource, const MapContext& context) {
  MapResult result;
  std::vector<Issue>* issues = &result.issues;
  const Path root = ResourceRoot(context, kType);
  v1::Event event = NewEvent(resource, kType, root, context, issues);
  v1::AdverseEventReported* ae = event.mutable_adverse_event_reported();
  result.patient = ReadPatient(resource, root, "subject", issues);
  ae->set_actuality(GetString(resource, "actuality", Path(root, "actuality"),
                              Presence::kRequired, issues).value_or(""));
  MapTerm(resource, root, context, &event, ae, issues);
  MapGrade(resource, root, context, &event, ae, issues);
  MapSeriousness(resource, root, context, &event, ae, issues);
  MapAttribution(resource, root, ae, issues);
  if (auto outcome = GetCodeableConcept(resource, "outcome", Path(root, "outcome"),
                                        Presence::kOptional, issues)) {
    ae->set_outcome(outcome->codings.empty() ? "" : outcome->codings.front().code);
  }
  MapOnset(resource, root, &event, ae, issues);
  result.events.push_back(std::move(event));
  return result;
}

}  // namespace trialgate::mappers
