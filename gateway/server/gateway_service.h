#ifndef TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVICE_H_

#include <memory>
#include <mutex>
#include <map>

#include "gateway/pipeline/pipeline.h"
#include "gateway/security/stream_slots.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::server {

// The Gateway service on gRPC's callback API: a call holds no thread while its events wait for
// the group commit, so many submissions share one fsync. Thread-safe.
class GatewayService final : public v1::Gateway::CallbackService {
 public:
  // `pipeline` and `stream_slots` must outlive the service.
  GatewayService(pipeline::Pipeline* pipeline, security::StreamSlots* stream_slots);
  ~GatewayService() override;

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const v1::SubmitRequest* request,
                                   v1::SubmitResponse* response) override;

  grpc::ServerBidiReactor<v1::SubmitRequest, v1::SubmitResponse>* SubmitStream(
      grpc::CallbackServerContext* context) override;

  grpc::ServerUnaryReactor* Validate(grpc::CallbackServerContext* context,
                                     const v1::ValidateRequest* request,
                                     v1::ValidateResponse* response) override;

 private:
  class StreamReactor;
  class RefusedStream;
  void Release(StreamReactor* reactor);

  pipeline::Pipeline* pipeline_;
  security::StreamSlots* stream_slots_;
  std::mutex mu_;
  std::map<StreamReactor*, std::unique_ptr<StreamReactor>> streams_;  // owned until OnDone
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVICE_H_
