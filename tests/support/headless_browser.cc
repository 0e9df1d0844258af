#include "tests/support/headless_browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

extern char** environ;

namespace trialgate::testing {
namespace {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// A JSON string literal of `text`.
std::string Quote(const std::string& text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return buffer.GetString();
}

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

std::string StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The last `lines` lines of a log, for error messages.
std::string Tail(const std::filesystem::path& path, size_t lines = 15) {
  const std::string text = Slurp(path);
  size_t start = text.size();
  for (size_t n = 0; n <= lines && start > 0;) {
    start = text.rfind('\n', start - 1);
    if (start == std::string::npos) return text;
    ++n;
  }
  return text.substr(start);
}

// `name` on PATH (or `name` itself when it has a slash and is executable); empty when absent.
std::filesystem::path FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A copy of this process's environment with `overrides` (NAME=value) replacing or adding.
std::vector<std::string> Environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    const bool replaced = std::any_of(overrides.begin(), overrides.end(), [&](const auto& o) {
      return o.substr(0, o.find('=')) == name;
    });
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Runs a tool to its end with stdout and stderr appended to `log`; OK when it exits 0.
absl::Status RunTool(std::vector<std::string> argv, const std::filesystem::path& log) {
  const std::filesystem::path tool = FindExecutable(argv[0]);
  if (tool.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        argv[0], " is missing: deploy/install-deps.sh installs it (libnss3-tools, openssl)"));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args = Pointers(argv);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, tool.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return absl::InternalError(absl::StrCat(argv[0], ": ", strerror(error)));
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "), " failed:\n", Tail(log)));
  }
  return absl::OkStatus();
}

// Moves `fd` to a number above 9 (so that dup2 onto 3 and 4 in the child cannot clobber it),
// close-on-exec.
int HighFd(int fd) {
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return high;
}

// The text of one CDP RemoteObject (a console argument or an exception).
std::string RemoteObjectText(const rapidjson::Value& object) {
  if (const rapidjson::Value* value = Member(object, "value")) {
    return value->IsString() ? value->GetString() : ToJson(*value);
  }
  std::string text = StringMember(object, "unserializableValue");
  if (text.empty()) text = StringMember(object, "description");
  if (text.empty()) text = StringMember(object, "type");
  return text;
}

}  // namespace

// The DevTools session over the pipe. One thread: every wait reads the pipe itself (poll with a
// deadline), handles the events that arrive meanwhile and keeps responses by id.
struct HeadlessBrowser::Cdp {
  int to_browser = -1;
  int from_browser = -1;
  std::string received;  // bytes after the last NUL
  int next_id = 1;
  std::map<int, rapidjson::Document> responses;
  bool closed = false;  // the browser closed its end: it exited

  // The current tab.
  std::string target;   // its target id, which is also its main frame's id
  std::string session;  // its flat session
  bool loaded = false;
  int status = 0;
  std::string response_url;
  std::vector<std::string> console_errors;

  ~Cdp() {
    if (to_browser >= 0) close(to_browser);
    if (from_browser >= 0) close(from_browser);
  }

