// libFuzzer target: any bytes submitted as a body must be answered (accepted, duplicate or
// rejected with an OperationOutcome) without a crash, a hang or undefined behaviour. Runs the
// whole pipeline (decode, R4 validation, Bundle handling, mapping, patient resolution,
// enrolment) on a fake store, and the validation-only path; one patient is enrolled up front so
// that data resources get past the enrolment check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fhir-profiles/embedded.h"
#include "gateway/identity/enrollment_registry.h"
#include "gateway/identity/pseudonymizer.h"
#include "gateway/pipeline/operation_outcome.h"
#include "gateway/pipeline/pipeline.h"
#include "gateway/security/caller.h"
#include "gateway/validation/profile_set.h"
#include "gateway/validation/study_definitions.h"
#include "gateway/validation/validator.h"
#include "tests/support/fake_event_store.h"

namespace {

using trialgate::pipeline::EntryResult;
using trialgate::pipeline::Pipeline;
using trialgate::pipeline::SubmissionResult;

// What a plaintext development listener's caller sends from the system "fuzz".
void Submit(const Pipeline& pipeline, const std::string& body, Pipeline::Done done) {
  pipeline.Ingest(trialgate::security::DevelopmentCaller("fuzz"),
                  {trialgate::pipeline::Channel::kGrpc, "fuzz", body}, std::move(done));
}

struct Harness {
  Harness()
      : study(*trialgate::mappers::Study::FromFiles(
            trialgate::profiles::EmbeddedStudyFiles("krd-asct2"))),
        definitions(*trialgate::validation::LoadDefinitions(*study)),
        validator(*definitions),
        pipeline(study, {}, validator, trialgate::identity::Pseudonymizer(std::string(32, 'f')),
                 &registry, &store) {
    std::ifstream in(std::string(TRIALGATE_SOURCE_DIR) +
                     "/tests/integration/testdata/research-subject-pt-1001.json");
    std::stringstream body;
    body << in.rdbuf();
    Submit(pipeline, body.str(), [](SubmissionResult result) {
      if (result.entries.size() != 1 ||
          result.entries[0].outcome != EntryResult::Outcome::kAccepted) {
        std::abort();  // the harness itself is broken
      }
    });
  }

  std::shared_ptr<const trialgate::mappers::Study> study;
  std::unique_ptr<trialgate::validation::ProfileSet> definitions;
  trialgate::validation::Validator validator;
  trialgate::testing::FakeEventStore store;
  trialgate::identity::EnrollmentRegistry registry;
  Pipeline pipeline;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* harness = new Harness;
  harness->store.commits.clear();  // keep memory flat over millions of runs
  const std::string body(reinterpret_cast<const char*>(data), size);
  bool answered = false;
  Submit(harness->pipeline, body, [&](SubmissionResult result) {
    answered = true;
    // Every rejection must be explainable: the OperationOutcome must render.
    if (!result.status.ok() && trialgate::pipeline::OperationOutcomeJson(result.issues).empty()) {
      std::abort();
    }
    for (const EntryResult& entry : result.entries) {
      if (entry.outcome == EntryResult::Outcome::kRejected && entry.issues.empty()) std::abort();
    }
  });
  if (!answered) std::abort();  // the fake store answers at once: no answer is a lost callback
  // $validate must judge anything too, and say why when it finds the body not valid.
  const trialgate::pipeline::ValidationResult validation = harness->pipeline.Validate(body);
  if (!validation.valid() && validation.issues.empty()) std::abort();
  return 0;
}
