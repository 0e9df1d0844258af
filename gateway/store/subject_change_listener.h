#ifndef TRIALGATE_GATEWAY_STORE_SUBJECT_CHANGE_LISTENER_H_
#define TRIALGATE_GATEWAY_STORE_SUBJECT_CHANGE_LISTENER_H_

#include <string>

namespace trialgate::store {

// Told which study subjects have new durable events. What is derived from a subject's history
// (its place on the protocol timeline, deviations) is worked out after the commit, from the
// stored history, so that the order in which events arrive cannot change it.
class SubjectChangeListener {
 public:
  virtual ~SubjectChangeListener() = default;

  // `subject_id` has newly stored events, now durable. Called on a store thread once per subject
  // of a commit: must not block.
  virtual void SubjectChanged(const std::string& subject_id) = 0;
};

}  // namespace trialgate::store

#endif  // TRIALGATE_GATEWAY_STORE_SUBJECT_CHANGE_LISTENER_H_
