// What the study report costs at scale (issue 16: 10,000 subjects x 1 year in under 10 s, the
// real study's 58 subjects in under 1 s, on the 2-core machine; docs/performance.md "The study
// report at scale"). Not a Google Benchmark fixture: one report is seconds, so the program times
// whole reports and prints them, and it never fails on a time.
//
// 1. Generates a synthetic study into a real SQLite event store in `--data DIR` (kept and reused
//    when DIR already holds the same study; generating is not timed): `--subjects` subjects over
//    `--sites` sites, enrolled over `--enrol-days` days and followed to the data cutoff, one year
//    after the last enrolment (365 to 365 + enrol-days days each). Each subject: consent and
//    enrolment, height and weight, baseline labs; KRd re-induction cycles 1-6 with every dose of
//    schedule.json (carfilzomib 27 mg/m2 days 1, 2, 8, 9, 15, 16; lenalidomide 25 mg days 1-21;
//    dexamethasone 40 mg days 1, 8, 15, 22), a panel of 13 labs on day 1 and a blood count on
//    days 8, 15, 22; reported responses; filgrastim and plerixafor, apheresis and CD34+ count;
//    melphalan and the transplant (day 0), blood counts after it; lenalidomide 10 mg maintenance
//    every day to the cutoff with a monthly panel. A seeded RNG (deterministic) makes some
//    subjects progress (M-protein rising, a reported PD, follow-up contacts, some a new therapy),
//    withdraw, die, fail the response gate; adverse events (grade 3 ones reduce the next cycle's
//    doses), missed and not-done doses, delayed cycles, corrected labs. Events are shaped as the
//    mappers make them (64-hex ids, codes, values as sent, reference ranges) and committed as one
//    SourceWrite each, in date order within blocks of subjects (a feed interleaves subjects).
// 2. Times study_report::BuildStudyReport on a fresh SubjectTimelines each time (cold: nothing
//    cached, as after a restart), with the study's clinical rules as the gateway builds them
//    (gateway_server.cc StartSchedule): `--repetitions` times at the default threads (one per
//    core), then once with threads = 1. Prints wall and CPU time, per subject, peak RSS, and the
//    report's subject count and a few figures as a sanity check.
// 3. `--stages`: the report's steps by hand on one thread, each timed (what BuildStudyReport does
//    per subject and after; for where the time goes).
// 4. `--kept`: reports with each subject's part of the previous one kept (as the gateway's
//    StudyReports keeps them): nothing new, then 100 and 1,000 subjects' parts dropped.
//
// Run:
//   nice ./build/tests/bench/study_report_bench --data /tmp/study-10000 --subjects 10000
//   nice ./build/tests/bench/study_report_bench --data /tmp/study-58 --subjects 58
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fhir-profiles/embedded.h"
#include "gateway/endpoints/compute_endpoints.h"
#include "gateway/endpoints/course_from_timeline.h"
#include "gateway/endpoints/report_proto.h"
#include "gateway/endpoints/subject_summary.h"
#include "gateway/schedule/clinical_rules.h"
#include "gateway/schedule/schedule.h"
#include "gateway/schedule/subject_timelines.h"
#include "gateway/store/sqlite_event_store.h"
#include "gateway/study_report/study_report.h"
#include "mappers/study.h"
#include "tests/schedule/subject_builder.h"
#include "tests/support/manual_clock.h"

namespace trialgate {
namespace {

using schedule::Date;
using schedule::testing::SubjectBuilder;

// Bumped whenever the generator changes, so that an old data directory is not reused.
constexpr int kGeneratorVersion = 1;
constexpr int kBlockSubjects = 500;  // subjects interleaved by date in one commit block
const Date kStudyStart(2025, 1, 6);

struct Options {
  std::string data;
  int subjects = 10000;
  int sites = 20;
  int enrol_days = 60;
  int repetitions = 3;
  uint64_t seed = 16;
  bool stages = false;
  bool threads_one = true;
  bool kept = false;
};

Date Cutoff(const Options& options) { return kStudyStart + options.enrol_days + 365; }

// ---------------------------------------------------------------------------------------------
// Generation

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// 64 hex digits, as the gateway's HMAC-SHA256 ids look.
std::string Hex64(uint64_t a, uint64_t b) {
  std::string out;
  out.reserve(64);
  uint64_t x = Mix(a * 0x100000001B3ULL ^ Mix(b));
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&out, absl::Hex(x, absl::kZeroPad16));
    x = Mix(x + i);
  }
  return out;
}

