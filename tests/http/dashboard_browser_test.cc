// The study dashboard (GET /study...) in Debian's chromium, headless, through mutual TLS, as the
// sponsor's monitor and as a site would see it: every page loads with no console error, the
// plots are there, each figure a page shows equals the JSON report's (/study/report.json, the
// same numbers as Study.GetEndpoints), a site sees only its own subjects, and a screenshot of
// every page is kept (browser-artefacts/, printed).

#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/security/dev_ca.h"
#include "tests/support/fhir_resources.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/headless_browser.h"
#include "tests/support/manual_clock.h"
#include "trialgate/v1/study.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using schedule::Date;

const Date kC1D1(2026, 3, 2);
constexpr double kBsa = 1.8181;  // 170 cm, 70 kg
constexpr char kSiteASubject[] = "KRD-002-0001";  // fhir::EnrolPt2001, sent by site-a
constexpr char kSiteBSubject[] = "KRD-001-0002";  // transaction-enrol-and-data.json, by site-b

// Every data-metric element of the page: name -> its text.
constexpr char kMetrics[] =
    "JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-metric]')]"
    ".map(e => [e.getAttribute('data-metric'), e.textContent.trim()])))";

std::filesystem::path Screenshot(const std::string& name) {
  const std::filesystem::path path = ArtefactsDir() / ("dashboard-" + name + ".png");
  std::cout << "screenshot: " << path.string() << std::endl;
  return path;
}

std::map<std::string, std::string> ParseMetrics(const std::string& json) {
  std::map<std::string, std::string> metrics;
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_TRUE(document.IsObject()) << json;
  if (!document.IsObject()) return metrics;
  for (auto it = document.MemberBegin(); it != document.MemberEnd(); ++it) {
    metrics[it->name.GetString()] = it->value.GetString();
  }
  return metrics;
}

