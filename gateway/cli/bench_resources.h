#ifndef TRIALGATE_GATEWAY_CLI_BENCH_RESOURCES_H_
#define TRIALGATE_GATEWAY_CLI_BENCH_RESOURCES_H_

#include <cstdint>
#include <string>

// The FHIR resources `trialgate bench` sends over gRPC and HTTP: enrolments naming their patient
// by reference, and new study resources for those patients (2/3 lab results, 1/3 carfilzomib
// doses), alone or in transaction Bundles. `subject_run` names the enrolled patients, `run` the
// resources: a fresh `run` makes every resource new, so none is a duplicate.
namespace trialgate::cli {

// "Patient/bench-<subject_run>-p<subject>".
std::string BenchPatientRef(const std::string& subject_run, int subject);

// The ResearchSubject enrolling that patient.
std::string BenchPatientEnrolment(const std::string& subject_run, int subject);

// "Observation" or "MedicationAdministration": the type of BenchResource(..., i, ...).
const char* BenchResourceType(uint64_t i);

// Resource `i` (id bench-<run>-<i>) for the patient of subject i % subjects.
std::string BenchResource(const std::string& run, const std::string& subject_run, uint64_t i,
                          int subjects);

// A transaction Bundle of BenchResource(run, subject_run, i, subjects) for i in [first, end),
// each entry a create (POST <type>).
std::string BenchTransaction(const std::string& run, const std::string& subject_run,
                             uint64_t first, uint64_t end, int subjects);

}  // namespace trialgate::cli

#endif  // TRIALGATE_GATEWAY_CLI_BENCH_RESOURCES_H_
