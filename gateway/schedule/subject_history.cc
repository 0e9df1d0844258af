#include "gateway/schedule/subject_history.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/common/keyed_id_hash.h"

namespace trialgate::schedule {
namespace {

// True when version `a` is later than `b`.
bool Later(const v1::Event& a, const v1::Event& b) {
  const std::string& va = a.source().version_id();
  const std::string& vb = b.source().version_id();
  uint64_t na = 0, nb = 0;
  if (absl::SimpleAtoi(va, &na) && absl::SimpleAtoi(vb, &nb) && na != nb) return na > nb;
  if (va != vb) return va > vb;
  return a.sequence() > b.sequence();
}

// What SourceResourceKey is made of: the source's system, type and logical id, or (without an
// id) the event's own id.
using ResourceParts = std::tuple<bool, absl::string_view, absl::string_view, absl::string_view>;

ResourceParts PartsOf(const v1::Event& event) {
  const v1::SourceRef& source = event.source();
  if (source.logical_id().empty()) return {false, event.event_id(), {}, {}};
  return {true, source.system(), source.resource_type(), source.logical_id()};
}

// Hashes the id only (the logical id, or the event id): the system and type rarely tell two
// resources apart. Equality still compares every part.
struct ResourcePartsHash {
  size_t operator()(const ResourceParts& parts) const {
    return KeyedIdHash()(std::get<0>(parts) ? std::get<3>(parts) : std::get<1>(parts));
  }
};

bool Withheld(v1::DoseAdministered::Status status) {
  return status == v1::DoseAdministered::NOT_DONE || status == v1::DoseAdministered::ON_HOLD;
}

}  // namespace

bool ReportsDeath(const v1::Event& event) {
  return event.has_subject_died() ||
         (event.has_adverse_event_reported() && event.adverse_event_reported().grade() == 5);
}

bool Void(const std::string& status) {
  return status == "entered-in-error" || status == "cancelled" || status == "not-done";
}

bool SubjectSeen(const std::string& encounter_status) {
  return encounter_status == "arrived" || encounter_status == "triaged" ||
         encounter_status == "in-progress" || encounter_status == "onleave" ||
         encounter_status == "finished";
}

std::vector<Dated>::const_iterator FirstOnOrAfter(const std::vector<Dated>& view, Date date) {
  return std::lower_bound(view.begin(), view.end(), date,
                          [](const Dated& entry, Date day) { return entry.date < day; });
}

bool EarlierInHistory(const Dated& a, const Dated& b) {
  const v1::Event& ea = *a.event;
  const v1::Event& eb = *b.event;
  return std::make_tuple(a.date, ea.occurred_at().seconds(), ea.occurred_at().nanos(),
                         std::cref(ea.event_id())) <
         std::make_tuple(b.date, eb.occurred_at().seconds(), eb.occurred_at().nanos(),
                         std::cref(eb.event_id()));
}

std::string SourceResourceKey(const v1::Event& event) {
  const v1::SourceRef& source = event.source();
  if (source.logical_id().empty()) return absl::StrCat("event/", event.event_id());
  return absl::StrCat(source.system(), "/", source.resource_type(), "/", source.logical_id());
}

SubjectHistory BuildHistory(store::EventBatch events, const SiteCalendar& calendar) {
  // The latest version of each resource; its events are those sharing its content hash. Each
  // event's resource is looked up once, by views of its fields (SourceResourceKey's parts: no
  // string is built).
  const std::vector<v1::Event*>& all = events.events();
  absl::flat_hash_map<ResourceParts, size_t, ResourcePartsHash> resource_index;  // -> `latest`
  resource_index.reserve(all.size());
  std::vector<const v1::Event*> latest;
  std::vector<size_t> resource_of(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const auto [it, added] = resource_index.try_emplace(PartsOf(*all[i]), latest.size());
    if (added) {
      latest.push_back(all[i]);
    } else if (const v1::Event*& best = latest[it->second]; Later(*all[i], *best)) {
      best = all[i];
    }
    resource_of[i] = it->second;
  }
  // EarlierInHistory's order, its numbers copied beside each event: the sort compares them
  // without reaching into the events, and their ids only on a tie (a panel of labs).
  struct Ordered {
    Date date;
    int64_t seconds;
    int32_t nanos;
    const v1::Event* event;
  };
  std::vector<Ordered> order;
  order.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const v1::Event* best = latest[resource_of[i]];
    if (best->source().version_id() == all[i]->source().version_id() &&
        best->source().content_sha256() == all[i]->source().content_sha256()) {
      order.push_back({calendar.DateOf(*all[i]), all[i]->occurred_at().seconds(),
                       all[i]->occurred_at().nanos(), all[i]});
    }
  }
  std::sort(order.begin(), order.end(), [](const Ordered& a, const Ordered& b) {
    if (a.date != b.date) return a.date < b.date;
    if (a.seconds != b.seconds) return a.seconds < b.seconds;
    if (a.nanos != b.nanos) return a.nanos < b.nanos;
    return a.event->event_id() < b.event->event_id();
  });

