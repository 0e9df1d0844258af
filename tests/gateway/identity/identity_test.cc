#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gateway/identity/enrollment_registry.h"
#include "gateway/identity/pseudonymization_key.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/identity/source_identity.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

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

// Writes `content` to `name` in `dir` with `mode`; returns its path.
std::string WriteKeyFile(const TempDir& dir, const std::string& name, const std::string& content,
                         mode_t mode = 0600) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), mode);
  return path;
}

// Key sources as the configuration gives them: hex, a key file, a previous key file.
KeySources Keys(std::string hex, std::string file = "", std::string previous = "") {
  return KeySources{std::move(hex), std::move(file), std::move(previous)};
}

// No key in the environment of the test process, whatever the shell had.
void ClearKeyEnvironment() {
  for (const char* name : {"TRIALGATE_HMAC_KEY", "TRIALGATE_HMAC_KEY_FILE",
                           "TRIALGATE_HMAC_PREVIOUS_KEY", "TRIALGATE_HMAC_PREVIOUS_KEY_FILE"}) {
    ::unsetenv(name);
  }
}

TEST(PseudonymizationKeyTest, GeneratesAPersistentOwnerOnlyDevelopmentKey) {
  ClearKeyEnvironment();
  TempDir dir;
  absl::StatusOr<PseudonymizationKeys> first = LoadPseudonymizationKeys({}, dir.path().string());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->key.size(), Pseudonymizer::kMinKeyBytes);
  EXPECT_TRUE(first->previous_key.empty());
  struct stat info;
  ASSERT_EQ(::stat((dir.path() / "pseudonymisation.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  absl::StatusOr<PseudonymizationKeys> again = LoadPseudonymizationKeys({}, dir.path().string());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->key, first->key);
}

TEST(PseudonymizationKeyTest, ConfiguredKeyWinsAndShortKeysAreRefused) {
  ClearKeyEnvironment();
  TempDir dir;
  const std::string data = dir.path().string();
  absl::StatusOr<PseudonymizationKeys> keys =
      LoadPseudonymizationKeys(Keys(std::string(64, 'f')), data);
  ASSERT_TRUE(keys.ok());
  EXPECT_FALSE(keys->generated);
  EXPECT_EQ(keys->key, std::string(32, '\xff'));
  EXPECT_FALSE(LoadPseudonymizationKeys(Keys("abcd"), data).ok());
  EXPECT_FALSE(LoadPseudonymizationKeys(Keys(std::string(64, 'z')), data).ok());
  ::setenv("TRIALGATE_HMAC_KEY", std::string(64, '1').c_str(), 1);
  keys = LoadPseudonymizationKeys({}, data);
  ClearKeyEnvironment();
  ASSERT_TRUE(keys.ok());
  EXPECT_FALSE(keys->generated);
  EXPECT_EQ(keys->key, std::string(32, '\x11'));
}

TEST(PseudonymizationKeyTest, ReadsAKeyFileOfHexOrRawBytes) {
  ClearKeyEnvironment();
  TempDir dir;
  const std::string data = dir.path().string();
  // As `openssl rand -hex 32 > key` writes it: hex and a newline.
  const std::string hex_file = WriteKeyFile(dir, "hex.key", std::string(64, 'a') + "\n");
  absl::StatusOr<PseudonymizationKeys> keys = LoadPseudonymizationKeys(Keys("", hex_file), data);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->key, std::string(32, '\xaa'));
  EXPECT_FALSE(keys->generated);
  // As `openssl rand 40 > key` writes it: raw bytes, used exactly (a trailing newline too).
  const std::string raw(40, '\x01');
  const std::string raw_file = WriteKeyFile(dir, "raw.key", raw + "\n");
  keys = LoadPseudonymizationKeys(Keys("", raw_file), data);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->key, raw + "\n");
  // The environment names a file the same way.
  ::setenv("TRIALGATE_HMAC_KEY_FILE", hex_file.c_str(), 1);
  keys = LoadPseudonymizationKeys({}, data);
  ClearKeyEnvironment();
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->key, std::string(32, '\xaa'));
}

