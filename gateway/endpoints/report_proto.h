#ifndef TRIALGATE_GATEWAY_ENDPOINTS_REPORT_PROTO_H_
#define TRIALGATE_GATEWAY_ENDPOINTS_REPORT_PROTO_H_

// The endpoint report in its machine form, trialgate.v1.EndpointsReport (study.proto): the same
// numbers, for a service answer or JSON (docs/endpoints.md).

#include "gateway/endpoints/endpoint_report.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::endpoints {

// Copies every figure of `report`. Limits, medians and proportions the report does not have
// (R's NA: not estimable) are left unset, never 0. Dates become YYYY-MM-DD. Subjects appear only
// by the pseudonymous ids the report holds. Pure; thread-safe.
v1::EndpointsReport ToProto(const EndpointReport& report);

}  // namespace trialgate::endpoints

#endif  // TRIALGATE_GATEWAY_ENDPOINTS_REPORT_PROTO_H_
