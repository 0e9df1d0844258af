// Debian's chromium, headless, against the real gateway's HTTP listener under mutual TLS with
// deploy/dev-ca.sh certificates: what a person's browser would get, with the certificate of a
// site, of no one the gateway knows, or none; and the library's own promises (console errors,
// values read with JavaScript, screenshots) on pages of the test's own.

#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/dev_ca.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/headless_browser.h"

namespace trialgate::testing {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// A data: URL of an HTML document.
std::string HtmlUrl(const std::string& html) {
  return "data:text/html;base64," + absl::Base64Escape(html);
}

// Where this test's screenshot `name` goes, printed so that a person finds it.
std::filesystem::path Screenshot(const std::string& name) {
  const std::filesystem::path path = ArtefactsDir() / (name + ".png");
  std::cout << "screenshot: " << path.string() << std::endl;
  return path;
}

void ExpectPng(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(bytes, StartsWith("\x89PNG\r\n\x1a\n")) << path;
  EXPECT_GT(bytes.size(), 2000u) << path << ": a blank image is a few hundred bytes";
}

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ca_.ok()) << "deploy/dev-ca.sh failed";
    absl::StatusOr<config::Config> config = config::LoadConfigFile(ca_.config_file().string());
    ASSERT_TRUE(config.ok()) << config.status();
    std::erase_if(config->identities, [](const auto& i) { return i.name == "stranger"; });
    server_ = StartInProcess(dir_.path() / "data", *config);
    ASSERT_NE(server_, nullptr);
    // The server certificate names localhost and 127.0.0.1.
    base_ = "https://" + server_->http_address();
  }

  // A browser trusting the dev CA for servers, presenting `client`'s certificate (none: "").
  BrowserOptions As(const std::string& client) const {
    BrowserOptions options;
    options.trusted_ca = ca_.file("ca.pem");
    if (!client.empty()) {
      options.client = ClientCertificate{ca_.file(client + ".pem"), ca_.file(client + ".key")};
    }
    options.timeout = std::chrono::seconds(15);
    return options;
  }

  TempDir dir_;
  DevCa ca_{dir_.path() / "ca", {"site-a:site:site-a", "monitor:monitor", "stranger:site:site-z"}};
  std::unique_ptr<server::GatewayServer> server_;
  std::string base_;
};

TEST_F(BrowserTest, ASiteCertificateOpensThePage) {
  PageOptions page;
  page.screenshot = Screenshot("metadata-as-site-a");
  absl::StatusOr<LoadedPage> loaded = LoadPage(base_ + "/fhir/metadata", As("site-a"), page);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->navigation_error, "");
  EXPECT_EQ(loaded->http_status, 200);
  EXPECT_EQ(loaded->final_url, base_ + "/fhir/metadata");
  EXPECT_THAT(loaded->dom, AllOf(HasSubstr("CapabilityStatement"), HasSubstr("Mutual TLS")));
  // The browser asks for /favicon.ico, which the gateway does not serve: the one error of a
  // JSON document. An HTML page avoids it by naming its icon (<link rel="icon" href="data:,">).
  EXPECT_THAT(loaded->console_errors,
              Each(HasSubstr("404 (Not Found) [" + base_ + "/favicon.ico]")));
  ExpectPng(page.screenshot);
}

TEST_F(BrowserTest, TwoBrowsersAtOnceEachPresentItsOwnCertificate) {
  // Each browser's certificate lives in its own temporary HOME and profile.
  absl::StatusOr<std::unique_ptr<HeadlessBrowser>> site = HeadlessBrowser::Start(As("site-a"));
  ASSERT_TRUE(site.ok()) << site.status();
  absl::StatusOr<std::unique_ptr<HeadlessBrowser>> stranger =
      HeadlessBrowser::Start(As("stranger"));
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<LoadedPage> as_stranger = (*stranger)->Load(base_ + "/fhir/metadata");
    ASSERT_TRUE(as_stranger.ok()) << as_stranger.status();
    EXPECT_EQ(as_stranger->http_status, 401);
    absl::StatusOr<LoadedPage> as_site = (*site)->Load(base_ + "/fhir/metadata");
    ASSERT_TRUE(as_site.ok()) << as_site.status();
    EXPECT_EQ(as_site->http_status, 200);
  }
}

TEST_F(BrowserTest, OneBrowserLoadsSeveralPages) {
  absl::StatusOr<std::unique_ptr<HeadlessBrowser>> browser = HeadlessBrowser::Start(As("monitor"));
  ASSERT_TRUE(browser.ok()) << browser.status();
  absl::StatusOr<LoadedPage> metadata = (*browser)->Load(base_ + "/fhir/metadata");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_EQ(metadata->http_status, 200);
  absl::StatusOr<LoadedPage> ready = (*browser)->Load(base_ + "/readyz");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->http_status, 200);
  absl::StatusOr<std::string> body = (*browser)->Evaluate("document.body.innerText");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(*body, Not(IsEmpty()));
}