uint64_t HashText(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

struct LabSpec {
  const char* analyte;
  const char* loinc;
  const char* unit;
  double low;
  double high;
};
constexpr LabSpec kLabs[] = {
    {"serum_m_protein", "33358-3", "g/dL", 0, 0},
    {"flc_kappa", "36916-5", "mg/L", 3.3, 19.4},
    {"flc_lambda", "33944-0", "mg/L", 5.7, 26.3},
    {"flc_ratio", "48378-4", "{ratio}", 0.26, 1.65},
    {"anc", "751-8", "10*9/L", 1.8, 7.7},
    {"platelets", "777-3", "10*9/L", 150, 400},
    {"hemoglobin", "718-7", "g/dL", 12, 16},
    {"wbc", "6690-2", "10*9/L", 4, 11},
    {"creatinine", "2160-0", "mg/dL", 0.6, 1.2},
    {"calcium", "17861-6", "mg/dL", 8.6, 10.3},
    {"alt", "1742-6", "U/L", 7, 56},
    {"ast", "1920-8", "U/L", 10, 40},
    {"bilirubin_total", "1975-2", "mg/dL", 0.1, 1.2},
    {"ldh", "2532-0", "U/L", 140, 280},
    {"beta2_microglobulin", "1952-1", "mg/L", 0.8, 2.2},
    {"body_height", "8302-2", "cm", 0, 0},
    {"body_weight", "29463-7", "kg", 0, 0},
    {"cd34_per_kg", "", "10*6/kg", 0, 0},
};

const LabSpec* FindLab(const std::string& analyte) {
  for (const LabSpec& lab : kLabs) {
    if (analyte == lab.analyte) return &lab;
  }
  return nullptr;
}

struct DrugSpec {
  const char* agent;
  const char* atc;
  const char* route;
};
constexpr DrugSpec kDrugs[] = {
    {"carfilzomib", "L01XG02", "IV"},   {"lenalidomide", "L04AX04", "oral"},
    {"dexamethasone", "H02AB02", "oral"}, {"filgrastim", "L03AA02", "SC"},
    {"plerixafor", "L03AX16", "SC"},    {"melphalan", "L01AA03", "IV"},
};

struct AeSpec {
  const char* term;
  const char* meddra;
};
constexpr AeSpec kAdverseEvents[] = {
    {"Neutrophil count decreased", "10029366"}, {"Platelet count decreased", "10035528"},
    {"Fatigue", "10016256"},                    {"Diarrhea", "10012727"},
    {"Peripheral sensory neuropathy", "10034620"}, {"Hypertension", "10020772"},
    {"Lung infection", "10061229"},             {"Upper respiratory infection", "10046300"},
    {"Nausea", "10028813"},                     {"Dyspnea", "10013963"},
};

std::string Decimal(double value) { return absl::StrFormat("%.4g", value); }

// Gives the builder's event what the mappers and the pipeline give a real one: the subject,
// site and source, 64-hex ids, the time it was recorded, codes and values as sent.
void Decorate(v1::Event& event, int s, const std::string& subject, const std::string& site) {
  event.set_subject_id(subject);
  event.set_site_id(site);
  const std::string builder_id = event.event_id();
  event.set_event_id(Hex64(static_cast<uint64_t>(s), HashText(builder_id)));
  v1::SourceRef* source = event.mutable_source();
  source->set_system(absl::StrCat(site, "-ehr"));
  source->set_logical_id(Hex64(static_cast<uint64_t>(s) + (1ULL << 40),
                               HashText(source->logical_id())));
  source->set_content_sha256(
      Hex64(static_cast<uint64_t>(s) + (2ULL << 40), HashText(builder_id)));
  event.clear_sequence();
  event.mutable_recorded_at()->set_seconds(event.occurred_at().seconds() + 86400 + 3600 * 9 +
                                           static_cast<int64_t>(Mix(s) % 3600));
  if (event.has_lab_result()) {
    v1::LabResult* lab = event.mutable_lab_result();
    const LabSpec* spec = FindLab(lab->analyte());
    if (spec != nullptr && *spec->loinc != '\0') {
      lab->mutable_code()->set_system("http://loinc.org");
      lab->mutable_code()->set_code(spec->loinc);
    } else {
      lab->mutable_code()->set_system("urn:trialgate:krd-asct2:lab");
      lab->mutable_code()->set_code(lab->analyte());
    }
    if (lab->has_value()) {
      lab->mutable_value_as_sent()->set_value(lab->value());
      lab->mutable_value_as_sent()->set_unit(lab->unit());
      lab->mutable_value_as_sent()->set_value_decimal(Decimal(lab->value()));
      lab->set_value_decimal(Decimal(lab->value()));
    }
    if (spec != nullptr && spec->high > 0 && !lab->has_reference_range()) {
      v1::Range* range = lab->mutable_reference_range();
      range->set_low(spec->low);
      range->set_high(spec->high);
      range->set_unit(lab->unit());
      range->set_low_decimal(Decimal(spec->low));
      range->set_high_decimal(Decimal(spec->high));
      if (lab->has_value()) {
        lab->set_interpretation(lab->value() < spec->low    ? "L"
                                : lab->value() > spec->high ? "H"
                                                            : "N");
      }
    }
  } else if (event.has_dose_administered()) {
    v1::DoseAdministered* dose = event.mutable_dose_administered();
    for (const DrugSpec& drug : kDrugs) {
      if (dose->agent() != drug.agent) continue;
      dose->mutable_medication()->set_system("http://www.whocc.no/atc");
      dose->mutable_medication()->set_code(drug.atc);
      dose->mutable_medication()->set_display(drug.agent);
      dose->set_route(drug.route);
    }
    if (dose->has_dose()) {
      *dose->mutable_dose_as_sent() = dose->dose();
      dose->mutable_dose()->set_value_decimal(Decimal(dose->dose().value()));
      dose->mutable_dose_as_sent()->set_value_decimal(Decimal(dose->dose().value()));
    }
  } else if (event.has_adverse_event_reported()) {
    event.mutable_adverse_event_reported()->mutable_onset()->set_seconds(
        event.occurred_at().seconds());
    event.mutable_adverse_event_reported()->set_attribution("related");
  }
}

// One subject's course from enrolment to the cutoff (or to its end), in the builder.
class CourseGenerator {
 public:
  CourseGenerator(const Options& options, int s)
      : rng_(Mix(options.seed * 1000003ULL + static_cast<uint64_t>(s))),
        cutoff_(Cutoff(options)),
        end_(cutoff_),
        enrolled_(kStudyStart + static_cast<int>(static_cast<int64_t>(s) * options.enrol_days /
                                                 std::max(1, options.subjects))) {}

  std::vector<v1::Event> Generate() {
    Plan();
    b_.events().reserve(700);
    // Consent, enrolment, body size, baseline labs.
    v1::Event& consent = b_.Enrollment("on-study", enrolled_);
    consent.clear_enrollment_changed();
    consent.mutable_source()->set_resource_type("Consent");
    consent.mutable_consent_recorded()->set_status("active");
    consent.mutable_consent_recorded()->set_date(schedule::FormatDate(enrolled_));
    b_.Enrollment("on-study", enrolled_);
    b_.BodySize(enrolled_, height_, weight_);
    Panel(enrolled_, /*full=*/true, /*baseline=*/true);
    Reinduction();
    if (Over(last_c1d1_ + 28)) return Finish();
    if (!responder_) {  // the response gate not met: off study
      Withdraw(last_c1d1_ + 35, "off-study");
      return Finish();
    }
    Transplant();
    Maintenance();
    return Finish();
  }

 private:
  double Uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng_); }
  int Int(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng_); }
  bool Chance(double p) { return Uniform(0, 1) < p; }
  double Normal(double mean, double sd) { return std::normal_distribution<double>(mean, sd)(rng_); }

  void Plan() {
    height_ = std::clamp(Normal(170, 9), 150.0, 200.0);
    weight_ = std::clamp(Normal(76, 14), 45.0, 140.0);
    bsa_ = std::min(2.2, std::sqrt(height_ * weight_ / 3600));
    baseline_m_ = Uniform(1.2, 4.5);
    responder_ = !Chance(0.05);
    floor_ = responder_ ? Uniform(0.02, 0.4) : Uniform(0.6, 0.9);
    c1d1_ = enrolled_ + Int(7, 14);
    const double end_roll = Uniform(0, 1);
    if (end_roll < 0.05) withdrawal_ = enrolled_ + Int(30, 365);
    else if (end_roll < 0.065) death_ = enrolled_ + Int(30, 365);
    else if (end_roll < 0.19) progression_ = enrolled_ + Int(150, 330);
    new_therapy_ = progression_ && Chance(0.5);
  }

  // The serum M-protein on `date`: down from baseline while treated, up after a progression.
  double MProtein(Date date) {
    const double t = std::max<double>(0, static_cast<double>(date - c1d1_));
    double m = baseline_m_ * (floor_ + (1 - floor_) * std::exp(-t / 40));
    if (progression_ && date >= *progression_) {
      const double at = baseline_m_ * (floor_ + (1 - floor_) *
                                       std::exp(-static_cast<double>(*progression_ - c1d1_) / 40));
      m = at + 0.025 * static_cast<double>(date - *progression_);
    }
    return std::round(m * 100) / 100;
  }

  // Whether the course has ended (withdrawal, death, reported progression) or the cutoff passed
  // by `date`; the ending events are written once, when first seen.
  bool Over(Date date) {
    if (ended_) return true;
    if (withdrawal_ && *withdrawal_ <= date) {
      Withdraw(*withdrawal_, "withdrawn");
      return true;
    }
    if (death_ && *death_ <= date) {
      v1::Event& death = b_.Enrollment("on-study", *death_);
      death.clear_enrollment_changed();
      death.mutable_source()->set_resource_type("Patient");
      death.mutable_subject_died()->set_date(schedule::FormatDate(*death_));
      death.mutable_subject_died()->set_reported_as("Patient.deceasedDateTime");
      ended_ = true;
      end_ = *death_;
      return true;
    }
    if (progression_ && *progression_ + 56 <= date) {
      Progress(*progression_ + 56);
      return true;
    }
    return date > cutoff_;
  }

  void Withdraw(Date date, const char* status) {
    if (date > cutoff_) return;
    v1::Event& event = b_.Enrollment(status, date);
    event.mutable_enrollment_changed()->set_enrolled_on(schedule::FormatDate(enrolled_));
    event.mutable_enrollment_changed()->set_ended_on(schedule::FormatDate(date));
    ended_ = true;
    end_ = date;
  }

  // The site reports PD (the labs rose from day `progression_`), treatment stops, follow-up
  // contacts every three months to the cutoff; half start another therapy.
  void Progress(Date reported) {
    ended_ = true;
    if (reported > cutoff_) return;
    Panel(reported, /*full=*/true, /*baseline=*/false);
    b_.Response("PD", reported);
    if (new_therapy_ && reported + 21 <= cutoff_) {
      for (int week = 0; week < 4 && reported + 21 + 7 * week <= cutoff_; ++week) {
        b_.OtherDrug("http://www.whocc.no/atc", "L01XG01", "bortezomib", reported + 21 + 7 * week);
      }
    }
    for (Date visit = reported + 91; visit <= cutoff_; visit += 91) {
      v1::Event& contact = b_.Enrollment("on-study", visit);
      contact.clear_enrollment_changed();
      contact.mutable_source()->set_resource_type("Encounter");
      contact.mutable_contact_recorded()->set_status("finished");
      contact.mutable_contact_recorded()->mutable_encounter_class()->set_system(
          "http://terminology.hl7.org/CodeSystem/v3-ActCode");
      contact.mutable_contact_recorded()->mutable_encounter_class()->set_code("AMB");
      contact.mutable_contact_recorded()->set_date(schedule::FormatDate(visit));
      Panel(visit, /*full=*/true, /*baseline=*/false);
    }
  }

  void Lab(const char* analyte, Date date, double value) {
    const LabSpec* spec = FindLab(analyte);
    v1::Event& lab = b_.Lab(analyte, date, value, spec->unit);
    if (Chance(0.004)) {  // corrected afterwards
      v1::Event& corrected = b_.NewVersion(lab);
      corrected.mutable_lab_result()->set_value(std::round(value * 1.05 * 100) / 100);
    }
  }

  // A blood count, or the full panel of 13 (with ldh and beta-2 microglobulin at baseline).
  void Panel(Date date, bool full, bool baseline) {
    const bool nadir = Chance(0.04);
    Lab("anc", date, std::round(std::max(0.2, nadir ? Uniform(0.4, 1.1) : Normal(2.8, 0.8)) * 100) / 100);
    Lab("platelets", date, std::round(std::max(10.0, nadir ? Uniform(30, 70) : Normal(190, 45))));
    Lab("hemoglobin", date, std::round(std::max(6.0, Normal(11.8, 1.2)) * 10) / 10);
    Lab("wbc", date, std::round(std::max(0.5, Normal(5.2, 1.3)) * 10) / 10);
    if (!full) return;
    const double m = MProtein(date);
    Lab("serum_m_protein", date, m);
    const double kappa = std::round((12 + 60 * m) * 10) / 10;
    const double lambda = std::round(Normal(13, 2) * 10) / 10;
    Lab("flc_kappa", date, kappa);
    Lab("flc_lambda", date, lambda);
    Lab("flc_ratio", date, std::round(kappa / lambda * 100) / 100);
    Lab("creatinine", date, std::round(std::max(0.4, Normal(0.95, 0.2)) * 100) / 100);
    Lab("calcium", date, std::round(Normal(9.4, 0.4) * 10) / 10);
    Lab("alt", date, std::round(std::max(5.0, Normal(26, 9))));
    Lab("ast", date, std::round(std::max(5.0, Normal(25, 8))));
    Lab("bilirubin_total", date, std::round(std::max(0.1, Normal(0.6, 0.2)) * 10) / 10);
    if (baseline) {
      Lab("ldh", date, std::round(Normal(210, 40)));
      Lab("beta2_microglobulin", date, std::round(Uniform(1.5, 6) * 10) / 10);
    }
  }

  // The IMWG category a site would report from the M-protein's fall.
  std::string Category(Date date) {
    const double ratio = MProtein(date) / baseline_m_;
    if (ratio <= 0.1) return "VGPR";
    if (ratio <= 0.5) return "PR";
    if (ratio <= 0.75) return "MR";
    return "SD";
  }

  // Adverse events of the course, drawn once: about 2 a year.
  void AdverseEvents(Date from, Date to) {
    const int n = std::poisson_distribution<int>(2.0 * static_cast<double>(to - from) / 365)(rng_);
    for (int i = 0; i < n; ++i) {
      const Date date = from + Int(0, static_cast<int>(to - from));
      if (date > cutoff_) continue;
      const AeSpec& ae = kAdverseEvents[Int(0, static_cast<int>(std::size(kAdverseEvents)) - 1)];
      const double roll = Uniform(0, 1);
      const int grade = roll < 0.5 ? 1 : roll < 0.85 ? 2 : roll < 0.98 ? 3 : 4;
      pending_aes_.push_back({date, &ae, grade, Chance(0.5)});
    }
  }

  // Whether a grade 3 or higher adverse event began in [from, to): the next cycle is reduced.
  bool SevereBetween(Date from, Date to) const {
    for (const PendingAe& ae : pending_aes_) {
      if (ae.grade >= 3 && ae.date >= from && ae.date < to) return true;
    }
    return false;
  }

  void Dose(const char* agent, Date date, double mg) {
    if (Chance(0.008)) return;  // missed, never reported
    if (Chance(0.006)) {
      b_.NotDone(agent, date, "patient declined");
      return;
    }
    b_.Dose(agent, date, mg);
  }

  void Reinduction() {
    AdverseEvents(c1d1_, c1d1_ + 6 * 28);
    constexpr double kCarfilzomib[] = {27, 20, 15};
    constexpr double kLenalidomide[] = {25, 15, 10, 5};
    constexpr double kDexamethasone[] = {40, 20};
    int level = 0;
    Date day1 = c1d1_;
    for (int cycle = 1; cycle <= 6; ++cycle) {
      if (cycle > 1) {
        const Date previous = day1;
        day1 = day1 + 28 + (Chance(0.12) ? Int(1, 7) : 0);
        if (SevereBetween(previous, day1) && level < 2) ++level;
      }
      last_c1d1_ = day1;
      for (int day = 1; day <= 28; ++day) {
        const Date date = day1 + (day - 1);
        if (Over(date)) return;
        if (day == 1) Panel(date, /*full=*/true, /*baseline=*/false);
        if (day == 8 || day == 15 || day == 22) Panel(date, /*full=*/false, false);
        if (day == 1 && (cycle == 3 || cycle == 5)) b_.Response(Category(date), date);
        for (int k : {1, 2, 8, 9, 15, 16}) {
          if (day == k) {
            Dose("carfilzomib", date,
                 std::round(kCarfilzomib[std::min(level, 2)] * bsa_ * 10) / 10);
          }
        }
        if (day <= 21) Dose("lenalidomide", date, kLenalidomide[std::min(level, 3)]);
        if (day == 1 || day == 8 || day == 15 || day == 22) {
          Dose("dexamethasone", date, kDexamethasone[std::min(level, 1)]);
        }
      }
    }
    const Date end = last_c1d1_ + 27;
    if (!Over(end)) b_.Response(Category(end), end);
  }

  void Transplant() {
    const Date start = last_c1d1_ + 35;
    AdverseEvents(start, start + 120);
    for (int d = 0; d < 4; ++d) {
      if (Over(start + d)) return;
      b_.Dose("filgrastim", start + d, std::round(10 * weight_ / 100) / 10);
    }
    b_.Dose("plerixafor", start + 3, std::round(0.24 * weight_ * 10) / 10);
    if (Over(start + 4)) return;
    b_.Harvest(start + 4);
    const double first = Uniform(1.2, 7);
    b_.Lab("cd34_per_kg", start + 4, std::round(first * 10) / 10, "10*6/kg");
    if (first < 2.5 && !Over(start + 5)) {
      b_.Harvest(start + 5);
      b_.Lab("cd34_per_kg", start + 5, std::round(Uniform(1, 3) * 10) / 10, "10*6/kg");
    }
    const Date day0 = start + 35;
    day0_ = day0;
    if (Over(day0 - 2)) return;
    b_.Dose("melphalan", day0 - 2, std::round(200 * bsa_));
    if (Over(day0)) return;
    b_.Transplant(day0);
    for (int week = 1; week <= 4; ++week) {
      if (Over(day0 + 7 * week)) return;
      Panel(day0 + 7 * week, /*full=*/week == 4, false);
    }
  }

  void Maintenance() {
    if (!day0_) return;
    const Date start = *day0_ + 60;
    AdverseEvents(start, cutoff_);
    for (Date date = *day0_ + 29; date < start; ++date) {
      if (Over(date)) return;
    }
    if (Over(start)) return;
    b_.Response(Category(start - 1), start - 1);
    int day = 0;
    for (Date date = start; date <= cutoff_; ++date, ++day) {
      if (Over(date)) return;
      if (day % 28 == 0) Panel(date, /*full=*/true, false);
      if (day % 84 == 83) b_.Response(Category(date), date);
      Dose("lenalidomide", date, 10);
    }
  }

  // The adverse events up to the course's end (the builder's order does not matter: the events
  // are committed in date order).
  std::vector<v1::Event> Finish() {
    for (const PendingAe& ae : pending_aes_) {
      if (ae.date > end_) continue;
      v1::Event& event = b_.AdverseEvent(ae.ae->term, ae.grade, ae.date);
      event.mutable_adverse_event_reported()->set_meddra_code(ae.ae->meddra);
      event.mutable_adverse_event_reported()->set_serious(ae.grade >= 3 && ae.serious);
    }
    return std::move(b_.events());
  }

  std::mt19937_64 rng_;
  Date cutoff_;
  Date end_;  // the course's last day: its end, else the cutoff
  Date enrolled_;
  SubjectBuilder b_;
  double height_ = 170, weight_ = 70, bsa_ = 1.8, baseline_m_ = 2, floor_ = 0.2;
  bool responder_ = true, new_therapy_ = false, ended_ = false;
  Date c1d1_, last_c1d1_;
  std::optional<Date> withdrawal_, death_, progression_, day0_;
  struct PendingAe {
    Date date;
    const AeSpec* ae;
    int grade;
    bool serious;
  };
  std::vector<PendingAe> pending_aes_;
};

