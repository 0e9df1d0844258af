// Which site a submission belongs to, for every channel: the caller's own for an authenticated
// caller, the sending system's on a development listener.
#include "gateway/security/site_authorization.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::security {
namespace {

using ::testing::HasSubstr;

Caller SiteCaller(std::string site) {
  Caller caller;
  caller.identity = "lab-a";
  caller.roles = {Role::kSite};
  caller.site = std::move(site);
  return caller;
}

TEST(SiteAuthorizationTest, AnAuthenticatedCallerSubmitsForItsOwnSiteWhateverTheSystemClaims) {
  const SiteAuthorization sites({{"epic", "site-a"}, {"lis-b", "site-b"}});
  EXPECT_EQ(*sites.SiteFor(SiteCaller("site-a"), "epic"), "site-a");
  EXPECT_EQ(*sites.SiteFor(SiteCaller("site-a"), "not-configured"), "site-a");
  absl::StatusOr<std::string> other = sites.SiteFor(SiteCaller("site-a"), "lis-b");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr("belongs to site 'site-b'"));
}

TEST(SiteAuthorizationTest, ADevelopmentCallersSiteComesFromTheSendingSystem) {
  const Caller development = DevelopmentCaller("ipv4:127.0.0.1:1");
  EXPECT_EQ(*SiteAuthorization({}).SiteFor(development, "hospital-a"), "hospital-a");
  const SiteAuthorization sites({{"epic", "site-01"}, {"lis", "site-01"}});
  EXPECT_EQ(*sites.SiteFor(development, "lis"), "site-01");
  absl::StatusOr<std::string> unknown = sites.SiteFor(development, "unknown");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(unknown.status().message(), HasSubstr("belongs to no configured site"));
}

TEST(SiteAuthorizationTest, SystemIdsAreKeptToAPlainBoundedAlphabet) {
  const SiteAuthorization sites({});
  for (const std::string& bad : {std::string(), std::string(129, 'a'), std::string(" ab"),
                                std::string("ab "), std::string("a\tb"), std::string("a\nb"),
                                std::string("a|b"), std::string("ü")}) {
    EXPECT_EQ(sites.SiteFor(SiteCaller("site-a"), bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(sites.SiteFor(SiteCaller("site-a"), "lis.lab:1/x_y-Z9").ok());
  // An HL7 v2 sending system: application@facility, whose namespace ids may hold spaces.
  EXPECT_TRUE(sites.SiteFor(SiteCaller("site-a"), "NIST Test Lab APP@NIST Lab Facility").ok());
  EXPECT_TRUE(sites.SiteFor(SiteCaller("site-a"), std::string(128, 'a')).ok());
}

}  // namespace
}  // namespace trialgate::security