TEST_F(BrowserTest, WithoutACertificateTheHandshakeFails) {
  absl::StatusOr<LoadedPage> loaded = LoadPage(base_ + "/fhir/metadata", As(""));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->http_status, 0);
  // Under TLS 1.3 the server judges the client's certificate after the client's Finished: the
  // browser reads either the server's alert or, when the close wins, a dead socket.
  EXPECT_THAT(loaded->navigation_error, AnyOf("net::ERR_BAD_SSL_CLIENT_AUTH_CERT",
                                              "net::ERR_SOCKET_NOT_CONNECTED"));
  EXPECT_THAT(loaded->dom, Not(HasSubstr("CapabilityStatement")));
}

TEST_F(BrowserTest, AnUnknownCertificateIsUnauthenticated) {
  absl::StatusOr<LoadedPage> loaded = LoadPage(base_ + "/fhir/metadata", As("stranger"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->http_status, 401);
  EXPECT_THAT(loaded->dom, HasSubstr("not one of the gateway"));
  EXPECT_THAT(loaded->dom, Not(HasSubstr("CapabilityStatement\"")));
}

TEST_F(BrowserTest, AServerOfAnUntrustedCaIsRefused) {
  BrowserOptions options = As("site-a");
  options.trusted_ca.clear();
  absl::StatusOr<LoadedPage> loaded = LoadPage(base_ + "/fhir/metadata", options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->navigation_error, "net::ERR_CERT_AUTHORITY_INVALID");
}

TEST(HeadlessBrowserTest, ReportsConsoleErrorsExceptionsAndFailedLoads) {
  PageOptions page;
  page.screenshot = Screenshot("console-errors");
  absl::StatusOr<LoadedPage> loaded = LoadPage(
      HtmlUrl("<title>broken</title><h1>A broken page</h1>"
              "<img src='http://127.0.0.1:9/missing.png'>"
              "<script>console.error('deliberate', 42); console.log('not an error');"
              "throw new Error('uncaught on purpose');</script>"),
      BrowserOptions{}, page);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->title, "broken");
  EXPECT_THAT(loaded->console_errors, Contains("console.error: deliberate 42"));
  EXPECT_THAT(loaded->console_errors, Contains(HasSubstr("uncaught on purpose")));
  EXPECT_THAT(loaded->console_errors, Contains(HasSubstr("missing.png")));
  EXPECT_EQ(loaded->console_errors.size(), 3u) << ::testing::PrintToString(loaded->console_errors);
  ExpectPng(page.screenshot);
}

TEST(HeadlessBrowserTest, ACleanPageHasNoConsoleErrors) {
  absl::StatusOr<LoadedPage> loaded =
      LoadPage(HtmlUrl("<title>fine</title><script>console.log('ok')</script>"), {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->title, "fine");
  EXPECT_THAT(loaded->console_errors, IsEmpty());
}

TEST(HeadlessBrowserTest, WaitsForScriptsAndReadsValues) {
  // A page that renders after loading, as the dashboard's KM curve will.
  PageOptions page;
  page.wait_until = "document.querySelector('svg#km')";
  page.evaluate = {"document.querySelector('[data-metric=median-pfs]').textContent",
                   "document.querySelectorAll('svg#km path').length",
                   "JSON.stringify({a: 1})"};
  page.screenshot = Screenshot("rendered-later");
  absl::StatusOr<LoadedPage> loaded = LoadPage(
      HtmlUrl("<p>median PFS <span data-metric='median-pfs'>14.2</span> months</p><script>"
              "setTimeout(() => { document.body.insertAdjacentHTML('beforeend',"
              " '<svg id=km width=300 height=200><path d=\"M0 0 H100 V50 H300\" stroke=black"
              " fill=none /></svg>'); }, 300);</script>"),
      {}, page);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->values[page.evaluate[0]], "14.2");
  EXPECT_EQ(loaded->values[page.evaluate[1]], "1");
  EXPECT_EQ(loaded->values[page.evaluate[2]], R"({"a":1})");
  EXPECT_THAT(loaded->dom, HasSubstr("<svg id=\"km\""));
}

TEST(HeadlessBrowserTest, AWaitThatNeverHoldsTimesOut) {
  BrowserOptions options;
  options.timeout = std::chrono::seconds(2);
  PageOptions page;
  page.wait_until = "false";
  absl::StatusOr<LoadedPage> loaded = LoadPage(HtmlUrl("<p>never ready</p>"), options, page);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDeadlineExceeded) << loaded.status();
}

}  // namespace
}  // namespace trialgate::testing