std::string SubjectId(int s, int sites) {
  return absl::StrFormat("KRD-%02d-%05d", s % sites + 1, s + 1);
}
std::string SiteId(int s, int sites) { return absl::StrFormat("site-%02d", s % sites + 1); }

std::string Marker(const Options& options) {
  return absl::StrCat("study_report_bench v", kGeneratorVersion, " subjects=", options.subjects,
                      " sites=", options.sites, " enrol_days=", options.enrol_days,
                      " seed=", options.seed, "\n");
}

// Commits `writes` and waits for them: its status.
absl::Status CommitAll(store::EventStore& store, std::vector<store::SourceWrite> writes) {
  constexpr size_t kPerCommit = 5000;
  std::vector<std::future<absl::Status>> done;
  std::vector<std::shared_ptr<std::promise<absl::Status>>> promises;
  for (size_t i = 0; i < writes.size(); i += kPerCommit) {
    std::vector<store::SourceWrite> part(
        std::make_move_iterator(writes.begin() + static_cast<ptrdiff_t>(i)),
        std::make_move_iterator(writes.begin() +
                                static_cast<ptrdiff_t>(std::min(writes.size(), i + kPerCommit))));
    auto promise = std::make_shared<std::promise<absl::Status>>();
    done.push_back(promise->get_future());
    store.Commit(std::move(part),
                 [promise](store::CommitResult result) { promise->set_value(result.status); });
  }
  absl::Status status;
  for (auto& future : done) {
    absl::Status one = future.get();
    if (status.ok()) status = one;
  }
  return status;
}

