#include "gateway/schedule/calendar.h"

#include "gateway/common/iso_date.h"

namespace trialgate::schedule {
namespace {

absl::Time InstantOf(const v1::Event& event) {
  return absl::FromUnixSeconds(event.occurred_at().seconds()) +
         absl::Nanoseconds(event.occurred_at().nanos());
}

}  // namespace

std::string FormatDate(Date date) { return FormatIsoDate(date); }

std::optional<Date> ParseDate(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return ParseIsoDate(text);
}

Date AddMonths(Date date, int months) {
  const absl::CivilMonth month = absl::CivilMonth(date) + months;
  const Date last_day = Date(month + 1) - 1;
  const Date wanted(month.year(), month.month(), date.day());
  // CivilDay normalises Feb 30 to Mar 2: clamp to the month's last day instead.
  return absl::CivilMonth(wanted) == month ? wanted : last_day;
}

Date SiteCalendar::DateOf(const v1::Event& event) const {
  const std::string& text = event.occurred_at_fhir();
  if (!text.empty() && (text.size() <= 10 || !zone_)) {
    if (std::optional<Date> date = LeadingIsoDate(text)) return *date;
  }
  return DateOf(InstantOf(event));
}

Date SiteCalendar::DateOf(absl::Time time) const {
  return absl::ToCivilDay(time, zone_ ? *zone_ : absl::UTCTimeZone());
}

std::string SiteCalendar::ZoneName() const { return zone_ ? zone_->name() : "event offsets"; }

}  // namespace trialgate::schedule