// docs/report.md "Formatting": a percent with one decimal; days with at most two decimals.
std::string Percent(double fraction) {
  std::string text = absl::StrFormat("%.1f", fraction * 100);
  return text == "-0.0" ? "0.0" : text;
}
std::string Days(double days) {
  std::string text = absl::StrFormat("%.2f", days);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// What each data-metric must read, from the JSON report.
std::map<std::string, std::string> Expected(const v1::EndpointsReport& report) {
  std::map<std::string, std::string> expected;
  expected["overview.subjects"] = std::to_string(report.subjects());
  for (const v1::SiteCount& site : report.sites()) {
    expected["site." + site.site_id() + ".enrolled"] = std::to_string(site.enrolled());
    expected["site." + site.site_id() + ".deviations"] = std::to_string(site.deviations());
  }
  for (const v1::TimeToEvent& tte : report.time_to_event()) {
    const std::string id = "tte." + tte.id();
    expected[id + ".n"] = std::to_string(tte.n());
    expected[id + ".events"] = std::to_string(tte.events());
    expected[id + ".censored"] = std::to_string(tte.censored());
    expected[id + ".median"] = tte.median().has_days() ? Days(tte.median().days()) : "NE";
    for (const v1::LandmarkRate& landmark : tte.landmarks()) {
      expected[id + ".landmark." + Days(landmark.months())] = Percent(landmark.survival());
    }
  }
  for (const v1::Rate& rate : report.rates()) {
    const std::string id = "rate." + rate.id() + "." + rate.population();
    expected[id + ".successes"] = std::to_string(rate.successes());
    expected[id + ".n"] = std::to_string(rate.n());
    expected[id + ".percent"] = rate.has_proportion() ? Percent(rate.proportion()) : "NE";
  }
  for (const v1::TeaeTable& table : report.adverse_events().tables()) {
    expected["teae." + table.phase() + ".subjects_with_teae"] =
        std::to_string(table.subjects_with_teae());
    expected["teae." + table.phase() + ".subjects_severe"] =
        std::to_string(table.subjects_severe());
  }
  for (const v1::DeviationCount& count : report.deviations()) {
    expected["deviation." + count.site_id() + "." + count.code()] =
        std::to_string(count.deviations());
  }
  return expected;
}

class DashboardBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ca_.ok()) << "deploy/dev-ca.sh failed";
    absl::StatusOr<config::Config> config = config::LoadConfigFile(ca_.config_file().string());
    ASSERT_TRUE(config.ok()) << config.status();
    config->site_by_system = {{"epic-a", "site-a"}, {"epic-b", "site-b"}};
    clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 5, 1, 12, 0, 0), absl::UTCTimeZone()));
    server_ = StartInProcess(dir_.path() / "data", *config, clock_);
    ASSERT_NE(server_, nullptr);
    base_ = "https://" + server_->http_address();

    // Site A: a subject through two KRd cycles with a confirmed partial response from the labs
    // (serum M-protein 2.0 -> 0.8 g/dL) and a cycle 3 that never starts (missed doses).
    std::vector<std::string> resources = {
        fhir::EnrolPt2001(kC1D1 - 7), fhir::Height(kC1D1 - 3, 170), fhir::Weight(kC1D1 - 3, 70),
        fhir::Quantity("mp-0", "http://loinc.org", "33358-3", kC1D1 - 3, 2.0, "g/dL"),
        fhir::Quantity("mp-1", "http://loinc.org", "33358-3", kC1D1 + 27, 0.8, "g/dL"),
        fhir::Quantity("mp-2", "http://loinc.org", "33358-3", kC1D1 + 55, 0.8, "g/dL")};
    for (int cycle = 1; cycle <= 2; ++cycle) {
      for (std::string& dose : fhir::KrdCycle(cycle, kC1D1 + (cycle - 1) * 28, kBsa, {})) {
        resources.push_back(std::move(dose));
      }
    }
    Submit("site-a", "epic-a", fhir::Batch(resources));
    // Site B: an enrolment with a dose, an M-protein and a grade 3 neutropenia.
    Submit("site-b", "epic-b", TestData("transaction-enrol-and-data.json"));
  }

  void Submit(const std::string& client, const std::string& source, const std::string& body) {
    GatewayClient gateway(server_->address(), ca_.Credentials(client));
    grpc::Status status;
    v1::SubmitResponse response = gateway.Submit(body, source, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::EntryOutcome& entry : response.entries()) {
      ASSERT_NE(entry.outcome(), v1::EntryOutcome::REJECTED) << entry.operation_outcome();
    }
  }

  std::unique_ptr<HeadlessBrowser> Browser(const std::string& client) {
    BrowserOptions options;
    options.trusted_ca = ca_.file("ca.pem");
    options.client = ClientCertificate{ca_.file(client + ".pem"), ca_.file(client + ".key")};
    absl::StatusOr<std::unique_ptr<HeadlessBrowser>> browser = HeadlessBrowser::Start(options);
    EXPECT_TRUE(browser.ok()) << browser.status();
    return browser.ok() ? *std::move(browser) : nullptr;
  }

  // The JSON report as the browser gets it.
  v1::EndpointsReport JsonReport(HeadlessBrowser& browser) {
    absl::StatusOr<LoadedPage> loaded = browser.Load(base_ + "/study/report.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(loaded->http_status, 200);
    absl::StatusOr<std::string> text = browser.Evaluate("document.body.innerText");
    EXPECT_TRUE(text.ok()) << text.status();
    v1::EndpointsReport report;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(*text, &report).ok()) << *text;
    return report;
  }

  TempDir dir_;
  DevCa ca_{dir_.path() / "ca",
            {"site-a:site:site-a", "site-b:site:site-b", "monitor:monitor",
             "warehouse:warehouse"}};
  ManualClock clock_{absl::UnixEpoch()};
  std::unique_ptr<server::GatewayServer> server_;
  std::string base_;
};

TEST_F(DashboardBrowserTest, EveryPageLoadsCleanlyAndShowsTheJsonReportsNumbers) {
  std::unique_ptr<HeadlessBrowser> monitor = Browser("monitor");
  ASSERT_NE(monitor, nullptr);
  const v1::EndpointsReport report = JsonReport(*monitor);
  ASSERT_EQ(report.subjects(), 2);
  const std::map<std::string, std::string> expected = Expected(report);

  struct Page {
    std::string name;
    std::string path;
    bool plot;  // an inline SVG figure
  };
  const std::vector<Page> pages = {
      {"overview", "/study", false},        {"endpoints", "/study/endpoints", true},
      {"swimmer", "/study/swimmer", true},  {"waterfall", "/study/waterfall", true},
      {"safety", "/study/safety", false},   {"deviations", "/study/deviations", false},
      {"subject", std::string("/study/subjects/") + kSiteASubject, true}};
  std::map<std::string, std::string> shown;  // every figure of every page
  for (const Page& page : pages) {
    SCOPED_TRACE(page.path);
    PageOptions options;
    options.screenshot = Screenshot(page.name);
    options.evaluate = {kMetrics, "document.querySelectorAll('svg').length"};
    absl::StatusOr<LoadedPage> loaded = monitor->Load(base_ + page.path, options);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(loaded->http_status, 200);
    EXPECT_THAT(loaded->console_errors, IsEmpty());
    EXPECT_THAT(loaded->title, Not(IsEmpty()));
    EXPECT_THAT(loaded->dom, Not(HasSubstr("<script")));
    if (page.plot) {
      EXPECT_NE(loaded->values[options.evaluate[1]], "0");
    }
    for (const auto& [name, text] : ParseMetrics(loaded->values[kMetrics])) {
      auto it = expected.find(name);
      if (it == expected.end()) continue;  // e.g. overview.status.*: checked below
      EXPECT_EQ(text, it->second) << name;
      shown[name] = text;
    }
  }
  // The figures a statistician looks for first are all there.
  for (const char* name :
       {"overview.subjects", "tte.pfs.n", "tte.pfs.events", "tte.pfs.censored", "tte.pfs.median",
        "tte.os.n", "rate.orr.all_consented.successes", "rate.orr.all_consented.percent",
        "teae.any.subjects_with_teae"}) {
    EXPECT_EQ(shown.count(name), 1u) << name << " is on no page";
  }
  // Site A's missed cycle-3 doses are on the deviations page.
  bool site_a_deviation = false;
  for (const auto& [name, text] : shown) site_a_deviation |= name.starts_with("deviation.site-a.");
  EXPECT_TRUE(site_a_deviation);
  // The KM curve of PFS is drawn on the endpoints page.
  absl::StatusOr<LoadedPage> endpoints = monitor->Load(base_ + "/study/endpoints");
  ASSERT_TRUE(endpoints.ok());
  EXPECT_THAT(endpoints->dom, HasSubstr("<svg"));
  EXPECT_THAT(endpoints->dom, HasSubstr("Progression-free survival"));
}

