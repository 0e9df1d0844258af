#ifndef TRIALGATE_GATEWAY_HTTP_FHIR_FACADE_H_
#define TRIALGATE_GATEWAY_HTTP_FHIR_FACADE_H_

#include <string>

#include "gateway/audit/audit_log.h"
#include "gateway/common/clock.h"
#include "gateway/http/capability_statement.h"
#include "gateway/http/request_caller.h"
#include "gateway/http/request_plan.h"
#include "gateway/pipeline/json_decoder.h"
#include "gateway/pipeline/pipeline.h"
#include "httplib.h"

namespace trialgate::http {

// The header that names the sending system of a REST request (gRPC's SubmitRequest.source_system,
// HL7 v2's MSH-3/MSH-4). It keys the resources' ids and, on a plaintext listener, decides the
// site; on a TLS listener the site is always the caller's.
inline constexpr char kSourceSystemHeader[] = "X-Trialgate-Source-System";

struct FhirFacadeOptions {
  pipeline::DecodeLimits limits;
  Capabilities capabilities;
  // The sending system of a request without kSourceSystemHeader: the caller's identity on a TLS
  // listener, this on a plaintext one.
  std::string development_source_system = "fhir-rest";
  bool tls = true;  // the listener's scheme, for the URLs in Location and the base
  const Clock* clock = &SystemClock();
  audit::AuditLog* audit_log = nullptr;  // null: no audit records (tests)
};

// FHIR R4's RESTful API at /fhir, in front of the one ingest pipeline: create, update
// (conditional create, If-Match), transaction and batch, $validate, metadata. Every answer is
// FHIR JSON; every error an OperationOutcome with R4's status code. Thread-safe: each request is
// handled on the HTTP worker that read it, which waits until the pipeline's answer is durable.
class FhirFacade {
 public:
  // The pipeline (whose pseudonymizer names created resources), callers and audit log must
  // outlive the facade.
  FhirFacade(const pipeline::Pipeline& pipeline, const RequestCallers& callers,
             FhirFacadeOptions options);

  void Install(httplib::Server& server);

 private:
  struct Interaction;

  void Submit(const httplib::Request& request, httplib::Response& response,
              Interaction& interaction);
  void Validate(const httplib::Request& request, httplib::Response& response,
                Interaction& interaction);
  void Metadata(const httplib::Request& request, httplib::Response& response);
  void NotServed(const httplib::Request& request, httplib::Response& response);
  void Audit(const Interaction& interaction, const httplib::Response& response) const;
  std::string BaseUrl(const httplib::Request& request) const;

  const pipeline::Pipeline& pipeline_;
  const RequestCallers& callers_;
  const ServerIds ids_;
  const FhirFacadeOptions options_;
};

}  // namespace trialgate::http

#endif  // TRIALGATE_GATEWAY_HTTP_FHIR_FACADE_H_
