// libFuzzer target: any bytes as a date through ParseIsoDate (gateway/common/iso_date.h), which
// stands in for absl::ParseCivilTime on the timeline's and the reports' dates. Aborts when the
// two disagree (absl also takes other forms, "2024-2-02" or a trailing newline: ParseIsoDate
// hands those to it), or when a day written as YYYY-MM-DD does not write back as the same text;
// and LeadingIsoDate on the same bytes, which must date a text that begins with a day as that day.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "gateway/common/iso_date.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::optional<absl::CivilDay> ours = trialgate::ParseIsoDate(text);
  absl::CivilDay theirs;
  const bool parsed = absl::ParseCivilTime(text, &theirs);
  if (ours.has_value() != parsed || (parsed && *ours != theirs)) {
    std::fprintf(stderr, "ParseIsoDate and absl disagree on \"%s\"\n", text.c_str());
    std::abort();
  }
  bool canonical = text.size() == 10;
  for (size_t i = 0; canonical && i < text.size(); ++i) {
    canonical = (i == 4 || i == 7) ? text[i] == '-' : (text[i] >= '0' && text[i] <= '9');
  }
  if (ours && canonical && trialgate::FormatIsoDate(*ours) != text) {
    std::fprintf(stderr, "\"%s\" writes back as \"%s\"\n", text.c_str(),
                 trialgate::FormatIsoDate(*ours).c_str());
    std::abort();
  }
  // LeadingIsoDate (the timeline's date of a FHIR date or dateTime) takes any bytes, and a text
  // that begins with a day ParseIsoDate reads is dated that day.
  const std::optional<absl::CivilDay> leading = trialgate::LeadingIsoDate(text);
  const std::optional<absl::CivilDay> day10 =
      text.size() >= 10 ? trialgate::ParseIsoDate(text.substr(0, 10)) : std::nullopt;
  bool digits10 = text.size() >= 10;
  for (size_t i = 0; digits10 && i < 10; ++i) {
    digits10 = (i == 4 || i == 7) ? true : (text[i] >= '0' && text[i] <= '9');
  }
  if (day10 && digits10 && leading != day10) {
    std::fprintf(stderr, "LeadingIsoDate(\"%s\") is not the day ParseIsoDate reads\n",
                 text.c_str());
    std::abort();
  }
  return 0;
}
