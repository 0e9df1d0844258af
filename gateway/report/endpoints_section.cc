// The endpoints: each time-to-event endpoint with its Kaplan–Meier plot, counts, median and
// landmarks; each rate with x/n, percent and exact interval. Every figure states its population,
// n, and who is censored or not evaluable and why.
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/report/km_plot.h"
#include "gateway/report/sections.h"
#include "gateway/statistics/kaplan_meier.h"

namespace trialgate::report::internal {
namespace {

constexpr double kDefaultDaysPerMonth = 30.4375;

// The study's month: the ratio the report used for its landmarks (or at-risk table).
double DaysPerMonth(const v1::TimeToEvent& t) {
  for (const v1::LandmarkRate& l : t.landmarks()) {
    if (l.months() > 0 && l.days() > 0) return l.days() / l.months();
  }
  for (const v1::AtRiskCount& a : t.at_risk()) {
    if (a.months() > 0 && a.days() > 0) return a.days() / a.months();
  }
  return kDefaultDaysPerMonth;
}

statistics::ConfidenceType Confidence(std::string_view name) {
  if (name == "log") return statistics::ConfidenceType::kLog;
  if (name == "plain") return statistics::ConfidenceType::kPlain;
  return statistics::ConfidenceType::kLogLog;
}

void Row(HtmlWriter& html, std::string_view label, std::string_view metric,
         std::string_view value, std::string_view detail) {
  html.Open("tr");
  html.Leaf("th", {}, label);
  if (metric.empty()) {
    html.Leaf("td", {{"class", "num"}}, value);
  } else {
    WriteMetric(html, "td", metric, value);
  }
  html.Leaf("td", {}, detail);
  html.Close();
}

int Sum(const google::protobuf::Map<std::string, int32_t>& map) {
  int total = 0;
  for (const auto& [key, count] : map) total += count;
  return total;
}

// The curve is re-estimated from the subjects' times in months: the report's rows are in days,
// and a plot in months is what a statistician expects. The same times give the same curve.
absl::Status WritePlot(HtmlWriter& html, const v1::TimeToEvent& t) {
  if (t.subjects_size() == 0) {
    html.Leaf("p", {{"class", "note"}}, "No subject in the analysis: no curve.");
    return absl::OkStatus();
  }
  const double days_per_month = DaysPerMonth(t);
  std::vector<statistics::Observation> data;
  for (const v1::SubjectTime& s : t.subjects()) data.push_back({s.days() / days_per_month, s.event()});
  absl::StatusOr<statistics::KaplanMeierFit> fit =
      statistics::EstimateKaplanMeier(data, Confidence(t.confidence()));
  if (!fit.ok()) return fit.status();
  // Short labels: an endpoint's name is a sentence (it heads the section) and would not fit in
  // the plot's title, axis or legend.
  KmGroup group{absl::StrCat(t.id(), " (n = ", t.n(), ")"), *std::move(fit), true};
  KmPlotOptions options;
  options.title = absl::StrCat("Kaplan–Meier estimate: ", t.id());
  options.y_label = "Probability without the event";
  options.x_label = absl::StrCat("Months from the time origin (", FormatNumber(days_per_month),
                                 " days per month)");
  options.percent = true;
  options.reference_survival = 0.5;
  for (const v1::LandmarkRate& l : t.landmarks()) {
    if (!options.landmark_time || l.months() == 24) {
      options.landmark_time = l.months();
      options.landmark_label = absl::StrCat(FormatNumber(l.months()), " months");
    }
  }
  absl::StatusOr<std::string> svg = DrawKaplanMeier({&group, 1}, options);
  if (!svg.ok()) return svg.status();
  html.Open("figure");
  html.InlineSvg(*svg);
  html.Leaf("figcaption", {{"class", "note"}},
            absl::StrCat("Step curve of S(t) with its pointwise 95% band (", t.confidence(),
                         "), + marks a censored subject, dashed line at S = 50% (the median), "
                         "number at risk under the axis. Population ", t.population(), ", n = ",
                         t.n(), "."));
  html.Close();
  return absl::OkStatus();
}

void WriteCounts(HtmlWriter& html, const v1::TimeToEvent& t) {
  const std::string prefix = absl::StrCat("tte.", t.id(), ".");
  html.Open("table", {{"class", "tte-counts"}});
  html.Leaf("caption", {}, absl::StrCat(t.name(), ": population ", t.population()));
  Row(html, "n (in the analysis)", prefix + "n", FormatCount(t.n()),
      "the population minus those not evaluable");
  Row(html, "Events", prefix + "events", FormatCount(t.events()), Reasons(t.events_by_kind()));
  Row(html, "Censored", prefix + "censored", FormatCount(t.censored()),
      Reasons(t.censored_by_reason()));
  Row(html, "Not evaluable (left out)", "", FormatCount(Sum(t.not_evaluable())),
      Reasons(t.not_evaluable()));
  html.Open("tr");
  html.Leaf("th", {}, "Median (days)");
  WriteMetric(html, "td", prefix + "median",
              FormatNumberOrNe(Opt(t.median().has_days(), t.median().days())),
              t.median().has_days() ? "" : "NE: the curve does not reach 50%");
  html.Leaf("td", {},
            absl::StrCat("95% CI (Brookmeyer–Crowley) ",
                         Interval(Opt(t.median().has_lower(), t.median().lower()),
                                  Opt(t.median().has_upper(), t.median().upper()), false),
                         " days"));
  html.Close();
  html.Close();
}

void WriteLandmarks(HtmlWriter& html, const v1::TimeToEvent& t) {
  if (t.landmarks_size() == 0) return;
  html.Open("table", {{"class", "landmarks"}});
  html.Leaf("caption", {}, absl::StrCat(t.name(), " at landmarks (n = ", t.n(), ")"));
  html.Open("tr");
  for (std::string_view h : {"Months", "Day", "S (%)", "95% CI (%)", "At risk", ""}) {
    html.Leaf("th", {}, h);
  }
  html.Close();
  for (const v1::LandmarkRate& l : t.landmarks()) {
    html.Open("tr");
    html.Leaf("td", {{"class", "num"}}, FormatNumber(l.months()));
    html.Leaf("td", {{"class", "num"}}, FormatNumber(l.days()));
    WriteMetric(html, "td",
                absl::StrCat("tte.", t.id(), ".landmark.", FormatNumber(l.months())),
                FormatPercent(l.survival()));
    html.Leaf("td", {{"class", "num"}},
              Interval(Opt(l.has_lower(), l.lower()), Opt(l.has_upper(), l.upper()), true));
    html.Leaf("td", {{"class", "num"}}, FormatCount(l.at_risk()));
    if (l.beyond_last_observation()) {
      html.Leaf("td", {{"class", "flag"}},
                "beyond the last observation: S carried forward (R); SAS would report NE");
    } else {
      html.Leaf("td", {}, "");
    }
    html.Close();
  }
  html.Close();
}

void WriteSubjectTimes(HtmlWriter& html, const v1::TimeToEvent& t, const Links& links) {
  html.Open("details");
  html.Leaf("summary", {}, absl::StrCat("Each subject's time (", t.subjects_size(), ")"));
  html.Open("table", {{"class", "subject-times"}});
  html.Open("tr");
  for (std::string_view h : {"Subject", "Start", "End", "Days", "Status", "Reason"}) {
    html.Leaf("th", {}, h);
  }
  html.Close();
  for (const v1::SubjectTime& s : t.subjects()) {
    html.Open("tr");
    html.Open("td");
    WriteSubjectId(html, links, s.subject_id());
    html.Close();
    html.Leaf("td", {}, s.start());
    html.Leaf("td", {}, s.end());
    html.Leaf("td", {{"class", "num"}}, FormatNumber(s.days()));
    html.Leaf("td", {}, s.event() ? "event" : "censored");
    html.Leaf("td", {}, s.reason());
    html.Close();
  }
  html.Close();
  html.Close();
}

absl::Status WriteTimeToEvent(HtmlWriter& html, const v1::TimeToEvent& t, const Links& links) {
  html.Open("article", {{"id", absl::StrCat("tte-", t.id())}});
  html.Leaf("h3", {}, absl::StrCat(t.name(), " (", t.id(), ")"));
  html.Leaf("p", {{"class", "note"}},
            absl::StrCat("Population: ", t.population(), ". Source: ", t.source(),
                         t.unconfirmed() ? ". The definition awaits the study's confirmation."
                                         : "."));
  WriteCounts(html, t);
  if (absl::Status status = WritePlot(html, t); !status.ok()) return status;
  WriteLandmarks(html, t);
  WriteSubjectTimes(html, t, links);
  html.Close();
  return absl::OkStatus();
}

void WriteRates(HtmlWriter& html, const v1::EndpointsReport& report, const Links& links) {
  if (report.rates_size() == 0) return;
  html.Leaf("h3", {}, "Rates");
  html.Open("table", {{"class", "rates"}});
  html.Open("tr");
  for (std::string_view h : {"Rate", "Population", "Denominator", "x", "n", "%",
                             "Exact 95% CI (%)", "Not evaluable (in n as non-successes)",
                             "Successes"}) {
    html.Leaf("th", {}, h);
  }
  html.Close();
  for (const v1::Rate& r : report.rates()) {
    const std::string prefix = absl::StrCat("rate.", r.id(), ".", r.population(), ".");
    html.Open("tr", {{"class", r.primary() ? "primary" : "sensitivity"}});
    html.Leaf("td", {}, absl::StrCat(r.name(), r.unconfirmed() ? " (unconfirmed definition)" : ""));
    html.Leaf("td", {},
              absl::StrCat(r.population(), r.primary() ? "" : " — sensitivity population"));
    html.Leaf("td", {}, r.denominator());
    WriteMetric(html, "td", prefix + "successes", FormatCount(r.successes()));
    WriteMetric(html, "td", prefix + "n", FormatCount(r.n()));
    WriteMetric(html, "td", prefix + "percent",
                FormatPercentOrNe(Opt(r.has_proportion(), r.proportion())),
                r.has_proportion() ? "" : "NE: n = 0, no proportion can be estimated");
    html.Leaf("td", {{"class", "num"}},
              Interval(Opt(r.has_lower(), r.lower()), Opt(r.has_upper(), r.upper()), true));
    html.Leaf("td", {}, Reasons(r.not_evaluable()));
    html.Open("td");
    for (int i = 0; i < r.success_subject_ids_size(); ++i) {
      if (i > 0) html.Text(", ");
      WriteSubjectId(html, links, r.success_subject_ids(i));
    }
    html.Close();
    html.Close();
  }
  html.Close();
  html.Leaf("p", {{"class", "note"}},
            "x/n with the exact (Clopper–Pearson) interval. NE: not estimable (n = 0), never 0. "
            "Rows marked sensitivity repeat a rate over a sensitivity population.");
}

}  // namespace

absl::Status WriteEndpoints(HtmlWriter& html, const v1::EndpointsReport& report,
                            const Links& links) {
  html.Open("section", {{"id", "endpoints"}});
  html.Leaf("h2", {}, "Endpoints");
  html.Leaf("p", {{"class", "note"}},
            absl::StrCat("Data cutoff ", report.data_cutoff(),
                         ". Times in days from the origin (day 1); NE means not estimable."));
  for (const v1::TimeToEvent& t : report.time_to_event()) {
    if (absl::Status status = WriteTimeToEvent(html, t, links); !status.ok()) return status;
  }
  WriteRates(html, report, links);
  html.Close();
  return absl::OkStatus();
}

}  // namespace trialgate::report::internal
