#ifndef TRIALGATE_GATEWAY_SCHEDULE_CALENDAR_H_
#define TRIALGATE_GATEWAY_SCHEDULE_CALENDAR_H_

// Protocol days are calendar days where the subject is treated: an event's instant becomes a date
// in the site's time zone, or, without one, in the UTC offset the event was sent with.

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::schedule {

using Date = absl::CivilDay;

// "2026-02-02".
std::string FormatDate(Date date);
// The date of "2026-02-02"; nullopt for anything else.
std::optional<Date> ParseDate(const std::string& text);
// `date` plus `months` calendar months; a day the month lacks becomes its last day (Jan 31 + 1
// month = Feb 28), so that a phase of N months never ends in the month after.
Date AddMonths(Date date, int months);

// Turns event times into dates. Immutable; thread-safe.
class SiteCalendar {
 public:
  // `zone`: the site's time zone; nullopt to use each event's own UTC offset.
  explicit SiteCalendar(std::optional<absl::TimeZone> zone = std::nullopt) : zone_(zone) {}

  // The event's date: a date-only occurred_at_fhir is that date; a dateTime is its date in the
  // site's zone, or as written (its own offset) without one; no occurred_at_fhir: occurred_at.
  Date DateOf(const v1::Event& event) const;
  // An instant's date in the site's zone, or in UTC without one.
  Date DateOf(absl::Time time) const;
  // The zone's name, or "event offsets".
  std::string ZoneName() const;

 private:
  std::optional<absl::TimeZone> zone_;
};

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_CALENDAR_H_
