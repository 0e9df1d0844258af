#ifndef TRIALGATE_GATEWAY_SCHEDULE_FINDINGS_H_
#define TRIALGATE_GATEWAY_SCHEDULE_FINDINGS_H_

#include <string>
#include <vector>

#include "gateway/schedule/calendar.h"
#include "trialgate/v1/events.pb.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::schedule {

v1::Finding MakeFinding(const char* code, v1::Finding::Severity severity, std::string text,
                        std::string rule);

// The findings of one timeline computation. Not thread-safe.
class FindingList {
 public:
  // Records `finding`; also on `dose` when given. `anchor` identifies what it is about (a source
  // resource, or a slot like "reinduction/c2/d15/carfilzomib"); with the code and severity it
  // makes the finding's stable key.
  void Add(const v1::Finding& finding, const std::string& anchor, const std::string& event_id,
           Date date, const v1::Position& position, v1::TimelineDose* dose = nullptr);
  // Everything recorded, by (date, key).
  std::vector<v1::TimelineFinding> Sorted() const;

 private:
  std::vector<v1::TimelineFinding> findings_;
};

v1::Position MakePosition(const std::string& phase, int cycle, int day);

// A number for a sentence: at most two decimals, no trailing zeros ("27", "49.95", "1.8").
std::string Num(double value);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_FINDINGS_H_
