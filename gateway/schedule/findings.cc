#include "gateway/schedule/findings.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace trialgate::schedule {

v1::Finding MakeFinding(const char* code, v1::Finding::Severity severity, std::string text,
                        std::string rule) {
  v1::Finding finding;
  finding.set_code(code);
  finding.set_severity(severity);
  // Sentences often start with an agent id ("carfilzomib was given ..."): capitalise for reading.
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  finding.set_text(std::move(text));
  finding.set_rule(std::move(rule));
  return finding;
}

void FindingList::Add(const v1::Finding& finding, const std::string& anchor,
                      const std::string& event_id, Date date, const v1::Position& position,
                      v1::TimelineDose* dose) {
  v1::TimelineFinding& out = findings_.emplace_back();
  *out.mutable_finding() = finding;
  out.set_event_id(event_id);
  out.set_date(FormatDate(date));
  *out.mutable_position() = position;
  out.set_key(absl::StrCat(finding.code(), "|", anchor, "|",
                           v1::Finding::Severity_Name(finding.severity())));
  if (dose != nullptr) *dose->add_findings() = finding;
}

std::vector<v1::TimelineFinding> FindingList::Sorted() const {
  std::vector<v1::TimelineFinding> sorted = findings_;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::tie(a.date(), a.key()) < std::tie(b.date(), b.key());
  });
  return sorted;
}

v1::Position MakePosition(const std::string& phase, int cycle, int day) {
  v1::Position position;
  position.set_phase(phase);
  position.set_cycle(cycle);
  position.set_day(day);
  return position;
}

std::string Num(double value) {
  std::string text = absl::StrFormat("%.2f", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace trialgate::schedule
