#include "gateway/server/study_service.h"

#include <string>

#include "gateway/security/grpc_caller.h"
#include "gateway/server/grpc_status.h"
#include "gateway/study_report/study_report.h"

namespace trialgate::server {

grpc::Status StudyService::GetTimeline(grpc::ServerContext* context,
                                       const v1::GetTimelineRequest* request,
                                       v1::Timeline* response) {
  if (timelines_ == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the study has no schedule.json: there is no protocol timeline");
  }
  if (request->subject_id().empty() || request->subject_id().size() > 256) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "subject_id must be 1-256 characters");
  }
  // A site reads its own subjects only (a monitor every site's). Unknown and foreign subjects
  // get the same answer, so that a site cannot probe which subject ids exist elsewhere.
  const security::Caller caller = security::CallerOf(*context);
  if (!caller.development && !caller.Has(security::Role::kMonitor) &&
      enrollments_->SiteOf(request->subject_id()) != caller.site) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "subject " + request->subject_id() + " is not enrolled at site '" +
                            caller.site + "', the only site identity '" + caller.identity +
                            "' may read");
  }
  absl::StatusOr<v1::Timeline> timeline = timelines_->Compute(request->subject_id());
  if (!timeline.ok()) return ToGrpcStatus(timeline.status());
  *response = *std::move(timeline);
  return grpc::Status::OK;
}

grpc::Status StudyService::GetEndpoints(grpc::ServerContext* context,
                                        const v1::GetEndpointsRequest* request,
                                        v1::EndpointsReport* response) {
  if (reports_ == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "the study has no schedule.json: there are no timelines to compute "
                        "endpoints from");
  }
  absl::StatusOr<std::optional<absl::CivilDay>> cutoff =
      study_report::ParseCutoff(request->data_cutoff());
  if (!cutoff.ok()) return ToGrpcStatus(cutoff.status());
  // A site sees a report over its own subjects; a monitor (or a development caller) every site.
  const security::Caller caller = security::CallerOf(*context);
  std::optional<std::string> site;
  if (!caller.development && !caller.Has(security::Role::kMonitor)) site = caller.site;
  absl::StatusOr<std::shared_ptr<const v1::EndpointsReport>> report = reports_->Get(*cutoff, site);
  if (!report.ok()) return ToGrpcStatus(report.status());
  *response = **report;
  return grpc::Status::OK;
}

}  // namespace trialgate::server
