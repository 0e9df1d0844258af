// Envelope stamping on its own: what the pipeline owns on every event, and what never leaves.
#include "gateway/pipeline/envelope_stamper.h"

#include "gateway/identity/source_identity.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trialgate::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

rapidjson::Document Parse(const char* json) {
  rapidjson::Document document;
  document.Parse(json);
  return document;
}

TEST(EnvelopeStamperTest, StampsEveryEventWithKeyedIdsAndTheEnvelope) {
  const identity::Pseudonymizer key(std::string(32, 'k'));
  const rapidjson::Document resource =
      Parse(R"({"resourceType":"Observation","id":"obs-7","meta":{"versionId":"2"}})");
  Envelope envelope{"lis", "site-a", "KRD-001-0001", {}};
  envelope.recorded_at.set_seconds(1700000000);
  const store::SourceWrite write =
      EnvelopeStamper(key).Stamp(resource, envelope, std::vector<v1::Event>(2));

  EXPECT_EQ(write.source_key, identity::SourceKey("lis", "Observation", "obs-7", "2",
                                                  identity::ContentSha256(resource)));
  ASSERT_EQ(write.events.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const v1::Event& event = write.events[i];
    EXPECT_EQ(event.event_id(), identity::PseudonymousEventId(key, write.source_key, i));
    EXPECT_EQ(event.subject_id(), "KRD-001-0001");
    EXPECT_EQ(event.site_id(), "site-a");
    EXPECT_EQ(event.source().system(), "lis");
    EXPECT_EQ(event.source().logical_id(),
              key.PseudonymizeResourceId("lis", "Observation", "obs-7"));
    EXPECT_EQ(event.recorded_at().seconds(), 1700000000);
    EXPECT_THAT(event.SerializeAsString(), Not(HasSubstr("obs-7")));
  }
  EXPECT_NE(write.events[0].event_id(), write.events[1].event_id());
  EXPECT_NE(write.events[0].source().content_sha256(), identity::ContentSha256(resource));
}

TEST(EnvelopeStamperTest, WithoutAVersionIdTheSourceKeyFollowsTheContent) {
  const identity::Pseudonymizer key(std::string(32, 'k'));
  const EnvelopeStamper stamper(key);
  const Envelope envelope{"lis", "site-a", "KRD-001-0001", {}};
  const rapidjson::Document a = Parse(R"({"resourceType":"Observation","id":"o","status":"final"})");
  const rapidjson::Document same = Parse(R"({ "resourceType" : "Observation", "id":"o",
                                              "status":"final" })");
  const rapidjson::Document changed =
      Parse(R"({"resourceType":"Observation","id":"o","status":"amended"})");
  EXPECT_EQ(stamper.Stamp(a, envelope, {}).source_key, stamper.Stamp(same, envelope, {}).source_key);
  EXPECT_NE(stamper.Stamp(a, envelope, {}).source_key,
            stamper.Stamp(changed, envelope, {}).source_key);
}

}  // namespace
}  // namespace trialgate::pipeline
