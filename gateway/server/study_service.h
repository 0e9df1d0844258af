#ifndef TRIALGATE_GATEWAY_SERVER_STUDY_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_STUDY_SERVICE_H_

#include "gateway/identity/enrollment_registry.h"
#include "gateway/schedule/subject_timelines.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::server {

// Study.GetTimeline on the synchronous API: a call reads one subject's events and computes, a
// short, bounded piece of work. Thread-safe.
class StudyService final : public v1::Study::Service {
 public:
  // `timelines` and `enrollments` must outlive the service; `timelines` is null when the study
  // has no schedule.
  StudyService(const schedule::SubjectTimelines* timelines,
               const identity::EnrollmentRegistry* enrollments)
      : timelines_(timelines), enrollments_(enrollments) {}

  grpc::Status GetTimeline(grpc::ServerContext* context, const v1::GetTimelineRequest* request,
                           v1::Timeline* response) override;

 private:
  const schedule::SubjectTimelines* timelines_;
  const identity::EnrollmentRegistry* enrollments_;
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_STUDY_SERVICE_H_
