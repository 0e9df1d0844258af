#ifndef TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_HISTORY_H_
#define TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_HISTORY_H_

// What the schedule engine knows of one subject: the current version of each source resource,
// dated on the site's calendar, in one deterministic order, split by kind.

#include <string>
#include <vector>

#include "gateway/schedule/calendar.h"
#include "gateway/store/event_batch.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::schedule {

// Events the gateway derives itself (protocol deviations, harvest outcomes) carry this as
// source.resource_type; no FHIR resource type can collide with it.
inline constexpr char kDerivedResourceType[] = "trialgate-derived";

// An event and its calendar date.
struct Dated {
  const v1::Event* event = nullptr;
  Date date;
};

struct SubjectHistory {
  // Every event the history was built from, all versions, and any appended later
  // (timeline_state.h): `events` and the views point into it, and stay valid as it grows.
  store::EventBatch stored;
  // The current events, ordered by (date, occurred_at, event_id): the same whatever order they
  // arrived in.
  std::vector<const v1::Event*> events;
  std::vector<Dated> all;          // every current event except derived ones
  std::vector<Dated> given_doses;  // study agents, given (not not-done / on-hold / in error)
  std::vector<Dated> withheld_doses;  // study agents reported not-done or on-hold
  std::vector<Dated> labs;
  std::vector<Dated> responses;
  // Confirmed responses derived from the labs (clinical_timeline.h), dated when confirmed: the
  // response gate's fallback when the site reported none. Not events of the log.
  std::vector<Dated> derived_responses;
  std::vector<Dated> toxicities;   // adverse events and lab-derived toxicity grades
  std::vector<Dated> harvests;     // stem cell collections (Procedure)
  std::vector<Dated> transplants;
  std::vector<Dated> enrollments;
  // Reported deaths (SubjectDied, not withdrawn) and grade 5 adverse events, dated on the
  // death's day, the earliest first: it ends the course.
  std::vector<Dated> deaths;

  // What the response gate reads: the reported responses, else the confirmed derived ones.
  const std::vector<Dated>& GateResponses() const {
    return responses.empty() ? derived_responses : responses;
  }
};

// Keeps, of each source resource (sending system + resource type + logical id), only the events
// of its latest version: the highest meta.versionId (compared as numbers when both are), else
// the later arrival (sequence) — a resource sent without versionId has no other order. Events
// without a logical id are each their own resource. Derived events, resources entered in
// error, withdrawn deaths (a later Patient version without one) and encounters that were no
// contact are dropped from the views. The result does not depend on the input order, except for
// versionless resources sent twice with different content.
SubjectHistory BuildHistory(store::EventBatch events, const SiteCalendar& calendar);

// A reported death (SubjectDied) or a grade 5 adverse event (CTCAE v5.0: death related to it).
bool ReportsDeath(const v1::Event& event);

// A result or report with this status is left out of the views (entered-in-error, cancelled,
// not-done).
bool Void(const std::string& status);

// An Encounter status (FHIR R4 encounter-status, http://hl7.org/fhir/R4/valueset-encounter-status.html)
// that says the subject was there: arrived, triaged, in-progress, onleave, finished. A planned,
// cancelled, entered-in-error or unknown encounter is no contact and is left out of the views.
bool SubjectSeen(const std::string& encounter_status);

// The first entry of `view` (any of SubjectHistory's, all by date) dated on or after `date`.
std::vector<Dated>::const_iterator FirstOnOrAfter(const std::vector<Dated>& view, Date date);

// The views' order: (date, occurred_at, event_id).
bool EarlierInHistory(const Dated& a, const Dated& b);

// "system/ResourceType/id" of the event's source resource, or "event/<event_id>" without an id:
// stays the same across versions of the resource.
std::string SourceResourceKey(const v1::Event& event);

}  // namespace trialgate::schedule

#endif  // TRIALGATE_GATEWAY_SCHEDULE_SUBJECT_HISTORY_H_