  absl::Status Send(const std::string& message) {
    std::string bytes = message;
    bytes.push_back('\0');
    size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = write(to_browser, bytes.data() + written, bytes.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return absl::InternalError(absl::StrCat("writing to chromium: ", strerror(errno)));
      written += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  // Reads what arrives before `until` and handles it. OK also when nothing came; an error
  // when the browser is gone.
  absl::Status Pump(Deadline until) {
    if (closed) return absl::InternalError("chromium exited");
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    pollfd fd{from_browser, POLLIN, 0};
    const int ready = poll(&fd, 1, static_cast<int>(std::max<int64_t>(0, wait.count())));
    if (ready < 0 && errno == EINTR) return absl::OkStatus();
    if (ready < 0) return absl::InternalError(absl::StrCat("poll: ", strerror(errno)));
    if (ready == 0) return absl::OkStatus();
    char chunk[65536];
    const ssize_t n = read(from_browser, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) return absl::OkStatus();
    if (n <= 0) {
      closed = true;
      return absl::InternalError("chromium exited (its DevTools pipe closed)");
    }
    received.append(chunk, static_cast<size_t>(n));
    for (size_t end; (end = received.find('\0')) != std::string::npos;) {
      rapidjson::Document message;
      message.Parse(received.data(), end);
      received.erase(0, end + 1);
      if (!message.HasParseError() && message.IsObject()) Handle(std::move(message));
    }
    return absl::OkStatus();
  }

  void Handle(rapidjson::Document message) {
    if (const rapidjson::Value* id = Member(message, "id"); id != nullptr && id->IsInt()) {
      responses[id->GetInt()] = std::move(message);
      return;
    }
    if (StringMember(message, "sessionId") != session || session.empty()) return;
    const std::string method = StringMember(message, "method");
    const rapidjson::Value* params = Member(message, "params");
    if (params == nullptr) return;
    if (method == "Page.loadEventFired") {
      loaded = true;
    } else if (method == "Network.responseReceived") {
      if (StringMember(*params, "type") == "Document" &&
          StringMember(*params, "frameId") == target) {
        if (const rapidjson::Value* response = Member(*params, "response")) {
          const rapidjson::Value* code = Member(*response, "status");
          if (code != nullptr && code->IsNumber()) status = static_cast<int>(code->GetDouble());
          response_url = StringMember(*response, "url");
        }
      }
    } else if (method == "Runtime.consoleAPICalled") {
      const std::string type = StringMember(*params, "type");
      if (type != "error" && type != "assert") return;
      std::vector<std::string> parts;
      if (const rapidjson::Value* args = Member(*params, "args"); args && args->IsArray()) {
        for (const rapidjson::Value& arg : args->GetArray()) parts.push_back(RemoteObjectText(arg));
      }
      console_errors.push_back(absl::StrCat("console.", type, ": ", absl::StrJoin(parts, " ")));
    } else if (method == "Runtime.exceptionThrown") {
      const rapidjson::Value* details = Member(*params, "exceptionDetails");
      if (details == nullptr) return;
      std::string text = StringMember(*details, "text");
      if (const rapidjson::Value* exception = Member(*details, "exception")) {
        text = absl::StrCat(text, " ", RemoteObjectText(*exception));
      }
      console_errors.push_back(absl::StrCat("exception: ", text));
    } else if (method == "Log.entryAdded") {
      const rapidjson::Value* entry = Member(*params, "entry");
      if (entry == nullptr || StringMember(*entry, "level") != "error") return;
      std::string text = absl::StrCat("log (", StringMember(*entry, "source"), "): ",
                                      StringMember(*entry, "text"));
      if (const std::string url = StringMember(*entry, "url"); !url.empty()) {
        absl::StrAppend(&text, " [", url, "]");
      }
      console_errors.push_back(text);
    } else if (method == "Inspector.targetCrashed") {
      console_errors.push_back("the page crashed");
    }
  }

  // Calls `method` with `params` (a JSON object) on the current tab (`on_tab`) or the browser;
  // its `result`, or an error when CDP answers one or `deadline` passes.
  absl::StatusOr<rapidjson::Document> Call(const std::string& method, const std::string& params,
                                           bool on_tab, Deadline deadline) {
    const int id = next_id++;
    std::string message = absl::StrCat("{\"id\":", id, ",\"method\":", Quote(method),
                                       ",\"params\":", params);
    if (on_tab) absl::StrAppend(&message, ",\"sessionId\":", Quote(session));
    message += "}";
    RETURN_IF_ERROR(Send(message));
    while (!responses.contains(id)) {
      if (Clock::now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat("chromium did not answer ", method));
      }
      RETURN_IF_ERROR(Pump(deadline));
    }
    rapidjson::Document response = std::move(responses[id]);
    responses.erase(id);
    if (const rapidjson::Value* error = Member(response, "error")) {
      return absl::InternalError(
          absl::StrCat(method, ": ", StringMember(*error, "message"), " ", ToJson(*error)));
    }
    rapidjson::Document result;
    if (const rapidjson::Value* value = Member(response, "result")) {
      result.CopyFrom(*value, result.GetAllocator());
    } else {
      result.SetObject();
    }
    return result;
  }

  // Runtime.evaluate on the current tab, awaiting a promise; the value as a string.
  absl::StatusOr<std::string> Evaluate(const std::string& expression, Deadline deadline) {
    ASSIGN_OR_RETURN(rapidjson::Document result,
                     Call("Runtime.evaluate",
                          absl::StrCat("{\"expression\":", Quote(expression),
                                       ",\"returnByValue\":true,\"awaitPromise\":true}"),
                          true, deadline));
    if (const rapidjson::Value* details = Member(result, "exceptionDetails")) {
      std::string text = StringMember(*details, "text");
      if (const rapidjson::Value* exception = Member(*details, "exception")) {
        text = absl::StrCat(text, " ", RemoteObjectText(*exception));
      }
      return absl::InvalidArgumentError(absl::StrCat(expression, " threw: ", text));
    }
    const rapidjson::Value* object = Member(result, "result");
    return object == nullptr ? std::string("undefined") : RemoteObjectText(*object);
  }
};

HeadlessBrowser::HeadlessBrowser(const BrowserOptions& options) : options_(options) {}

HeadlessBrowser::~HeadlessBrowser() {
  if (pid_ > 0) {
    // Politely first (chromium ends its own children), then its whole process group.
    if (cdp_ != nullptr && !cdp_->closed) {
      (void)cdp_->Send(R"({"id":0,"method":"Browser.close","params":{}})");
    }
    const Deadline soon = Clock::now() + std::chrono::milliseconds(500);
    int wait_status = 0;
    while (waitpid(pid_, &wait_status, WNOHANG) == 0 && Clock::now() < soon) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, &wait_status, 0);
  }
  cdp_.reset();
  std::error_code ignored;
  if (!directory_.empty()) std::filesystem::remove_all(directory_, ignored);
}

