// Health checking and server reflection are on. Called through gRPC's generic stub with
// hand-encoded protobuf bytes, since Debian ships neither service's .proto file.
#include <chrono>

#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace trialgate::testing {
namespace {

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  buffer.Dump(&slices);
  std::string out;
  for (const auto& slice : slices) out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return out;
}

TEST(GrpcServicesTest, ASecondGatewayOnATakenPortDoesNotStart) {
  TempDir dir;
  auto first = StartInProcess(dir.path() / "first");
  config::Config config;
  config.listen = first->address();
  config.mllp.listen = "127.0.0.1:0";  // parallel tests: no fixed ports
  config.http.listen = "127.0.0.1:0";
  config.data_dir = (dir.path() / "second").string();
  config.insecure = true;
  const auto second = server::GatewayServer::Start(config);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              ::testing::HasSubstr("cannot listen on " + first->address()));
}

TEST(GrpcServicesTest, HealthCheckReportsServing) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  GatewayClient client(server->address());
  grpc::TemplatedGenericStub<grpc::ByteBuffer, grpc::ByteBuffer> stub(client.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty_request("", 0);  // HealthCheckRequest{service: ""}
  grpc::ByteBuffer request(&empty_request, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = s;
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  ASSERT_TRUE(status.ok()) << status.error_message();
  // HealthCheckResponse{status: SERVING (1)}: field 1, varint 1.
  EXPECT_EQ(ToString(response), std::string("\x08\x01", 2));
}

TEST(GrpcServicesTest, ReflectionListsTheTrialgateServices) {
  TempDir dir;
  auto server = StartInProcess(dir.path());
  GatewayClient client(server->address());
  grpc::GenericStub stub(client.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(&context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  grpc::Slice list_services(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&list_services, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  const std::string bytes = ToString(response);
  EXPECT_THAT(bytes, ::testing::HasSubstr("trialgate.v1.Gateway"));
  EXPECT_THAT(bytes, ::testing::HasSubstr("trialgate.v1.EventFeed"));
  EXPECT_THAT(bytes, ::testing::HasSubstr("grpc.health.v1.Health"));
  call->WritesDone(reinterpret_cast<void*>(4));
  queue.Next(&tag, &ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  while (queue.Next(&tag, &ok) && tag != reinterpret_cast<void*>(5)) {
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace trialgate::testing
