#ifndef TRIALGATE_TESTS_SUPPORT_HEADLESS_BROWSER_H_
#define TRIALGATE_TESTS_SUPPORT_HEADLESS_BROWSER_H_

// Debian's chromium, headless, driven over the Chrome DevTools Protocol, for tests of the pages
// the gateway's HTTP listener serves: a page's HTTP status, DOM, console errors, values read
// with JavaScript and a screenshot, through mutual TLS like a real browser.
//
// Why a pipe and not a port: `--remote-debugging-pipe` speaks CDP on fds 3 and 4 (JSON messages
// ended by NUL), so no listening socket another process could reach and no port to find.
//
// How the client certificate gets there without a dialog: each browser has its own temporary
// HOME whose NSS database ($HOME/.pki/nssdb, made with certutil and pk12util from Debian's
// libnss3-tools) holds the CA trusted for servers and at most one client certificate, and its
// own temporary profile whose Preferences carry the content setting the enterprise policy
// AutoSelectCertificateForUrls would set (pattern "*", any certificate). So nothing global is
// written, no root is needed, and browsers in concurrent tests cannot see each other's
// certificates. Without that setting, headless chromium waits for a selection that never comes.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace trialgate::testing {

// A client certificate and its private key, PEM files (e.g. deploy/dev-ca.sh's site-a.pem and
// site-a.key).
struct ClientCertificate {
  std::filesystem::path certificate;
  std::filesystem::path key;
};

struct BrowserOptions {
  // A PEM CA trusted to sign servers' certificates (the gateway's), besides the public roots;
  // empty: none.
  std::filesystem::path trusted_ca;
  // The certificate the browser presents to any server that asks for one; none: it presents
  // none.
  std::optional<ClientCertificate> client;
  // Bounds starting the browser, and each Load and Evaluate.
  std::chrono::seconds timeout{30};
  // The browser; the environment's TRIALGATE_CHROMIUM, else /usr/bin/chromium, when empty.
  std::filesystem::path chromium;
  // The viewport, in CSS pixels.
  int width = 1280;
  int height = 900;
};

struct PageOptions {
  // Empty: none; else the whole page (not just the viewport) as a PNG, written there (its
  // directory is created).
  std::filesystem::path screenshot;
  // A JavaScript expression polled after the load event until it is truthy, for pages that
  // render after loading (e.g. "document.querySelector('svg') !== null"); empty: none.
  std::string wait_until;
  // JavaScript expressions evaluated after the load (and wait_until); their values as strings
  // go to LoadedPage::values under the expression.
  std::vector<std::string> evaluate;
};

// What a page was once loaded.
struct LoadedPage {
  // Of the main document's response; 0 when there was none (the navigation failed).
  int http_status = 0;
  // The navigation's error ("net::ERR_BAD_SSL_CLIENT_AUTH_CERT", ...); empty when it succeeded
  // (an HTTP error status is not a navigation error).
  std::string navigation_error;
  std::string final_url;
  std::string title;
  // document.documentElement.outerHTML after the load.
  std::string dom;
  // console.error and console.assert calls, uncaught exceptions, and the browser's own error
  // entries (failed subresource loads, CSP violations), as text.
  std::vector<std::string> console_errors;
  // PageOptions::evaluate's expressions and their values.
  std::map<std::string, std::string> values;
};

// One headless chromium, for several pages one after another. Each Load opens a fresh tab (and
// closes the previous one). Not thread-safe. Destroying it kills the browser's processes and
// removes its temporary HOME and profile.
class HeadlessBrowser {
 public:
  // Starts the browser. FAILED_PRECONDITION when chromium or (with a certificate or CA)
  // certutil, pk12util or openssl is missing; INTERNAL or DEADLINE_EXCEEDED when it does not
  // start (the message quotes its log).
  static absl::StatusOr<std::unique_ptr<HeadlessBrowser>> Start(const BrowserOptions& options);
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  // Loads `url` and waits for its load event. OK also when the navigation failed or the server
  // answered an error status (see LoadedPage); non-OK when the browser failed or a wait passed
  // the timeout, after which the browser is killed and every later call fails.
  absl::StatusOr<LoadedPage> Load(const std::string& url, const PageOptions& page = {});

  // The value of `expression` on the last loaded page, as a string (String(value)); a thrown
  // exception is INVALID_ARGUMENT with its text. REQUIRES: a Load before.
  absl::StatusOr<std::string> Evaluate(const std::string& expression);

  // Console errors reported since the last Load returned (e.g. after an Evaluate).
  std::vector<std::string> TakeConsoleErrors();

  // The temporary directory of this browser (HOME, profile, chromium's log).
  const std::filesystem::path& directory() const { return directory_; }

 private:
  struct Cdp;
  explicit HeadlessBrowser(const BrowserOptions& options);
  absl::Status Launch();

  BrowserOptions options_;
  std::filesystem::path directory_;
  pid_t pid_ = -1;
  std::unique_ptr<Cdp> cdp_;
};

// One page in a browser of its own: Start, Load, and the browser is gone.
absl::StatusOr<LoadedPage> LoadPage(const std::string& url, const BrowserOptions& options,
                                    const PageOptions& page = {});

// Where tests keep what CI should keep (screenshots): $TRIALGATE_ARTEFACTS_DIR, else
// browser-artefacts/ under the working directory (ctest's: the build's test folder). Created.
std::filesystem::path ArtefactsDir();

}  // namespace trialgate::testing

#endif  // TRIALGATE_TESTS_SUPPORT_HEADLESS_BROWSER_H_
