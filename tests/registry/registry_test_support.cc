#include "tests/registry/registry_test_support.h"

#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"

namespace trialgate::testing {

v1::Event TestEvent(const std::string& event_id, const std::string& subject_id, uint64_t sequence) {
  v1::Event event;
  event.set_event_id(event_id);
  event.set_study_id("KRD-ASCT2");
  event.set_subject_id(subject_id);
  event.set_site_id("site-01");
  event.set_sequence(sequence);
  event.set_occurred_at_fhir("2026-02-02T08:00:00+01:00");
  event.mutable_occurred_at()->set_seconds(1790924400);
  event.mutable_source()->set_system("hospital-a");
  event.mutable_source()->set_resource_type("Observation");
  event.mutable_source()->set_logical_id("obs-" + event_id);
  v1::LabResult* lab = event.mutable_lab_result();
  lab->set_analyte("anc");
  lab->set_value(1.5);
  lab->set_unit("10*9/L");
  lab->set_value_decimal("1.50");
  return event;
}

v1::PublishRequest Batch(const std::vector<v1::Event>& events, const std::string& destination) {
  v1::PublishRequest request;
  request.set_destination(destination);
  for (const v1::Event& event : events) *request.add_events() = event;
  return request;
}

std::vector<std::string> EventIds(const std::vector<v1::Event>& events) {
  std::vector<std::string> ids;
  for (const v1::Event& event : events) ids.push_back(event.event_id());
  return ids;
}

RegistryClient::RegistryClient(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  channel_ = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
  stub_ = v1::Registry::NewStub(channel_);
}

grpc::Status RegistryClient::Publish(const v1::PublishRequest& request,
                                     v1::PublishResponse* response,
                                     std::chrono::milliseconds timeout, bool wait_for_ready) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  context.set_wait_for_ready(wait_for_ready);
  return stub_->Publish(&context, request, response);
}

void RegistryClient::PublishOk(const v1::PublishRequest& request) {
  v1::PublishResponse response;
  const grpc::Status status =
      Publish(request, &response, std::chrono::seconds(10), /*wait_for_ready=*/true);
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.rejections_size(), 0) << response.DebugString();
}

}  // namespace trialgate::testing
