#include "gateway/config/destination_config.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "trialgate/v1/events.pb.h"

namespace trialgate::config {
namespace {

absl::Status Invalid(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

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

absl::Status ReadStringSet(const rapidjson::Value& value, const std::string& path,
                           const std::string& key, std::set<std::string>* out) {
  if (!value.IsArray()) return Invalid(path, key + " must be an array of strings");
  for (const auto& item : value.GetArray()) {
    if (!item.IsString()) return Invalid(path, key + " must be an array of strings");
    out->insert(item.GetString());
  }
  return absl::OkStatus();
}

absl::Status ReadPositiveInt(const rapidjson::Value& value, const std::string& path,
                             const std::string& key, int64_t* out) {
  if (!value.IsInt64() || value.GetInt64() <= 0) {
    return Invalid(path, key + " must be a positive integer");
  }
  *out = value.GetInt64();
  return absl::OkStatus();
}

absl::Status ReadTls(const rapidjson::Value& value, const std::string& path,
                     const std::string& prefix, DestinationTls* out) {
  if (!value.IsObject()) return Invalid(path, prefix + " must be an object");
  for (const auto& member : value.GetObject()) {
    const std::string key = member.name.GetString();
    std::string* field = key == "caFile"       ? &out->ca_file
                         : key == "certFile"   ? &out->cert_file
                         : key == "keyFile"    ? &out->key_file
                         : key == "serverName" ? &out->server_name
                                               : nullptr;
    if (field == nullptr) return Invalid(path, "unknown key " + prefix + "." + key);
    if (!member.value.IsString()) return Invalid(path, prefix + "." + key + " must be a string");
    *field = member.value.GetString();
  }
  if (out->cert_file.empty() != out->key_file.empty()) {
    return Invalid(path, prefix + " needs both certFile and keyFile for mutual TLS, or neither");
  }
  return absl::OkStatus();
}

absl::Status ReadDestination(const rapidjson::Value& value, const std::string& path,
                             const std::string& prefix, DestinationConfig* out) {
  if (!value.IsObject()) return Invalid(path, prefix + " must be an object");
  bool has_tls = false;
  for (const auto& member : value.GetObject()) {
    const std::string key = member.name.GetString();
    const std::string where = prefix + "." + key;
    absl::Status status;
    int64_t number = 0;
    if (key == "name" || key == "address") {
      if (!member.value.IsString() || member.value.GetStringLength() == 0) {
        status = Invalid(path, where + " must be a non-empty string");
      } else {
        (key == "name" ? out->name : out->address) = member.value.GetString();
      }
    } else if (key == "insecure") {
      if (!member.value.IsBool()) {
        status = Invalid(path, where + " must be true or false");
      } else {
        out->insecure = member.value.GetBool();
      }
    } else if (key == "tls") {
      has_tls = true;
      status = ReadTls(member.value, path, where, &out->tls);
    } else if (key == "eventKinds") {
      std::set<std::string> kinds;
      status = ReadStringSet(member.value, path, where, &kinds);
      for (const std::string& kind : kinds) {
        if (!status.ok()) break;
        const google::protobuf::FieldDescriptor* field = PayloadField(kind);
        if (field == nullptr) {
          status = Invalid(path, absl::StrCat(where, ": '", kind,
                                              "' is not an event kind (e.g. DoseAdministered)"));
        } else {
          out->event_kinds.insert(field->name());
        }
      }
    } else if (key == "sites") {
      status = ReadStringSet(member.value, path, where, &out->sites);
    } else if (key == "batchSize") {
      status = ReadPositiveInt(member.value, path, where, &number);
      out->batch_size = static_cast<size_t>(std::min<int64_t>(number, 1000));
    } else if (key == "deadlineMilliseconds") {
      status = ReadPositiveInt(member.value, path, where, &out->deadline_ms);
    } else if (key == "retryInitialMilliseconds") {
      status = ReadPositiveInt(member.value, path, where, &out->retry_initial_ms);
    } else if (key == "retryMaxMilliseconds") {
      status = ReadPositiveInt(member.value, path, where, &out->retry_max_ms);
    } else if (key == "maxAgeSeconds") {
      status = ReadPositiveInt(member.value, path, where, &out->max_age_seconds);
    } else {
      status = Invalid(path, "unknown key " + where);
    }
    if (!status.ok()) return status;
  }
  if (out->name.empty() || out->address.empty()) {
    return Invalid(path, prefix + " needs a \"name\" and an \"address\"");
  }
  if (out->insecure == has_tls) {
    return Invalid(path, prefix + " (" + out->name +
                             ") needs either \"tls\" or \"insecure\": true (plaintext), not both "
                             "and not neither");
  }
  if (out->retry_max_ms < out->retry_initial_ms) {
    return Invalid(path, prefix + ".retryMaxMilliseconds must not be below "
                                  "retryInitialMilliseconds");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadDestinations(const rapidjson::Value& value, const std::string& path,
                              std::vector<DestinationConfig>* out) {
  if (!value.IsArray()) return Invalid(path, "destinations must be an array");
  std::set<std::string> names;
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    DestinationConfig destination;
    const std::string prefix = absl::StrCat("destinations[", i, "]");
    if (absl::Status status = ReadDestination(value[i], path, prefix, &destination);
        !status.ok()) {
      return status;
    }
    if (!names.insert(destination.name).second) {
      return Invalid(path, absl::StrCat(prefix, ": the name '", destination.name,
                                        "' is used twice"));
    }
    out->push_back(std::move(destination));
  }
  return absl::OkStatus();
}

}  // namespace trialgate::config
