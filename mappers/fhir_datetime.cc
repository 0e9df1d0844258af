#include "mappers/fhir_datetime.h"

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace trialgate::mappers {
namespace {

// Reads exactly `digits` decimal digits at *pos; advances past them.
std::optional<int> ReadDigits(std::string_view text, size_t* pos, int digits) {
  if (*pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  *pos += digits;
  return value;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", std::string(text), "' is not a valid FHIR date/dateTime/instant: ", std::string(why)));
}

}  // namespace

absl::StatusOr<google::protobuf::Timestamp> ParseFhirDateTime(std::string_view text) {
  size_t pos = 0;
  std::optional<int> year = ReadDigits(text, &pos, 4);
  if (!year) return Invalid(text, "expected a 4-digit year");
  int month = 1;
  int day = 1;
  if (pos < text.size()) {
    if (!Expect(text, &pos, '-')) return Invalid(text, "expected '-' after the year");
    std::optional<int> m = ReadDigits(text, &pos, 2);
    if (!m || *m < 1 || *m > 12) return Invalid(text, "month must be 01-12");
    month = *m;
  }
  if (pos < text.size()) {
    if (!Expect(text, &pos, '-')) return Invalid(text, "expected '-' after the month");
    std::optional<int> d = ReadDigits(text, &pos, 2);
    // A civil day normalises (Feb 30 -> Mar 2): compare to reject days the month lacks.
    if (!d || *d < 1 || absl::CivilDay(*year, month, *d).day() != *d) {
      return Invalid(text, "day does not exist in that month");
    }
    day = *d;
  }
  int hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int64_t offset_seconds = 0;
  if (pos < text.size()) {
    if (!Expect(text, &pos, 'T')) return Invalid(text, "expected 'T' after the date");
    std::optional<int> h = ReadDigits(text, &pos, 2);
    if (!h || *h > 23 || !Expect(text, &pos, ':')) return Invalid(text, "hour must be 00-23");
    std::optional<int> mi = ReadDigits(text, &pos, 2);
    if (!mi || *mi > 59 || !Expect(text, &pos, ':')) return Invalid(text, "minute must be 00-59");
    // FHIR allows second 60 (a leap second); it is read as the first instant of the next minute.
    std::optional<int> s = ReadDigits(text, &pos, 2);
    if (!s || *s > 60) return Invalid(text, "second must be 00-60");
    hour = *h;
    minute = *mi;
    second = *s;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        // Digits beyond nanoseconds are precision the Timestamp cannot hold: dropped.
        if (digits < 9) nanos = nanos * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return Invalid(text, "expected digits after '.'");
      for (int i = digits; i < 9; ++i) nanos *= 10;
    }
    if (pos >= text.size()) return Invalid(text, "a time must carry a zone (Z or +hh:mm)");
    if (text[pos] == 'Z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      std::optional<int> oh = ReadDigits(text, &pos, 2);
      if (!oh || *oh > 14 || !Expect(text, &pos, ':')) return Invalid(text, "bad zone offset");
      std::optional<int> om = ReadDigits(text, &pos, 2);
      if (!om || *om > 59) return Invalid(text, "bad zone offset");
      offset_seconds = sign * (*oh * 3600 + *om * 60);
    } else {
      return Invalid(text, "a time must carry a zone (Z or +hh:mm)");
    }
  }
  if (pos != text.size()) return Invalid(text, "unexpected trailing characters");
  if (*year < 1) return Invalid(text, "year must be 0001 or later");

  const absl::Time local =
      absl::FromCivil(absl::CivilSecond(*year, month, day, hour, minute, second),
                      absl::UTCTimeZone());
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(local) - offset_seconds);
  timestamp.set_nanos(static_cast<int32_t>(nanos));
  return timestamp;
}

}  // namespace trialgate::mappers