// Generates the study into `options.data` unless it already holds it.
absl::Status Generate(const Options& options, const std::string& db_path) {
  const std::filesystem::path marker_path = std::filesystem::path(options.data) / "study.txt";
  std::ifstream marker_in(marker_path);
  if (marker_in) {
    std::stringstream text;
    text << marker_in.rdbuf();
    if (text.str() == Marker(options)) {
      printf("reusing the study in %s\n", options.data.c_str());
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(absl::StrCat(
        options.data, " holds another study (", text.str(), "): use another --data directory"));
  }
  if (std::filesystem::exists(db_path)) {
    return absl::FailedPreconditionError(
        absl::StrCat(db_path, " exists without study.txt (an interrupted generation?): remove it"));
  }
  std::filesystem::create_directories(options.data);
  auto store = store::OpenSqliteEventStore(db_path);
  if (!store.ok()) return store.status();
  const auto start = std::chrono::steady_clock::now();
  uint64_t events = 0;
  for (int first = 0; first < options.subjects; first += kBlockSubjects) {
    const int last = std::min(options.subjects, first + kBlockSubjects);
    std::vector<v1::Event> block;
    for (int s = first; s < last; ++s) {
      const std::string subject = SubjectId(s, options.sites);
      const std::string site = SiteId(s, options.sites);
      for (v1::Event& event : CourseGenerator(options, s).Generate()) {
        Decorate(event, s, subject, site);
        block.push_back(std::move(event));
      }
    }
    // A feed interleaves its subjects: in date order (each subject's own order kept).
    std::stable_sort(block.begin(), block.end(), [](const v1::Event& a, const v1::Event& b) {
      return a.occurred_at().seconds() < b.occurred_at().seconds();
    });
    std::vector<store::SourceWrite> writes;
    writes.reserve(block.size());
    for (v1::Event& event : block) {
      store::SourceWrite write;
      write.source_key = absl::StrCat(event.source().system(), "/", event.source().resource_type(),
                                      "/", event.source().logical_id(), "/",
                                      event.source().version_id());
      write.events.push_back(std::move(event));
      writes.push_back(std::move(write));
    }
    events += writes.size();
    if (absl::Status status = CommitAll(**store, std::move(writes)); !status.ok()) return status;
    printf("  generated %d of %d subjects, %llu events, %.0f s\n", last, options.subjects,
           static_cast<unsigned long long>(events),
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    fflush(stdout);
  }
  store->reset();
  std::ofstream(marker_path) << Marker(options);
  printf("generated %d subjects, %llu events in %.0f s\n", options.subjects,
         static_cast<unsigned long long>(events),
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Measurement

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The process's resident set now and at its peak since ResetPeakRss, in MiB (/proc/self/status).
std::pair<double, double> RssMib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  double rss = 0, peak = 0;
  while (std::getline(status, line)) {
    double kb = 0;
    if (sscanf(line.c_str(), "VmRSS: %lf kB", &kb) == 1) rss = kb / 1024;
    if (sscanf(line.c_str(), "VmHWM: %lf kB", &kb) == 1) peak = kb / 1024;
  }
  return {rss, peak};
}

void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

std::string Load() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return absl::StrCat(a, " ", b, " ", c);
}

struct Context {
  std::shared_ptr<const mappers::Study> study;
  std::shared_ptr<const schedule::Schedule> schedule;
  std::shared_ptr<const schedule::ClinicalRules> rules;
  store::SqliteEventStore* store = nullptr;
  std::unique_ptr<testing::ManualClock> clock;
  study_report::ReportRequest request;
};

// A fresh SubjectTimelines as the gateway makes it (gateway_server.cc StartSchedule): no zones
// configured, the study's clinical rules, the default cache limits.
std::unique_ptr<schedule::SubjectTimelines> FreshTimelines(const Context& context) {
  return std::make_unique<schedule::SubjectTimelines>(
      context.store, context.schedule, std::map<std::string, absl::TimeZone>{}, *context.clock,
      context.rules);
}

int FindTte(const v1::EndpointsReport& report, const std::string& id) {
  for (int i = 0; i < report.time_to_event_size(); ++i) {
    if (report.time_to_event(i).id() == id) return i;
  }
  return -1;
}

// One BuildStudyReport, timed: the report (none after an error, printed), wall and CPU seconds.
struct TimedReport {
  std::optional<v1::EndpointsReport> report;
  double wall = 0;
  double cpu = 0;
};
TimedReport TimeReport(const Context& context, const schedule::SubjectTimelines& timelines,
                       const study_report::ReportRequest& request,
                       study_report::SubjectParts* parts = nullptr) {
  TimedReport out;
  const double cpu0 = CpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  absl::StatusOr<v1::EndpointsReport> report = study_report::BuildStudyReport(
      timelines, context.study->endpoints(), context.study->study_id(), request, parts);
  out.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  out.cpu = CpuSeconds() - cpu0;
  if (report.ok()) {
    out.report = *std::move(report);
  } else {
    fprintf(stderr, "BuildStudyReport failed: %s\n",
            std::string(report.status().message()).c_str());
  }
  return out;
}

bool RunReport(const Context& context, int threads, const std::string& label) {
  std::unique_ptr<schedule::SubjectTimelines> timelines = FreshTimelines(context);
  study_report::ReportRequest request = context.request;
  request.threads = threads;
  ResetPeakRss();
  const TimedReport timed = TimeReport(context, *timelines, request);
  const auto [rss, peak] = RssMib();
  if (!timed.report) return false;
  const v1::EndpointsReport* report = &*timed.report;
  const double wall = timed.wall, cpu = timed.cpu;
  const int n = report->subjects();
  std::string figures;
  if (int pfs = FindTte(*report, "pfs"); pfs >= 0) {
    const v1::TimeToEvent& t = report->time_to_event(pfs);
    absl::StrAppend(&figures, " pfs n=", t.n(), " events=", t.events(), " censored=", t.censored());
  }
  if (int os = FindTte(*report, "os"); os >= 0) {
    absl::StrAppend(&figures, " os events=", report->time_to_event(os).events());
  }
  for (const v1::Rate& rate : report->rates()) {
    if (rate.id() == "orr" && rate.primary()) {
      absl::StrAppend(&figures, " orr=", rate.successes(), "/", rate.n());
    }
  }
  int deviations = 0;
  for (const v1::DeviationCount& count : report->deviations()) deviations += count.deviations();
  absl::StrAppend(&figures, " summaries=", report->subject_summaries_size(),
                  " deviations=", deviations, " report_bytes=", report->ByteSizeLong());
  printf("%-10s threads=%d wall=%.2f s cpu=%.2f s per_subject=%.0f us (wall) peak_rss=%.0f MiB "
         "(rss after %.0f) load=%s | subjects=%d%s\n",
         label.c_str(), threads, wall, cpu, n > 0 ? wall * 1e6 / n : 0.0, peak, rss,
         Load().c_str(), n, figures.c_str());
  fflush(stdout);
  return true;
}

// `--kept`: the report as StudyReports makes it between requests, with each subject's part of
// the previous report kept (SubjectParts): the first (cold) report, one with nothing new (the
// kept report expired after its minute, or a page reloaded after events of no subject), then
// with the parts of 100 and of 1,000 subjects dropped, as new events of those subjects would
// drop them (what finding those subjects costs, reading the new events, is not included).
void RunKept(const Context& context) {
  std::unique_ptr<schedule::SubjectTimelines> timelines = FreshTimelines(context);
  study_report::SubjectParts parts;
  study_report::ReportRequest request = context.request;
  request.last_sequence = context.store->LastSequence();
  auto run = [&](const std::string& label) {
    const TimedReport timed = TimeReport(context, *timelines, request, &parts);
    if (!timed.report) return;
    printf("kept parts, %-28s wall=%.2f s cpu=%.2f s computed=%zu of %d subjects rss=%.0f MiB\n",
           label.c_str(), timed.wall, timed.cpu, parts.computed, timed.report->subjects(),
           RssMib().first);
    fflush(stdout);
  };
  run("first (cold)");
  run("nothing new");
  for (size_t dropped : {size_t{100}, size_t{1000}}) {
    const size_t every = std::max<size_t>(1, parts.by_subject.size() / dropped);
    size_t i = 0;
    for (auto it = parts.by_subject.begin(); it != parts.by_subject.end(); ++i) {
      it = i % every == 0 ? parts.by_subject.erase(it) : std::next(it);
    }
    run(absl::StrCat(dropped, " subjects changed"));
  }
}

// The report's steps by hand, one thread, each summed over the subjects (study_report.cc's
// Compute, then what BuildStudyReport does with the parts).
void RunStages(const Context& context) {
  std::unique_ptr<schedule::SubjectTimelines> timelines = FreshTimelines(context);
  using Clock = std::chrono::steady_clock;
  double read = 0, build = 0, course = 0, summary = 0, release = 0;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const absl::Time end_of_cutoff =
      absl::FromCivil(context.request.data_cutoff + 1, absl::UTCTimeZone()) - absl::Seconds(1);
  const absl::Time judged_at = std::min(context.request.now, end_of_cutoff);
  auto t = Clock::now();
  absl::StatusOr<std::vector<std::string>> subjects = timelines->Subjects();
  const double list = since(t);
  if (!subjects.ok()) return;
  std::vector<endpoints::SubjectCourse> courses;
  std::vector<v1::SubjectSummary> summaries;
  endpoints::DeviationTally deviations;
  size_t events_read = 0, timeline_bytes = 0;
  for (const std::string& subject : *subjects) {
    t = Clock::now();
    absl::StatusOr<store::EventBatch> events = timelines->ReadWithoutKeeping(subject);
    read += since(t);
    if (!events.ok()) continue;
    events_read += events->size();
    t = Clock::now();
    std::unique_ptr<schedule::TimelineState> state =
        timelines->BuildState(subject, *std::move(events), judged_at, /*list_events=*/false);
    build += since(t);
    const v1::Timeline& timeline = *state->timeline;
    timeline_bytes += timeline.ByteSizeLong();
    t = Clock::now();
    absl::StatusOr<endpoints::SubjectCourse> c =
        study_report::CourseOfState(*state, context.request.data_cutoff);
    course += since(t);
    if (c.ok()) {
      t = Clock::now();
      summaries.push_back(endpoints::SummarizeSubject(timeline, *c, context.request.data_cutoff));
      deviations.Add(timeline, context.request.data_cutoff);
      summary += since(t);
      courses.push_back(*std::move(c));
    }
    t = Clock::now();
    state.reset();
    release += since(t);
  }
  t = Clock::now();
  absl::StatusOr<endpoints::EndpointReport> report =
      endpoints::ComputeEndpoints(context.study->endpoints(), courses, context.request.data_cutoff);
  const double compute = since(t);
  if (!report.ok()) return;
  t = Clock::now();
  for (const endpoints::TimeToEventResult& result : report->time_to_event) {
    if (result.id == "pfs") endpoints::AddCensoring(result, summaries);
  }
  const double censoring = since(t);
  t = Clock::now();
  v1::EndpointsReport out = endpoints::ToProto(*report);
  for (v1::SubjectSummary& s : summaries) *out.add_subject_summaries() = std::move(s);
  for (v1::DeviationCount& count : deviations.Counts()) *out.add_deviations() = std::move(count);
  const double proto = since(t);
  const double n = static_cast<double>(subjects->size());
  const double total =
      list + read + build + course + summary + release + compute + censoring + proto;
  printf("stages (one thread, %zu subjects, %zu events, load %s):\n", subjects->size(),
         events_read, Load().c_str());
  auto row = [&](const char* name, double seconds) {
    printf("  %-46s %8.2f s %8.1f us/subject %5.1f %%\n", name, seconds, seconds * 1e6 / n,
           100 * seconds / total);
  };
  row("list subjects", list);
  row("SubjectTimelines::ReadWithoutKeeping (read, parse)", read);
  row("SubjectTimelines::BuildState (timeline, derivations)", build);
  row("CourseOfState (CourseFromTimeline)", course);
  row("SummarizeSubject + DeviationTally::Add", summary);
  row("freeing the events and the timeline", release);
  row("ComputeEndpoints", compute);
  row("AddCensoring", censoring);
  row("ToProto + summaries + deviations", proto);
  row("total", total);
  printf("  timeline %.0f bytes per subject (serialised)\n", timeline_bytes / n);
}

bool ParseFlags(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string text;
    if (arg == "--data" && value(&options->data)) continue;
    if (arg == "--subjects" && value(&text) && absl::SimpleAtoi(text, &options->subjects)) continue;
    if (arg == "--sites" && value(&text) && absl::SimpleAtoi(text, &options->sites)) continue;
    if (arg == "--enrol-days" && value(&text) && absl::SimpleAtoi(text, &options->enrol_days)) {
      continue;
    }
    if (arg == "--repetitions" && value(&text) && absl::SimpleAtoi(text, &options->repetitions)) {
      continue;
    }
    if (arg == "--seed" && value(&text) && absl::SimpleAtoi(text, &options->seed)) continue;
    if (arg == "--kept") {
      options->kept = true;
      continue;
    }
    if (arg == "--stages") {
      options->stages = true;
      continue;
    }
    if (arg == "--no-threads-one") {
      options->threads_one = false;
      continue;
    }
    fprintf(stderr, "unknown or incomplete flag: %s\n", arg.c_str());
    return false;
  }
  if (options->data.empty() || options->subjects < 1 || options->sites < 1 ||
      options->enrol_days < 0 || options->repetitions < 0) {
    fprintf(stderr,
            "usage: study_report_bench --data DIR [--subjects 10000] [--sites 20] "
            "[--enrol-days 60] [--repetitions 3] [--seed 16] [--stages] [--kept] "
            "[--no-threads-one]\n");
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Options options;
  if (!ParseFlags(argc, argv, &options)) return 2;
  const std::string db_path = (std::filesystem::path(options.data) / "events.db").string();
  if (absl::Status status = Generate(options, db_path); !status.ok()) {
    fprintf(stderr, "cannot generate the study: %s\n", status.ToString().c_str());
    return 1;
  }

  Context context;
  auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  if (!study.ok()) {
    fprintf(stderr, "cannot load the study: %s\n", study.status().ToString().c_str());
    return 1;
  }
  context.study = *study;
  auto parsed = schedule::Schedule::Parse(context.study->schedule_json(), *context.study);
  if (!parsed.ok()) {
    fprintf(stderr, "cannot parse the schedule: %s\n", parsed.status().ToString().c_str());
    return 1;
  }
  context.schedule = std::make_shared<const schedule::Schedule>(*std::move(parsed));
  context.rules = std::make_shared<const schedule::ClinicalRules>(context.study);
  auto store = store::OpenSqliteEventStore(db_path);
  if (!store.ok()) {
    fprintf(stderr, "cannot open %s: %s\n", db_path.c_str(), store.status().ToString().c_str());
    return 1;
  }
  context.store = store->get();
  const Date cutoff = Cutoff(options);
  // The report is asked for the day after the cutoff: timelines are judged at the cutoff's end.
  context.clock = std::make_unique<testing::ManualClock>(schedule::testing::Noon(cutoff + 1));
  context.request.data_cutoff = cutoff;
  context.request.now = context.clock->Now();

  const uint64_t events = context.store->LastSequence();
  std::error_code error;
  uint64_t bytes = std::filesystem::file_size(db_path, error);
  for (const char* suffix : {"-wal", "-shm"}) {
    const uint64_t more = std::filesystem::file_size(db_path + suffix, error);
    if (!error) bytes += more;
  }
  printf("study: %d subjects, %d sites, cutoff %s; %llu events (%.0f per subject); database "
         "%.0f MiB (%.0f bytes per event)\n",
         options.subjects, options.sites, schedule::FormatDate(cutoff).c_str(),
         static_cast<unsigned long long>(events),
         static_cast<double>(events) / options.subjects, static_cast<double>(bytes) / (1 << 20),
         events > 0 ? static_cast<double>(bytes) / static_cast<double>(events) : 0.0);
  printf("hardware threads %u; load %s\n", std::thread::hardware_concurrency(), Load().c_str());
  fflush(stdout);

  bool ok = true;
  for (int r = 0; r < options.repetitions; ++r) {
    ok = RunReport(context, 0, absl::StrCat("run ", r + 1)) && ok;
  }
  if (options.threads_one) ok = RunReport(context, 1, "1 thread") && ok;
  if (options.kept) RunKept(context);
  if (options.stages) RunStages(context);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace trialgate

int main(int argc, char** argv) { return trialgate::Main(argc, argv); }
