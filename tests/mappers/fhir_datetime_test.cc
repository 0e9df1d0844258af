#include "mappers/fhir_datetime.h"

#include "gtest/gtest.h"

namespace trialgate::mappers {
namespace {

int64_t Seconds(const char* text) {
  auto parsed = ParseFhirDateTime(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? parsed->seconds() : -1;
}

TEST(FhirDateTimeTest, PartialDatesAreTheirFirstInstantInUtc) {
  EXPECT_EQ(Seconds("2024"), 1704067200);        // 2024-01-01T00:00:00Z
  EXPECT_EQ(Seconds("2024-03"), 1709251200);     // 2024-03-01T00:00:00Z
  EXPECT_EQ(Seconds("2024-03-05"), 1709596800);  // 2024-03-05T00:00:00Z
}

TEST(FhirDateTimeTest, OffsetsAreConvertedToUtc) {
  EXPECT_EQ(Seconds("2015-01-15T14:30:00+01:00"), Seconds("2015-01-15T13:30:00Z"));
  EXPECT_EQ(Seconds("2024-03-05T00:30:00-05:00"), Seconds("2024-03-05T05:30:00Z"));
  EXPECT_EQ(Seconds("2015-01-15T13:30:00Z"), 1421328600);
}

TEST(FhirDateTimeTest, FractionalSecondsBecomeNanos) {
  auto parsed = ParseFhirDateTime("2017-01-29T12:34:56.123Z");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->nanos(), 123000000);
}

TEST(FhirDateTimeTest, RejectsInvalidFormats) {
  for (const char* bad : {"", "24-03-05", "2024-13", "2024-02-30", "2023-02-29", "2024-03-05T10:00",
                          "2024-03-05T10:00:00", "2024-03-05T25:00:00Z", "2024-03-05 10:00:00Z",
                          "2024-03-05T10:00:00+1:00", "2024-03-05Z", "yesterday",
                          "2024-03-05T10:00:00.Z"}) {
    EXPECT_FALSE(ParseFhirDateTime(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseFhirDateTime("2024-02-29").ok());
}

}  // namespace
}  // namespace trialgate::mappers
