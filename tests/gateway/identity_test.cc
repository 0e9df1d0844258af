#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "gateway/identity/enrollment_registry.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/pipeline/source_identity.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/gateway_harness.h"

namespace trialgate::identity {
namespace {

using testing::TempDir;

TEST(PseudonymizerTest, IsKeyedDeterministicAndScopedBySite) {
  Pseudonymizer a(std::string(32, 'a')), b(std::string(32, 'b'));
  EXPECT_EQ(a.Pseudonymize("site-1", "Patient/1"), a.Pseudonymize("site-1", "Patient/1"));
  EXPECT_NE(a.Pseudonymize("site-1", "Patient/1"), b.Pseudonymize("site-1", "Patient/1"));
  EXPECT_NE(a.Pseudonymize("site-1", "Patient/1"), a.Pseudonymize("site-2", "Patient/1"));
  EXPECT_EQ(a.Pseudonymize("site-1", "Patient/1").size(), 64u);
}

TEST(PseudonymizerTest, IsHmacSha256OfSiteNewlineKey) {
  // Known answer computed independently: Python's hmac.new(b"\x0b" * 32, b"Hi\nThere",
  // hashlib.sha256).hexdigest().
  Pseudonymizer pseudonymizer(std::string(32, '\x0b'));
  EXPECT_EQ(pseudonymizer.Pseudonymize("Hi", "There"),
            "c24bd20adbc737621ca9c02997b48f6837a5d27d59ff9235f0386bd17d96d153");
}

TEST(PseudonymizationKeyTest, GeneratesAPersistentOwnerOnlyDevelopmentKey) {
  ::unsetenv("TRIALGATE_HMAC_KEY");
  TempDir dir;
  bool generated = false;
  absl::StatusOr<std::string> first = LoadPseudonymizationKey("", dir.path().string(), &generated);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(generated);
  EXPECT_EQ(first->size(), Pseudonymizer::kMinKeyBytes);
  struct stat info;
  ASSERT_EQ(::stat((dir.path() / "pseudonymisation.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  absl::StatusOr<std::string> again = LoadPseudonymizationKey("", dir.path().string(), &generated);
  EXPECT_EQ(*again, *first);
}

TEST(PseudonymizationKeyTest, ConfiguredKeyWinsAndShortKeysAreRefused) {
  TempDir dir;
  bool generated = true;
  const std::string hex(64, 'f');
  absl::StatusOr<std::string> key = LoadPseudonymizationKey(hex, dir.path().string(), &generated);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(generated);
  EXPECT_EQ(*key, std::string(32, '\xff'));
  EXPECT_FALSE(LoadPseudonymizationKey("abcd", dir.path().string(), &generated).ok());
  EXPECT_FALSE(LoadPseudonymizationKey(std::string(64, 'z'), dir.path().string(), &generated).ok());
  ::setenv("TRIALGATE_HMAC_KEY", std::string(64, '1').c_str(), 1);
  key = LoadPseudonymizationKey("", dir.path().string(), &generated);
  ::unsetenv("TRIALGATE_HMAC_KEY");
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(generated);
  EXPECT_EQ(*key, std::string(32, '\x11'));
}

TEST(EnrollmentRegistryTest, FindsRegisteredPatientsAndRefusesConflicts) {
  EnrollmentRegistry registry;
  registry.Load({{"site-1", "h1", "S-1", "on-study", "2026-01-01"}});
  EXPECT_EQ(registry.Find("site-1", "h1"), "S-1");
  EXPECT_EQ(registry.Find("site-2", "h1"), std::nullopt);
  // The same patient as another subject: conflict.
  EXPECT_FALSE(registry.CheckConsistent({"site-1", "h1", "S-2", "", ""}).ok());
  // The same subject at another site: conflict.
  EXPECT_FALSE(registry.CheckConsistent({"site-2", "h9", "S-1", "", ""}).ok());
  // The same subject under a second key of the same site (e.g. an MRN): fine.
  EXPECT_TRUE(registry.CheckConsistent({"site-1", "h2", "S-1", "", ""}).ok());
  // A status change of the same enrolment: fine.
  EXPECT_TRUE(registry.CheckConsistent({"site-1", "h1", "S-1", "withdrawn", ""}).ok());
}

TEST(SourceIdentityTest, KeysAndIdsAreDeterministicAndDistinct) {
  using pipeline::EventId;
  using pipeline::SourceKey;
  const std::string key = SourceKey("sys", "Observation", "o1", "2", "abc");
  EXPECT_EQ(key, SourceKey("sys", "Observation", "o1", "2", "def"));  // versionId wins
  EXPECT_NE(key, SourceKey("sys", "Observation", "o1", "3", "abc"));
  EXPECT_NE(SourceKey("sys", "Observation", "o1", "", "abc"),
            SourceKey("sys", "Observation", "o1", "", "abd"));
  // Length prefixes keep "a|b" + "c" apart from "a" + "b|c".
  EXPECT_NE(SourceKey("ab", "c", "", "", "x"), SourceKey("a", "bc", "", "", "x"));
  EXPECT_EQ(EventId(key, 0), EventId(key, 0));
  EXPECT_NE(EventId(key, 0), EventId(key, 1));
  EXPECT_EQ(EventId(key, 0).size(), 35u);
}

TEST(SourceIdentityTest, ContentHashIgnoresWhitespace) {
  rapidjson::Document a, b;
  a.Parse(R"({"resourceType":"Observation","id":"1"})");
  b.Parse("{ \"resourceType\" : \"Observation\",\n \"id\": \"1\" }");
  EXPECT_EQ(pipeline::ContentSha256(a), pipeline::ContentSha256(b));
  EXPECT_EQ(pipeline::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
}

}  // namespace
}  // namespace trialgate::identity