  SubjectHistory history;
  history.events.reserve(order.size());
  for (const Ordered& entry : order) history.events.push_back(entry.event);
  history.stored = std::move(events);  // the arena moves with it: the pointers stay valid

  for (size_t i = 0; i < history.events.size(); ++i) {
    const v1::Event& event = *history.events[i];
    if (event.source().resource_type() == kDerivedResourceType) continue;
    const Dated dated{&event, order[i].date};
    switch (event.payload_case()) {
      case v1::Event::kDoseAdministered: {
        const v1::DoseAdministered& dose = event.dose_administered();
        if (dose.status() == v1::DoseAdministered::ENTERED_IN_ERROR) continue;
        if (dose.agent().empty()) break;  // a non-study drug: the mapper has flagged it
        (Withheld(dose.status()) ? history.withheld_doses : history.given_doses).push_back(dated);
        break;
      }
      case v1::Event::kLabResult:
        if (Void(event.lab_result().status())) continue;
        history.labs.push_back(dated);
        break;
      case v1::Event::kResponseAssessed:
        if (Void(event.response_assessed().status())) continue;
        history.responses.push_back(dated);
        break;
      case v1::Event::kAdverseEventReported: {
        const v1::AdverseEventReported& adverse_event = event.adverse_event_reported();
        if (adverse_event.actuality() == "potential") continue;
        history.toxicities.push_back(dated);
        // CTCAE grade 5 is death related to the adverse event: it ends the course as a
        // reported death does, on the day the outcome was fatal (its resolution when sent),
        // else on its onset; the study's endpoints read it the same way (course_from_timeline).
        if (ReportsDeath(event)) {
          const absl::Time resolved = absl::FromUnixSeconds(adverse_event.resolved().seconds());
          history.deaths.push_back(
              {&event, adverse_event.has_resolved() ? calendar.DateOf(resolved) : dated.date});
        }
        break;
      }
      case v1::Event::kToxicityGraded:
        history.toxicities.push_back(dated);
        break;
      case v1::Event::kStemCellHarvest:
        if (Void(event.stem_cell_harvest().status())) continue;
        history.harvests.push_back(dated);
        break;
      case v1::Event::kTransplantPerformed:
        if (Void(event.transplant_performed().status())) continue;
        history.transplants.push_back(dated);
        break;
      case v1::Event::kEnrollmentChanged:
        history.enrollments.push_back(dated);
        break;
      case v1::Event::kSubjectDied:
        if (event.subject_died().withdrawn()) continue;
        history.deaths.push_back(dated);
        break;
      case v1::Event::kConsentRecorded:
        if (Void(event.consent_recorded().status())) continue;
        break;
      case v1::Event::kContactRecorded:
        if (!SubjectSeen(event.contact_recorded().status())) continue;
        break;
      default:
        break;
    }
    history.all.push_back(dated);
  }
  // A grade 5 adverse event's death can fall after its own place in the history (its resolution).
  std::stable_sort(history.deaths.begin(), history.deaths.end(),
                   [](const Dated& a, const Dated& b) { return a.date < b.date; });
  return history;
}

}  // namespace trialgate::schedule
