#ifndef TRIALGATE_GATEWAY_SERVER_STUDY_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_STUDY_SERVICE_H_

#include "gateway/identity/enrollment_registry.h"
#include "gateway/schedule/subject_timelines.h"
#include "gateway/study_report/study_reports.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::server {

// Study on the synchronous API. GetTimeline reads one subject's events and computes, a short,
// bounded piece of work; GetEndpoints computes over every subject, one report at a time
// (StudyReports), kept while the log does not grow. Thread-safe.
class StudyService final : public v1::Study::Service {
 public:
  // All must outlive the service; `timelines` and `reports` are null when the study has no
  // schedule.
  StudyService(const schedule::SubjectTimelines* timelines,
               const identity::EnrollmentRegistry* enrollments,
               study_report::StudyReports* reports)
      : timelines_(timelines), enrollments_(enrollments), reports_(reports) {}

  grpc::Status GetTimeline(grpc::ServerContext* context, const v1::GetTimelineRequest* request,
                           v1::Timeline* response) override;
  grpc::Status GetEndpoints(grpc::ServerContext* context, const v1::GetEndpointsRequest* request,
                            v1::EndpointsReport* response) override;

 private:
  const schedule::SubjectTimelines* timelines_;
  const identity::EnrollmentRegistry* enrollments_;
  study_report::StudyReports* reports_;
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_STUDY_SERVICE_H_
