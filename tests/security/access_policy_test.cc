// The access policy: the one table of which role may call which RPC.
#include "gateway/security/access_policy.h"

#include <set>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "trialgate/v1/audit.grpc.pb.h"
#include "trialgate/v1/delivery.grpc.pb.h"
#include "trialgate/v1/feed.grpc.pb.h"
#include "trialgate/v1/gateway.grpc.pb.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::security {
namespace {

using ::testing::HasSubstr;

// Every RPC of every service the gateway serves has a rule: a new RPC without one fails here
// (and would be refused to everybody by the server).
TEST(AccessPolicyTest, EveryServedRpcHasARule) {
  // One message of each proto file the gateway serves (referencing it links the file in).
  const google::protobuf::FileDescriptor* files[] = {
      v1::SubmitRequest::descriptor()->file(), v1::PullRequest::descriptor()->file(),
      v1::GetTimelineRequest::descriptor()->file(),
      v1::ListDestinationsRequest::descriptor()->file(),
      v1::VerifyAuditRequest::descriptor()->file()};
  int methods = 0;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const std::string path = "/" + service->full_name() + "/" + service->method(m)->name();
        const AccessRule* rule = RuleFor(path);
        ASSERT_NE(rule, nullptr) << path;
        EXPECT_TRUE(rule->any_identity || !rule->roles.empty()) << path;
        ++methods;
      }
    }
  }
  EXPECT_EQ(methods, 12);  // update when an RPC is added, after giving it a rule
}

TEST(AccessPolicyTest, EachRoleCallsItsOwnServices) {
  struct Case {
    const char* method;
    std::set<Role> allowed;
  };
  const Case cases[] = {
      {"/trialgate.v1.Gateway/Submit", {Role::kSite}},
      {"/trialgate.v1.Gateway/SubmitStream", {Role::kSite}},
      {"/trialgate.v1.Gateway/Validate", {Role::kSite}},
      {"/trialgate.v1.Study/GetTimeline", {Role::kSite, Role::kMonitor}},
      {"/trialgate.v1.Study/GetEndpoints", {Role::kSite, Role::kMonitor}},
      {"/trialgate.http/Dashboard", {Role::kSite, Role::kMonitor}},
      {"/trialgate.v1.EventFeed/Pull", {Role::kWarehouse}},
      {"/trialgate.v1.Delivery/ListDestinations", {Role::kRegistryAdmin}},
      {"/trialgate.v1.Delivery/ReplayDeadLetters", {Role::kRegistryAdmin}},
      {"/trialgate.v1.Audit/Verify", {Role::kAuditor}},
      {"/trialgate.v1.Audit/Read", {Role::kAuditor}},
  };
  for (const Case& c : cases) {
    for (Role role : {Role::kSite, Role::kWarehouse, Role::kRegistryAdmin, Role::kAuditor,
                      Role::kMonitor}) {
      const absl::Status status = Authorize("someone", {role}, c.method);
      EXPECT_EQ(status.ok(), c.allowed.count(role) == 1) << c.method << " as " << RoleName(role);
      if (!status.ok()) {
        EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
        EXPECT_THAT(status.message(), HasSubstr("identity 'someone'"));
        EXPECT_THAT(status.message(), HasSubstr(c.method));
        EXPECT_THAT(status.message(), HasSubstr(RoleNames(c.allowed)));
      }
    }
  }
}

TEST(AccessPolicyTest, HealthAndReflectionAreOpenToEveryIdentityButNothingElseIs) {
  EXPECT_TRUE(Authorize("x", {}, "/grpc.health.v1.Health/Check").ok());
  EXPECT_TRUE(Authorize("x", {}, "/grpc.reflection.v1alpha.ServerReflection/"
                                 "ServerReflectionInfo").ok());
  const absl::Status unknown =
      Authorize("x", {Role::kSite, Role::kWarehouse, Role::kRegistryAdmin, Role::kAuditor},
                "/trialgate.v1.Secret/Dump");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(unknown.message(), HasSubstr("no such method"));
  EXPECT_EQ(Authorize("x", {Role::kSite}, "").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize("x", {Role::kSite}, "/trialgate.v1.Gateway").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AccessPolicyTest, RoleNamesRoundTrip) {
  for (Role role : {Role::kSite, Role::kWarehouse, Role::kRegistryAdmin, Role::kAuditor,
                    Role::kMonitor}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_EQ(RoleName(Role::kMonitor), "monitor");
  EXPECT_FALSE(ParseRole("admin").has_value());
  EXPECT_EQ(RoleNames({Role::kAuditor, Role::kSite}), "site,auditor");
}

}  // namespace
}  // namespace trialgate::security
