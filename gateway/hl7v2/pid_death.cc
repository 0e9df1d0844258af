#include "gateway/hl7v2/pid_death.h"

#include <string>

#include "gateway/hl7v2/hl7_datetime.h"

namespace trialgate::hl7v2 {

void ConvertPidDeath(const Message& message, const Segment& pid, int pid_sequence,
                     const SubjectIdentifier& subject, const ConvertOptions& options,
                     TransactionBundleWriter* bundle, IssueCollector* issues) {
  const std::string when = pid.Text(29, 1);
  const std::string indicator = pid.Text(30);
  const Hl7Location at29{"PID", pid_sequence, 29, 0};
  const Hl7Location at30{"PID", pid_sequence, 30, 0};
  if (when.empty()) {
    if (indicator == "Y") {
      issues->Warning(at29, 101,
                      "PID-30 is Y but PID-29 (the date of death) is empty: the study records a "
                      "death by its day; no death converted");
    }
    return;
  }
  if (indicator != "Y") {
    issues->Warning(at30, 103,
                    "PID-29 holds a date of death but PID-30 is not Y: no death converted");
    return;
  }
  absl::StatusOr<std::string> date_time = Hl7DateTimeToFhir(when, options.site_zone);
  if (!date_time.ok()) {
    issues->Warning(at29, 102,
                    std::string("PID-29 is not a date: ") + std::string(date_time.status().message()) +
                        "; no death converted");
    return;
  }
  const StableId id =
      MakeStableId({"Patient", SendingSystem(message), subject.system, subject.value});
  if (bundle->Contains(id)) return;  // a second PID of the same patient
  JsonWriter& w = bundle->BeginEntry(id, "Patient", Hl7Location{"PID", pid_sequence, 0, 0});
  w.Key("identifier");
  w.StartArray();
  WriteIdentifier(w, subject);
  w.EndArray();
  w.Key("deceasedDateTime");
  w.String(date_time->c_str());
  bundle->EndEntry();
}

}  // namespace trialgate::hl7v2
