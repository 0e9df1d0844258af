#include "gateway/endpoints/site_summary.h"

#include <map>
#include <string>

namespace trialgate::endpoints {

std::vector<SiteCount> ComputeSiteSummary(std::span<const SubjectCourse> courses,
                                          absl::CivilDay data_cutoff) {
  std::map<std::string, SiteCount> sites;
  for (const SubjectCourse& course : courses) {
    if (course.consent > data_cutoff) continue;
    SiteCount& site = sites[course.site_id];
    site.site_id = course.site_id;
    ++site.enrolled;
    site.deviations += course.deviations;
    if (course.deviations > 0) ++site.subjects_with_deviation;
  }
  std::vector<SiteCount> out;
  for (auto& [id, site] : sites) out.push_back(site);
  return out;
}

}  // namespace trialgate::endpoints
