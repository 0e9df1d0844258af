#include "gateway/common/iso_date.h"

namespace trialgate {
namespace {

bool Digits(absl::string_view text, int* value) {
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

}  // namespace

std::string FormatIsoDate(absl::CivilDay day) {
  const absl::civil_year_t year = day.year();
  if (year < 0 || year > 9999) return absl::FormatCivilTime(day);
  std::string text = "0000-00-00";
  auto put = [&text](size_t end, int value) {
    for (size_t i = end; value > 0; --i, value /= 10) text[i] = static_cast<char>('0' + value % 10);
  };
  put(3, static_cast<int>(year));
  put(6, day.month());
  put(9, day.day());
  return text;
}

std::optional<absl::CivilDay> ParseIsoDate(absl::string_view text) {
  int year, month, day;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-' && Digits(text.substr(0, 4), &year) &&
      Digits(text.substr(5, 2), &month) && Digits(text.substr(8, 2), &day)) {
    const absl::CivilDay parsed(year, month, day);
    // CivilDay normalises (February 30 -> March 2); the parser rejects such a day.
    if (parsed.month() != month || parsed.day() != day || month == 0 || day == 0) {
      return std::nullopt;
    }
    return parsed;
  }
  absl::CivilDay parsed;
  if (!absl::ParseCivilTime(text, &parsed)) return std::nullopt;
  return parsed;
}

std::optional<absl::CivilDay> LeadingIsoDate(absl::string_view text) {
  int year = 0, month = 1, day = 1;
  if (text.size() < 4 || !Digits(text.substr(0, 4), &year)) return std::nullopt;
  if (text.size() >= 7 && !Digits(text.substr(5, 2), &month)) return std::nullopt;
  if (text.size() >= 10 && !Digits(text.substr(8, 2), &day)) return std::nullopt;
  return absl::CivilDay(year, month, day);
}

}  // namespace trialgate
