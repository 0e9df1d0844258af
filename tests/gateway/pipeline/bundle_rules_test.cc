// The Bundle rules on their own: what a body's entries are, which bodies are refused whole, and
// a transaction's all or nothing.
#include "gateway/pipeline/bundle_rules.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::pipeline {
namespace {

using ::testing::HasSubstr;

rapidjson::Document Parse(const char* json) {
  rapidjson::Document document;
  document.Parse(json);
  return document;
}

TEST(BundleRulesTest, ASingleResourceIsOneEntryRootedAtItsType) {
  const rapidjson::Document body = Parse(R"({"resourceType":"Observation","id":"o1"})");
  std::vector<Issue> refusal;
  absl::StatusOr<BodyEntries> read = ReadBody(body, 10, &refusal);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->is_bundle);
  EXPECT_FALSE(read->atomic);
  ASSERT_EQ(read->entries.size(), 1u);
  EXPECT_EQ(read->entries[0].path, "Observation");
  EXPECT_EQ(read->entries[0].resource, &body);
}

TEST(BundleRulesTest, BundleEntriesAreRootedAtTheirPlaceAndIndexedByFullUrl) {
  const rapidjson::Document body = Parse(R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"fullUrl":"urn:uuid:a","resource":{"resourceType":"Patient","id":"p"}},
      {"fullUrl":"urn:uuid:b"},
      {"resource":"not an object"}]})");
  std::vector<Issue> refusal;
  absl::StatusOr<BodyEntries> read = ReadBody(body, 10, &refusal);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->is_bundle);
  EXPECT_TRUE(read->atomic);
  ASSERT_EQ(read->entries.size(), 3u);
  EXPECT_EQ(read->entries[2].path, "Bundle.entry[2].resource");
  EXPECT_NE(read->entries[0].resource, nullptr);
  EXPECT_EQ(read->entries[1].resource, nullptr);
  EXPECT_EQ(read->entries[2].resource, nullptr);
  ASSERT_EQ(read->by_full_url.size(), 1u);  // an entry without a resource resolves nothing
  EXPECT_EQ(read->by_full_url.at("urn:uuid:a"), read->entries[0].resource);
  EXPECT_EQ(MissingResourceIssue(read->entries[1]).expression, "Bundle.entry[1].resource");
}

TEST(BundleRulesTest, BatchAndCollectionAreJudgedPerEntry) {
  for (const char* type : {"batch", "collection"}) {
    const rapidjson::Document body = Parse(
        absl::StrCat(R"({"resourceType":"Bundle","type":")", type, R"(","entry":[]})").c_str());
    std::vector<Issue> refusal;
    absl::StatusOr<BodyEntries> read = ReadBody(body, 10, &refusal);
    ASSERT_TRUE(read.ok()) << type;
    EXPECT_FALSE(read->atomic) << type;
  }
}

struct Refusal {
  const char* json;
  absl::StatusCode code;
  const char* issue_code;
  const char* diagnostics;
};

TEST(BundleRulesTest, BodiesThatCannotBeUsedAreRefusedWithTheirReason) {
  const Refusal cases[] = {
      {R"({"id":"x"})", absl::StatusCode::kInvalidArgument, "required", "no resourceType"},
      {R"({"resourceType":"Bundle","type":"document","entry":[]})",
       absl::StatusCode::kInvalidArgument, "not-supported", "Bundle.type 'document'"},
      {R"({"resourceType":"Bundle","type":"batch","entry":{}})",
       absl::StatusCode::kInvalidArgument, "structure", "must be an array"},
      {R"({"resourceType":"Bundle","type":"batch","entry":[{},{},{}]})",
       absl::StatusCode::kResourceExhausted, "too-costly", "3 entries; the limit is 2"},
  };
  for (const Refusal& c : cases) {
    const rapidjson::Document body = Parse(c.json);
    std::vector<Issue> refusal;
    absl::StatusOr<BodyEntries> read = ReadBody(body, 2, &refusal);
    EXPECT_EQ(read.status().code(), c.code) << c.json;
    ASSERT_EQ(refusal.size(), 1u) << c.json;
    EXPECT_EQ(refusal[0].code, c.issue_code) << c.json;
    EXPECT_THAT(refusal[0].diagnostics, HasSubstr(c.diagnostics)) << c.json;
  }
}

EntryResult Entry(int index, EntryResult::Outcome outcome) {
  EntryResult entry;
  entry.entry = index;
  entry.outcome = outcome;
  if (outcome == EntryResult::Outcome::kAccepted) entry.event_ids = {"e"};
  return entry;
}

TEST(BundleRulesTest, ATransactionWithARejectedEntryRejectsEveryOtherAndSaysWhy) {
  std::vector<EntryResult> entries = {Entry(0, EntryResult::Outcome::kAccepted),
                                      Entry(1, EntryResult::Outcome::kAccepted),
                                      Entry(2, EntryResult::Outcome::kRejected)};
  EXPECT_TRUE(RejectTransactionIfAnyRejected(&entries));
  for (int i : {0, 1}) {
    EXPECT_EQ(entries[i].outcome, EntryResult::Outcome::kRejected);
    EXPECT_TRUE(entries[i].event_ids.empty());
    ASSERT_EQ(entries[i].issues.size(), 1u);
    EXPECT_EQ(entries[i].issues[0].expression, absl::StrCat("Bundle.entry[", i, "]"));
    EXPECT_THAT(entries[i].issues[0].diagnostics, HasSubstr("entry 2 was rejected"));
  }
  EXPECT_TRUE(entries[2].issues.empty());  // its own issues are its own
}

TEST(BundleRulesTest, ATransactionWithNothingRejectedIsLeftAlone) {
  std::vector<EntryResult> entries = {Entry(0, EntryResult::Outcome::kAccepted),
                                      Entry(1, EntryResult::Outcome::kAccepted)};
  EXPECT_FALSE(RejectTransactionIfAnyRejected(&entries));
  EXPECT_EQ(entries[1].outcome, EntryResult::Outcome::kAccepted);
  EXPECT_TRUE(entries[1].issues.empty());
}

}  // namespace
}  // namespace trialgate::pipeline
