#include "gateway/config/destination_config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::config {
namespace {

// The payload field an event kind names, by field or message name; nullptr if none.
const google::protobuf::FieldDescriptor* PayloadField(const std::string& kind) {
  const google::protobuf::OneofDescriptor* payload =
      v1::Event::descriptor()->FindOneofByName("payload");
  for (int i = 0; i < payload->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = payload->field(i);
    if (field->name() == kind ||
        (field->message_type() != nullptr && field->message_type()->name() == kind)) {
      return field;
    }
  }
  return nullptr;
}

absl::StatusOr<DestinationTls> ReadTls(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"caFile", "certFile", "keyFile", "serverName"}));
  DestinationTls tls;
  ASSIGN_OR_RETURN(tls.ca_file, object.OptionalString("caFile"));
  ASSIGN_OR_RETURN(tls.cert_file, object.OptionalString("certFile"));
  ASSIGN_OR_RETURN(tls.key_file, object.OptionalString("keyFile"));
  ASSIGN_OR_RETURN(tls.server_name, object.OptionalString("serverName"));
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return object.Error("needs both certFile and keyFile for mutual TLS, or neither");
  }
  return tls;
}

// "eventKinds": message or field names of the payload, kept as field names.
absl::StatusOr<std::set<std::string>> ReadEventKinds(const JsonObject& object) {
  std::set<std::string> kinds;
  ASSIGN_OR_RETURN(const std::vector<JsonValue> items, object.OptionalArray("eventKinds"));
  for (const JsonValue& item : items) {
    ASSIGN_OR_RETURN(const std::string kind, item.String());
    const google::protobuf::FieldDescriptor* field = PayloadField(kind);
    if (field == nullptr) {
      return item.Problem(
          absl::StrCat("'", kind, "' is not an event kind (e.g. DoseAdministered)"));
    }
    kinds.insert(field->name());
  }
  return kinds;
}

// Where a destination is and how the gateway talks to it.
absl::Status ReadConnection(const JsonObject& object, DestinationConfig* out) {
  ASSIGN_OR_RETURN(out->name, object.OptionalNonEmptyString("name"));
  ASSIGN_OR_RETURN(out->address, object.OptionalNonEmptyString("address"));
  ASSIGN_OR_RETURN(out->insecure, object.OptionalBool("insecure", false));
  ASSIGN_OR_RETURN(std::optional<JsonObject> tls, object.OptionalObject("tls"));
  if (tls) {
    ASSIGN_OR_RETURN(out->tls, ReadTls(*tls));
  }
  if (out->name.empty() || out->address.empty()) {
    return object.Error("needs a \"name\" and an \"address\"");
  }
  if (out->insecure == tls.has_value()) {
    return object.Error("(" + out->name +
                        ") needs either \"tls\" or \"insecure\": true (plaintext), not both and "
                        "not neither");
  }
  return absl::OkStatus();
}

// Which events it receives, in batches of what size, retried for how long.
absl::Status ReadDelivery(const JsonObject& object, DestinationConfig* out) {
  ASSIGN_OR_RETURN(out->event_kinds, ReadEventKinds(object));
  ASSIGN_OR_RETURN(const std::vector<std::string> sites, object.OptionalStrings("sites"));
  out->sites.insert(sites.begin(), sites.end());
  ASSIGN_OR_RETURN(const int64_t batch_size,
                   object.OptionalInt("batchSize", static_cast<int64_t>(out->batch_size),
                                      Sign::kPositive));
  out->batch_size = static_cast<size_t>(std::min<int64_t>(batch_size, 1000));
  const std::pair<const char*, int64_t*> times[] = {
      {"deadlineMilliseconds", &out->deadline_ms},
      {"retryInitialMilliseconds", &out->retry_initial_ms},
      {"retryMaxMilliseconds", &out->retry_max_ms},
      {"maxAgeSeconds", &out->max_age_seconds}};
  for (const auto& [key, field] : times) {
    ASSIGN_OR_RETURN(*field, object.OptionalInt(key, *field, Sign::kPositive));
  }
  if (out->retry_max_ms < out->retry_initial_ms) {
    return object.Problem("retryMaxMilliseconds must not be below retryInitialMilliseconds");
  }
  return absl::OkStatus();
}

absl::StatusOr<DestinationConfig> ReadDestination(const JsonObject& object) {
  RETURN_IF_ERROR(object.OnlyKeys({"name", "address", "insecure", "tls", "eventKinds", "sites",
                                   "batchSize", "deadlineMilliseconds",
                                   "retryInitialMilliseconds", "retryMaxMilliseconds",
                                   "maxAgeSeconds"}));
  DestinationConfig destination;
  RETURN_IF_ERROR(ReadConnection(object, &destination));
  RETURN_IF_ERROR(ReadDelivery(object, &destination));
  return destination;
}

}  // namespace

absl::StatusOr<std::vector<DestinationConfig>> ReadDestinations(
    const std::vector<JsonObject>& objects) {
  std::vector<DestinationConfig> destinations;
  std::set<std::string> names;
  for (const JsonObject& object : objects) {
    ASSIGN_OR_RETURN(DestinationConfig destination, ReadDestination(object));
    if (!names.insert(destination.name).second) {
      return object.Problem(absl::StrCat("the name '", destination.name, "' is used twice"));
    }
    destinations.push_back(std::move(destination));
  }
  return destinations;
}

}  // namespace trialgate::config