absl::StatusOr<std::unique_ptr<HeadlessBrowser>> HeadlessBrowser::Start(
    const BrowserOptions& options) {
  std::unique_ptr<HeadlessBrowser> browser(new HeadlessBrowser(options));
  RETURN_IF_ERROR(browser->Launch());
  return browser;
}

absl::Status HeadlessBrowser::Launch() {
  const Deadline deadline = Clock::now() + options_.timeout;
  std::filesystem::path chromium = options_.chromium;
  if (chromium.empty()) {
    const char* env = getenv("TRIALGATE_CHROMIUM");
    chromium = env != nullptr && *env != '\0' ? env : "/usr/bin/chromium";
  }
  if (FindExecutable(chromium.string()).empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        chromium.string(), " is missing: deploy/install-deps.sh installs Debian's chromium"));
  }

  std::string pattern = (std::filesystem::temp_directory_path() / "trialgate-browser-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", strerror(errno)));
  }
  directory_ = pattern;
  const std::filesystem::path home = directory_ / "home";
  const std::filesystem::path profile = directory_ / "profile";
  const std::filesystem::path log = directory_ / "chromium.log";
  const std::filesystem::path tools_log = directory_ / "tools.log";
  std::filesystem::create_directories(profile / "Default");

  // The NSS database chromium reads on Linux: the trusted CA and the client's key pair.
  if (!options_.trusted_ca.empty() || options_.client.has_value()) {
    const std::filesystem::path nssdb = home / ".pki" / "nssdb";
    std::filesystem::create_directories(nssdb);
    const std::string db = "sql:" + nssdb.string();
    RETURN_IF_ERROR(RunTool({"certutil", "-N", "-d", db, "--empty-password"}, tools_log));
    if (!options_.trusted_ca.empty()) {
      RETURN_IF_ERROR(RunTool({"certutil", "-A", "-d", db, "-n", "trusted-ca", "-t", "C,,", "-i",
                               options_.trusted_ca.string()},
                              tools_log));
    }
    if (options_.client.has_value()) {
      const std::string p12 = (directory_ / "client.p12").string();
      RETURN_IF_ERROR(RunTool({"openssl", "pkcs12", "-export", "-in",
                               options_.client->certificate.string(), "-inkey",
                               options_.client->key.string(), "-name", "client", "-passout",
                               "pass:", "-out", p12},
                              tools_log));
      RETURN_IF_ERROR(RunTool({"pk12util", "-d", db, "-i", p12, "-W", ""}, tools_log));
      std::filesystem::remove(p12);
      // What the policy AutoSelectCertificateForUrls sets, as this profile's own content
      // setting: for every site, the one certificate there is, without a dialog.
      std::ofstream(profile / "Default" / "Preferences")
          << R"({"profile":{"content_settings":{"exceptions":{"auto_select_certificate":)"
          << R"({"*,*":{"setting":{"filters":[{}]}}}}}}})";
    }
  }

  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  for (int* fd : {&to_child[0], &to_child[1], &from_child[0], &from_child[1]}) *fd = HighFd(*fd);
  cdp_ = std::make_unique<Cdp>();
  cdp_->to_browser = to_child[1];
  cdp_->from_browser = from_child[0];

  std::vector<std::string> argv = {
      chromium.string(),
      "--headless=new",
      "--remote-debugging-pipe",
      "--user-data-dir=" + profile.string(),
      // CI runs as root, where chromium's sandbox cannot start; the pages are the tests' own.
      "--no-sandbox",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--password-store=basic",
      "--mute-audio",
      absl::StrCat("--window-size=", options_.width, ",", options_.height),
      "about:blank"};
  std::vector<std::string> env = Environment({"HOME=" + home.string(),
                                              "XDG_CONFIG_HOME=" + (home / ".config").string(),
                                              "XDG_CACHE_HOME=" + (home / ".cache").string()});
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 3);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 4);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so that the destructor can end every process it started.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<char*> args = Pointers(argv);
  std::vector<char*> envp = Pointers(env);
  const int error =
      posix_spawn(&pid_, chromium.c_str(), &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(to_child[0]);
  close(from_child[1]);
  if (error != 0) {
    pid_ = -1;
    return absl::InternalError(absl::StrCat("starting ", chromium.string(), ": ", strerror(error)));
  }
  // A write after chromium died must be an error, not the end of the test process.
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<rapidjson::Document> version =
      cdp_->Call("Browser.getVersion", "{}", false, deadline);
  if (!version.ok()) {
    return absl::Status(version.status().code(),
                        absl::StrCat(version.status().message(), "; chromium's log:\n", Tail(log)));
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadedPage> HeadlessBrowser::Load(const std::string& url, const PageOptions& page) {
  if (cdp_ == nullptr || cdp_->closed) return absl::FailedPreconditionError("chromium is gone");
  const Deadline deadline = Clock::now() + options_.timeout;
  Cdp& cdp = *cdp_;
  auto fail = [this](absl::Status status) {
    // A browser that missed a deadline may be in any state: end it, later calls fail.
    if (pid_ > 0) kill(-pid_, SIGKILL);
    cdp_->closed = true;
    return absl::Status(status.code(), absl::StrCat(status.message(), " (loading a page; log: ",
                                                    Tail(directory_ / "chromium.log", 5), ")"));
  };

  if (!cdp.target.empty()) {
    (void)cdp.Call("Target.closeTarget", absl::StrCat("{\"targetId\":", Quote(cdp.target), "}"),
                   false, deadline);
    cdp.target.clear();
    cdp.session.clear();
  }
  absl::StatusOr<rapidjson::Document> created =
      cdp.Call("Target.createTarget", R"({"url":"about:blank"})", false, deadline);
  if (!created.ok()) return fail(created.status());
  cdp.target = StringMember(*created, "targetId");
  absl::StatusOr<rapidjson::Document> attached = cdp.Call(
      "Target.attachToTarget",
      absl::StrCat("{\"targetId\":", Quote(cdp.target), ",\"flatten\":true}"), false, deadline);
  if (!attached.ok()) return fail(attached.status());
  cdp.session = StringMember(*attached, "sessionId");
  const std::string metrics = absl::StrCat("{\"width\":", options_.width, ",\"height\":",
                                           options_.height,
                                           ",\"deviceScaleFactor\":1,\"mobile\":false}");
  for (const auto& [method, params] :
       std::vector<std::pair<std::string, std::string>>{
           {"Page.enable", "{}"},
           {"Runtime.enable", "{}"},
           {"Log.enable", "{}"},
           {"Network.enable", "{}"},
           {"Emulation.setDeviceMetricsOverride", metrics}}) {
    if (absl::StatusOr<rapidjson::Document> r = cdp.Call(method, params, true, deadline); !r.ok()) {
      return fail(r.status());
    }
  }

  cdp.loaded = false;
  cdp.status = 0;
  cdp.response_url.clear();
  cdp.console_errors.clear();
  LoadedPage loaded;
  absl::StatusOr<rapidjson::Document> navigated =
      cdp.Call("Page.navigate", absl::StrCat("{\"url\":", Quote(url), "}"), true, deadline);
  if (!navigated.ok()) return fail(navigated.status());
  loaded.navigation_error = StringMember(*navigated, "errorText");
  if (!loaded.navigation_error.empty()) {
    loaded.http_status = cdp.status;
    loaded.final_url = cdp.response_url.empty() ? url : cdp.response_url;
    loaded.console_errors = std::move(cdp.console_errors);
    cdp.console_errors.clear();
    return loaded;
  }
  while (!cdp.loaded) {
    if (Clock::now() >= deadline) {
      return fail(absl::DeadlineExceededError(absl::StrCat("no load event from ", url)));
    }
    if (absl::Status s = cdp.Pump(deadline); !s.ok()) return fail(s);
  }
  if (!page.wait_until.empty()) {
    for (;;) {
      absl::StatusOr<std::string> ready =
          cdp.Evaluate(absl::StrCat("Boolean(", page.wait_until, ")"), deadline);
      if (!ready.ok() && ready.status().code() != absl::StatusCode::kInvalidArgument) {
        return fail(ready.status());
      }
      if (ready.ok() && *ready == "true") break;
      if (Clock::now() >= deadline) {
        return fail(absl::DeadlineExceededError(
            absl::StrCat(url, ": ", page.wait_until, " never held")));
      }
      if (absl::Status s = cdp.Pump(Clock::now() + std::chrono::milliseconds(50)); !s.ok()) {
        return fail(s);
      }
    }
  }
  // Messages the page logged just before its load event may still be in the pipe.
  if (absl::Status s = cdp.Pump(Clock::now() + std::chrono::milliseconds(100)); !s.ok()) {
    return fail(s);
  }

  struct Read {
    const char* expression;
    std::string* into;
  };
  for (const Read& read : {Read{"location.href", &loaded.final_url},
                           Read{"document.title", &loaded.title},
                           Read{"document.documentElement.outerHTML", &loaded.dom}}) {
    absl::StatusOr<std::string> value = cdp.Evaluate(read.expression, deadline);
    if (!value.ok()) return fail(value.status());
    *read.into = *std::move(value);
  }
  for (const std::string& expression : page.evaluate) {
    absl::StatusOr<std::string> value = cdp.Evaluate(expression, deadline);
    if (!value.ok() && value.status().code() != absl::StatusCode::kInvalidArgument) {
      return fail(value.status());
    }
    loaded.values[expression] = value.ok() ? *value : std::string(value.status().message());
  }

  if (!page.screenshot.empty()) {
    absl::StatusOr<rapidjson::Document> layout =
        cdp.Call("Page.getLayoutMetrics", "{}", true, deadline);
    if (!layout.ok()) return fail(layout.status());
    double width = options_.width;
    double height = options_.height;
    if (const rapidjson::Value* size = Member(*layout, "cssContentSize")) {
      const rapidjson::Value* w = Member(*size, "width");
      const rapidjson::Value* h = Member(*size, "height");
      if (w != nullptr && w->IsNumber()) width = std::max(1.0, w->GetDouble());
      if (h != nullptr && h->IsNumber()) height = std::clamp(h->GetDouble(), 1.0, 16384.0);
    }
    absl::StatusOr<rapidjson::Document> shot = cdp.Call(
        "Page.captureScreenshot",
        absl::StrCat("{\"format\":\"png\",\"captureBeyondViewport\":true,\"clip\":{\"x\":0,"
                     "\"y\":0,\"width\":",
                     width, ",\"height\":", height, ",\"scale\":1}}"),
        true, deadline);
    if (!shot.ok()) return fail(shot.status());
    std::string png;
    if (!absl::Base64Unescape(StringMember(*shot, "data"), &png) || png.empty()) {
      return absl::InternalError("chromium's screenshot is not base64");
    }
    if (page.screenshot.has_parent_path()) {
      std::filesystem::create_directories(page.screenshot.parent_path());
    }
    std::ofstream out(page.screenshot, std::ios::binary | std::ios::trunc);
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", page.screenshot.string()));
    }
  }

  loaded.http_status = cdp.status;
  loaded.console_errors = std::move(cdp.console_errors);
  cdp.console_errors.clear();
  return loaded;
}

absl::StatusOr<std::string> HeadlessBrowser::Evaluate(const std::string& expression) {
  if (cdp_ == nullptr || cdp_->closed) return absl::FailedPreconditionError("chromium is gone");
  if (cdp_->session.empty()) return absl::FailedPreconditionError("no page loaded");
  return cdp_->Evaluate(expression, Clock::now() + options_.timeout);
}

std::vector<std::string> HeadlessBrowser::TakeConsoleErrors() {
  if (cdp_ == nullptr) return {};
  if (!cdp_->closed) (void)cdp_->Pump(Clock::now() + std::chrono::milliseconds(100));
  std::vector<std::string> errors = std::move(cdp_->console_errors);
  cdp_->console_errors.clear();
  return errors;
}

absl::StatusOr<LoadedPage> LoadPage(const std::string& url, const BrowserOptions& options,
                                    const PageOptions& page) {
  ASSIGN_OR_RETURN(std::unique_ptr<HeadlessBrowser> browser, HeadlessBrowser::Start(options));
  return browser->Load(url, page);
}

std::filesystem::path ArtefactsDir() {
  const char* env = getenv("TRIALGATE_ARTEFACTS_DIR");
  std::filesystem::path dir = env != nullptr && *env != '\0'
                                  ? std::filesystem::path(env)
                                  : std::filesystem::current_path() / "browser-artefacts";
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace trialgate::testing
