// FormatIsoDate and ParseIsoDate give what absl's civil-time functions give, which they replace
// on the timeline's hot paths: every day of four centuries both ways, and texts absl rejects.
#include "gateway/common/iso_date.h"

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace trialgate {
namespace {

std::optional<absl::CivilDay> AbslParse(const std::string& text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return std::nullopt;
  return day;
}

TEST(IsoDateTest, EveryDayOfFourCenturiesFormatsAndParsesAsAbslDoes) {
  for (absl::CivilDay day(1900, 1, 1); day < absl::CivilDay(2300, 1, 1); ++day) {
    const std::string text = FormatIsoDate(day);
    ASSERT_EQ(text, absl::FormatCivilTime(day));
    ASSERT_EQ(ParseIsoDate(text), std::optional<absl::CivilDay>(day)) << text;
  }
}

// Years below 1000 get four digits (ISO 8601, FHIR's date), which absl does not write; years
// beyond 0000-9999 are absl's.
TEST(IsoDateTest, YearsBelowOneThousandHaveFourDigitsAndOthersAreAbsls) {
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(12, 3, 4)), "0012-03-04");
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(0, 1, 1)), "0000-01-01");
  EXPECT_EQ(ParseIsoDate("0012-03-04"), std::optional<absl::CivilDay>(absl::CivilDay(12, 3, 4)));
  for (absl::CivilDay day : {absl::CivilDay(9999, 12, 31), absl::CivilDay(10000, 1, 1),
                             absl::CivilDay(-1, 6, 15)}) {
    EXPECT_EQ(FormatIsoDate(day), absl::FormatCivilTime(day));
  }
}

TEST(IsoDateTest, TextsThatAreNoDayAreRejectedAsAbslRejectsThem) {
  for (const std::string text :
       {"2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10", "2026-01-00", "2026-1-01",
        "2026-01-1", "2026/01/01", "20260101", "2026-01-01T00:00", "", "    -  -  ",
        "2026-0a-01", "2026-01-32", "2026--1-01", " 2026-01-01"}) {
    EXPECT_EQ(ParseIsoDate(text), AbslParse(text)) << '"' << text << '"';
  }
  EXPECT_EQ(ParseIsoDate("2024-02-29"), std::optional<absl::CivilDay>(absl::CivilDay(2024, 2, 29)));
  EXPECT_EQ(ParseIsoDate("2026-02-30"), std::nullopt);
}

// The timeline dates each event by the leading date of its FHIR date or dateTime, partial dates
// on their first day.
TEST(IsoDateTest, LeadingDateOfEveryFhirPrecision) {
  using Day = std::optional<absl::CivilDay>;
  EXPECT_EQ(LeadingIsoDate("2026"), Day(absl::CivilDay(2026, 1, 1)));
  EXPECT_EQ(LeadingIsoDate("2026-03"), Day(absl::CivilDay(2026, 3, 1)));
  EXPECT_EQ(LeadingIsoDate("2026-03-07"), Day(absl::CivilDay(2026, 3, 7)));
  EXPECT_EQ(LeadingIsoDate("2026-03-07T23:30:00-05:00"), Day(absl::CivilDay(2026, 3, 7)));
  EXPECT_EQ(LeadingIsoDate("2026-12-31T08:00:00.123Z"), Day(absl::CivilDay(2026, 12, 31)));
  for (const std::string text : {"", "202", "2O26", "2026-0x", "2026-03-+7", "+026-03-07"}) {
    EXPECT_EQ(LeadingIsoDate(text), std::nullopt) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace trialgate