TEST_F(DashboardBrowserTest, ASiteSeesOnlyItsOwnSubjects) {
  std::unique_ptr<HeadlessBrowser> site_b = Browser("site-b");
  ASSERT_NE(site_b, nullptr);
  const v1::EndpointsReport report = JsonReport(*site_b);
  EXPECT_EQ(report.scope(), "site site-b");
  EXPECT_EQ(report.subjects(), 1);

  for (const std::string path : {"/study", "/study/swimmer", "/study/waterfall",
                                 "/study/deviations", "/study/endpoints"}) {
    PageOptions options;
    options.evaluate = {kMetrics};
    absl::StatusOr<LoadedPage> page = site_b->Load(base_ + path, options);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->http_status, 200) << path;
    if (path == "/study/swimmer" || path == "/study/waterfall") {
      EXPECT_THAT(page->dom, HasSubstr(kSiteBSubject)) << path;  // its own row and bar
    }
    EXPECT_THAT(page->dom, Not(HasSubstr(kSiteASubject))) << path;
    EXPECT_THAT(page->dom, Not(HasSubstr("site-a"))) << path;
    const std::map<std::string, std::string> metrics = ParseMetrics(page->values[kMetrics]);
    if (auto it = metrics.find("overview.subjects"); it != metrics.end()) {
      EXPECT_EQ(it->second, "1");
    }
  }
  PageOptions options;
  options.screenshot = Screenshot("foreign-subject-as-site-b");
  absl::StatusOr<LoadedPage> foreign =
      site_b->Load(base_ + "/study/subjects/" + kSiteASubject, options);
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  EXPECT_EQ(foreign->http_status, 404);
  EXPECT_THAT(foreign->dom, Not(HasSubstr("2026-03-02")));  // nothing of its course
  absl::StatusOr<LoadedPage> own = site_b->Load(base_ + "/study/subjects/" + kSiteBSubject);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->http_status, 200);
  EXPECT_THAT(own->console_errors, IsEmpty());
}

TEST_F(DashboardBrowserTest, OtherRolesAndBadCutoffsAreRefusedInPlainWords) {
  std::unique_ptr<HeadlessBrowser> warehouse = Browser("warehouse");
  ASSERT_NE(warehouse, nullptr);
  absl::StatusOr<LoadedPage> refused = warehouse->Load(base_ + "/study");
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->http_status, 403);
  EXPECT_THAT(refused->dom, HasSubstr("monitor"));

  std::unique_ptr<HeadlessBrowser> monitor = Browser("monitor");
  ASSERT_NE(monitor, nullptr);
  absl::StatusOr<LoadedPage> bad = monitor->Load(base_ + "/study?cutoff=01.05.2026");
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(bad->http_status, 400);
  EXPECT_THAT(bad->dom, HasSubstr("YYYY-MM-DD"));
  absl::StatusOr<LoadedPage> earlier = monitor->Load(base_ + "/study?cutoff=2026-02-01");
  ASSERT_TRUE(earlier.ok()) << earlier.status();
  EXPECT_EQ(earlier->http_status, 200);
  EXPECT_THAT(earlier->dom, HasSubstr("2026-02-01"));
  absl::StatusOr<LoadedPage> unknown = monitor->Load(base_ + "/study/nothing");
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->http_status, 404);
}

}  // namespace
}  // namespace trialgate::testing
