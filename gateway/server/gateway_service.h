#ifndef TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVICE_H_
#define TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVICE_H_

#include <memory>
#include <mutex>
#include <map>

#include "gateway/pipeline/pipeline.h"
#include "trialgate/v1/gateway.grpc.pb.h"

namespace trialgate::server {

// The Gateway service on gRPC's callback API: a call holds no thread while its events wait for
// the group commit, so many submissions share one fsync. Thread-safe.
class GatewayService final : public v1::Gateway::CallbackService {
 public:
  explicit GatewayService(pipeline::Pipeline* pipeline);
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
  void Release(StreamReactor* reactor);

  pipeline::Pipeline* pipeline_;
  std::mutex mu_;
  std::map<StreamReactor*, std::unique_ptr<StreamReactor>> streams_;  // owned until OnDone
};

}  // namespace trialgate::server

#endif  // TRIALGATE_GATEWAY_SERVER_GATEWAY_SERVICE_H_
