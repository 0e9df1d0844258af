#include "gateway/hl7v2/hl7_datetime.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace trialgate::hl7v2 {
namespace {

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int Number(absl::string_view digits) { return std::atoi(std::string(digits).c_str()); }

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("not an HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]): ", why));
}

}  // namespace

absl::StatusOr<std::string> Hl7DateTimeToFhir(absl::string_view dtm,
                                              const absl::TimeZone& site_zone) {
  absl::string_view text = absl::StripAsciiWhitespace(dtm);
  absl::string_view offset;
  if (size_t sign = text.find_first_of("+-"); sign != absl::string_view::npos) {
    offset = text.substr(sign);
    text = text.substr(0, sign);
    if (offset.size() != 5 || !AllDigits(offset.substr(1))) return Invalid("bad offset");
  }
  absl::string_view fraction;
  if (size_t dot = text.find('.'); dot != absl::string_view::npos) {
    fraction = text.substr(dot + 1);
    text = text.substr(0, dot);
    if (text.size() != 14 || fraction.size() > 4 || !AllDigits(fraction)) {
      return Invalid("a fraction needs seconds and 1 to 4 digits");
    }
  }
  const size_t n = text.size();
  if (!AllDigits(text) || (n != 4 && n != 6 && n != 8 && n != 10 && n != 12 && n != 14)) {
    return Invalid("bad length or characters");
  }
  const int year = Number(text.substr(0, 4));
  const int month = n >= 6 ? Number(text.substr(4, 2)) : 1;
  const int day = n >= 8 ? Number(text.substr(6, 2)) : 1;
  const int hour = n >= 10 ? Number(text.substr(8, 2)) : 0;
  const int minute = n >= 12 ? Number(text.substr(10, 2)) : 0;
  const int second = n >= 14 ? Number(text.substr(12, 2)) : 0;
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute || civil.second() != second ||
      month < 1 || day < 1) {
    return Invalid("no such date or time");
  }
  if (n == 4) return absl::StrFormat("%04d", year);
  if (n == 6) return absl::StrFormat("%04d-%02d", year, month);
  if (n == 8) return absl::StrFormat("%04d-%02d-%02d", year, month, day);

  std::string zone;
  if (!offset.empty()) {
    const int hh = Number(offset.substr(1, 2));
    const int mm = Number(offset.substr(3, 2));
    if (hh > 14 || mm > 59) return Invalid("bad offset");
    zone = absl::StrFormat("%c%02d:%02d", offset[0], hh, mm);
  } else {
    // The offset the site's zone had at that civil time (for a time skipped or repeated by a
    // daylight-saving change, the one before the change, as absl::FromCivil chooses).
    const absl::Time instant = absl::FromCivil(civil, site_zone);
    const int seconds = site_zone.At(instant).offset;
    const int magnitude = std::abs(seconds) / 60;
    zone = absl::StrFormat("%c%02d:%02d", seconds < 0 ? '-' : '+', magnitude / 60,
                           magnitude % 60);
  }
  std::string result = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour,
                                       minute, second);
  if (!fraction.empty()) absl::StrAppend(&result, ".", fraction);
  absl::StrAppend(&result, zone);
  return result;
}

}  // namespace trialgate::hl7v2
