// `trialgate report` (the real binary) against a fake Study service in this process: the
// server's GetEndpoints is not on this branch yet. What goes to stdout or --out, and the exits.
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/report/report_cohort.h"
#include "tests/report/svg_dom.h"
#include "tests/support/gateway_harness.h"
#include "trialgate/v1/study.grpc.pb.h"

namespace trialgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Answers GetEndpoints with the page tests' cohort, FAILED_PRECONDITION for the cutoff
// 2000-01-01; remembers the cutoffs asked for.
class FakeStudy final : public v1::Study::Service {
 public:
  grpc::Status GetEndpoints(grpc::ServerContext*, const v1::GetEndpointsRequest* request,
                            v1::EndpointsReport* response) override {
    std::lock_guard lock(mu_);
    cutoffs_.push_back(request->data_cutoff());
    if (request->data_cutoff() == "2000-01-01") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no endpoints.json");
    }
    *response = report::testing::ReportCohort();
    return grpc::Status::OK;
  }
  std::vector<std::string> cutoffs() {
    std::lock_guard lock(mu_);
    return cutoffs_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> cutoffs_;
};

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&study_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    target_ = "--target 127.0.0.1:" + std::to_string(port) + " ";
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  FakeStudy study_;
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
};

std::string Joined(const CliRun& run) {
  std::string text;
  for (const std::string& line : run.lines) text += line + "\n";
  return text;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(ReportCliTest, JsonHasTheProtoFieldNamesAndZeroCounts) {
  CliRun run = RunCli("report " + target_ + "--cutoff 2026-06-30");
  ASSERT_EQ(run.exit_code, 0);
  rapidjson::Document json;
  json.Parse(Joined(run).c_str());
  ASSERT_FALSE(json.HasParseError()) << Joined(run);
  EXPECT_EQ(json["subjects"].GetInt(), 4);
  EXPECT_EQ(json["consented_after_cutoff"].GetInt(), 0);  // printed although 0
  EXPECT_STREQ(json["time_to_event"][0]["id"].GetString(), "pfs");
  EXPECT_FALSE(json["time_to_event"][1]["median"].HasMember("days"));  // NE: left out
  EXPECT_THAT(study_.cutoffs(), ::testing::ElementsAre("2026-06-30"));
}

TEST_F(ReportCliTest, HtmlToAFileIsWellFormedSelfContainedAndReplacedAtomically) {
  TempDir dir;
  const std::filesystem::path out = dir.path() / "report.html";
  {
    std::ofstream old(out);
    old << "an older report";
  }
  CliRun run = RunCli("report " + target_ + "--format html --out " + out.string());
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.lines, IsEmpty());  // nothing on stdout
  const std::string html = ReadFile(out);
  EXPECT_THAT(html, HasSubstr("<svg"));
  for (const char* banned : {"<script", "href=\"http", "src=\"http", "@import", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(banned))) << banned;
  }
  absl::StatusOr<report::testing::Node> root = report::testing::ParseXml(html);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_THAT(report::testing::HtmlProblems(*root), IsEmpty());
  EXPECT_EQ(report::testing::FindAll(*root, "svg").size(), 4u);
  // Only the report is left in the folder: the temporary file was renamed.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "report.html");
  }
  EXPECT_EQ(files, 1);
  EXPECT_THAT(study_.cutoffs(), ::testing::ElementsAre(""));  // none given: the gateway's today
}

TEST_F(ReportCliTest, HtmlToStdout) {
  CliRun run = RunCli("report " + target_ + "--format html");
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_EQ(Joined(run).rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(report::testing::ParseXml(Joined(run)).ok());
}

TEST_F(ReportCliTest, FailuresExitNonZeroAndLeaveTheFileAlone) {
  TempDir dir;
  const std::filesystem::path out = dir.path() / "report.json";
  CliRun failed = RunCli("report " + target_ + "--cutoff 2000-01-01 --out " + out.string());
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_NE(RunCli("report " + target_ + "--cutoff 2026-6-30").exit_code, 0);
  EXPECT_NE(RunCli("report " + target_ + "--format pdf").exit_code, 0);
  EXPECT_EQ(RunCli("report " + target_ + "--out " + (dir.path() / "no" / "such.json").string())
                .exit_code,
            1);
  EXPECT_EQ(study_.cutoffs().size(), 2u);  // the malformed options never called
}

TEST(ReportCliHelpTest, HelpNamesTheOptions) {
  CliRun run = RunCli("report --help");
  EXPECT_EQ(run.exit_code, 0);
  std::string help;
  for (const std::string& line : run.lines) help += line + "\n";
  EXPECT_THAT(help, HasSubstr("--format"));
  EXPECT_THAT(help, HasSubstr("--out"));
  EXPECT_THAT(help, HasSubstr("--cutoff"));
}

}  // namespace
}  // namespace trialgate::testing