TEST(PseudonymizationKeyTest, RefusesShortOpenMissingAndDoublyGivenKeys) {
  ClearKeyEnvironment();
  TempDir dir;
  const std::string data = dir.path().string();
  const std::string good = WriteKeyFile(dir, "good.key", std::string(64, 'b'));
  const std::string short_key = WriteKeyFile(dir, "short.key", "0123456789abcdef");
  EXPECT_EQ(LoadPseudonymizationKeys(Keys("", short_key), data).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (mode_t mode : {0640, 0604, 0620, 0644}) {
    const std::string open = WriteKeyFile(dir, "open.key", std::string(64, 'c'), mode);
    absl::Status status = LoadPseudonymizationKeys(Keys("", open), data).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << mode;
    EXPECT_THAT(status.message(), ::testing::HasSubstr("chmod 600"));
    EXPECT_THAT(status.message(), ::testing::Not(::testing::HasSubstr("ccc")));  // no key bytes
  }
  const std::string read_only = WriteKeyFile(dir, "ro.key", std::string(64, 'c'), 0400);
  EXPECT_TRUE(LoadPseudonymizationKeys(Keys("", read_only), data).ok());
  EXPECT_EQ(LoadPseudonymizationKeys(Keys("", (dir.path() / "missing.key").string()), data)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadPseudonymizationKeys(Keys(std::string(64, 'f'), good), data).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PseudonymizationKeyTest, APreviousKeyIsReadAndMustDifferFromTheKey) {
  ClearKeyEnvironment();
  TempDir dir;
  const std::string data = dir.path().string();
  const std::string current = WriteKeyFile(dir, "current.key", std::string(64, '1'));
  const std::string previous = WriteKeyFile(dir, "previous.key", std::string(64, '2'));
  absl::StatusOr<PseudonymizationKeys> keys =
      LoadPseudonymizationKeys(Keys("", current, previous), data);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->previous_key, std::string(32, '\x22'));
  EXPECT_FALSE(LoadPseudonymizationKeys(Keys("", current, current), data).ok());
  ::setenv("TRIALGATE_HMAC_PREVIOUS_KEY", std::string(64, '3').c_str(), 1);
  keys = LoadPseudonymizationKeys(Keys("", current), data);
  ClearKeyEnvironment();
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->previous_key, std::string(32, '\x33'));
}

TEST(PseudonymizerTest, APreviousKeyOnlyAddsLookupsUnderIt) {
  const std::string old_key(32, 'o'), new_key(32, 'n');
  Pseudonymizer before(old_key), after(new_key, old_key);
  EXPECT_EQ(after.PseudonymizeWithPreviousKey("site-1", "Patient/1"),
            before.Pseudonymize("site-1", "Patient/1"));
  EXPECT_NE(after.Pseudonymize("site-1", "Patient/1"), before.Pseudonymize("site-1", "Patient/1"));
  EXPECT_EQ(before.PseudonymizeWithPreviousKey("site-1", "Patient/1"), std::nullopt);
  // Everything else uses the current key only.
  EXPECT_EQ(after.Digest("content", "x"), Pseudonymizer(new_key).Digest("content", "x"));
}

TEST(PseudonymizerTest, ResourceIdsAndDigestsAreKeyedAndKeptApartByDomain) {
  Pseudonymizer a(std::string(32, 'a')), b(std::string(32, 'b'));
  const std::string id = a.PseudonymizeResourceId("hospital-a", "Observation", "obs-1");
  EXPECT_EQ(id, a.PseudonymizeResourceId("hospital-a", "Observation", "obs-1"));
  EXPECT_NE(id, b.PseudonymizeResourceId("hospital-a", "Observation", "obs-1"));
  EXPECT_NE(id, a.PseudonymizeResourceId("hospital-b", "Observation", "obs-1"));
  EXPECT_NE(id, a.PseudonymizeResourceId("hospital-a", "Procedure", "obs-1"));
  EXPECT_EQ(id.size(), 64u);
  EXPECT_NE(a.Digest("content", "x"), a.Digest("event-id", "x"));
  EXPECT_NE(a.Digest("content", "x"), b.Digest("content", "x"));
  // Known answer: Python's hmac.new(b"\x0b" * 32, b"content\nHi", hashlib.sha256).hexdigest().
  EXPECT_EQ(Pseudonymizer(std::string(32, '\x0b')).Digest("content", "Hi"),
            "22c700d16d219606c2df816e2a1e7cac4cc945a14d2f461385b97e37b56782cd");
}

TEST(EnrollmentRegistryTest, FindsRegisteredPatientsAndRefusesConflicts) {
  EnrollmentRegistry registry;
  registry.Load({{"site-1", "h1", "S-1", "on-study", "2026-01-01"}});
  EXPECT_EQ(registry.Find("site-1", "h1").value(), "S-1");
  EXPECT_EQ(registry.Find("site-2", "h1").value(), std::nullopt);
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
  using identity::EventId;
  using identity::SourceKey;
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
  // A hospital resource's event id is keyed: another key, another id.
  const Pseudonymizer a(std::string(32, 'a')), b(std::string(32, 'b'));
  EXPECT_EQ(identity::PseudonymousEventId(a, key, 0), identity::PseudonymousEventId(a, key, 0));
  EXPECT_NE(identity::PseudonymousEventId(a, key, 0), identity::PseudonymousEventId(b, key, 0));
  EXPECT_NE(identity::PseudonymousEventId(a, key, 0), identity::PseudonymousEventId(a, key, 1));
  EXPECT_NE(identity::PseudonymousEventId(a, key, 0), EventId(key, 0));
  EXPECT_EQ(identity::PseudonymousEventId(a, key, 0).size(), 35u);
}

TEST(SourceIdentityTest, ContentHashIgnoresWhitespace) {
  rapidjson::Document a, b;
  a.Parse(R"({"resourceType":"Observation","id":"1"})");
  b.Parse("{ \"resourceType\" : \"Observation\",\n \"id\": \"1\" }");
  EXPECT_EQ(identity::ContentSha256(a), identity::ContentSha256(b));
  EXPECT_EQ(identity::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
}

}  // namespace
}  // namespace trialgate::identity
