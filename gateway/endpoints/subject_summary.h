#ifndef TRIALGATE_GATEWAY_ENDPOINTS_SUBJECT_SUMMARY_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_SUBJECT_SUMMARY_H_

// What the study's plots and tables show of each subject beyond the endpoints: a swimmer row
// (phases, cycle starts, responses, deviations, death or censoring) and a waterfall bar (the
// best serum M-protein change from baseline), and the deviations by site and code
// (docs/endpoints.md "Subject summaries"). Pure; thread-safe.

#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gateway/endpoints/endpoint_report.h"
#include "gateway/endpoints/subject_course.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::endpoints {

// The subject of `timeline` (computed at the cutoff) and of `course` (CourseFromTimeline of the
// same timeline) at `data_cutoff`: nothing dated after the cutoff is shown. Days count from the
// course's consent (day 1).
v1::SubjectSummary SummarizeSubject(const v1::Timeline& timeline, const SubjectCourse& course,
                                    absl::CivilDay data_cutoff);

// Adds the censoring of the primary time-to-event endpoint (`pfs`: its subjects) to the
// summaries as "censored" markers, labelled with the censoring rule.
void AddCensoring(const TimeToEventResult& pfs, std::span<v1::SubjectSummary> summaries);

// One count per site and finding code: the timeline findings of severity WARNING or above (what
// the deviation recorder writes as ProtocolDeviation) dated on or before the cutoff; by site,
// then code.
class DeviationTally {
 public:
  void Add(const v1::Timeline& timeline, absl::CivilDay data_cutoff);
  // Adds another tally's counts (of other subjects).
  void Merge(const DeviationTally& other);
  std::vector<v1::DeviationCount> Counts() const;

 private:
  struct Key {
    std::string site_id;
    std::string code;
    auto operator<=>(const Key&) const = default;
  };
  struct Tally {
    int severity = 0;  // the highest v1::Finding::Severity seen
    int deviations = 0;
    int subjects = 0;
  };
  std::map<Key, Tally> tallies_;
};

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_SUBJECT_SUMMARY_H_
