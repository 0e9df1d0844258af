#include "gateway/http/capability_statement.h"

#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace trialgate::http {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Text(Writer& out, const char* key, absl::string_view value) {
  out.Key(key);
  out.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void CodeList(Writer& out, const char* key, std::initializer_list<const char*> codes) {
  out.Key(key);
  out.StartArray();
  for (const char* code : codes) {
    out.StartObject();
    Text(out, "code", code);
    out.EndObject();
  }
  out.EndArray();
}

void Operation(Writer& out, const char* name, absl::string_view definition,
               absl::string_view documentation) {
  out.StartObject();
  Text(out, "name", name);
  Text(out, "definition", definition);
  Text(out, "documentation", documentation);
  out.EndObject();
}

void Security(Writer& out, bool mutual_tls) {
  out.Key("security");
  out.StartObject();
  out.Key("cors");
  out.Bool(false);
  Text(out, "description",
       mutual_tls
           ? "Mutual TLS: every request presents a client certificate issued by the gateway's "
             "client CA and configured as an identity; its roles decide what it may do (a "
             "'site' identity submits for its own site only). No OAuth or SMART on FHIR."
           : "NONE: this server runs in plaintext development mode (--insecure), without TLS "
             "or client identities. Never with real patient data.");
  out.EndObject();
}

void Resource(Writer& out, const std::string& type, const Capabilities& capabilities) {
  out.StartObject();
  Text(out, "type", type);
  if (auto profile = capabilities.profile_for_type.find(type);
      profile != capabilities.profile_for_type.end()) {
    out.Key("supportedProfile");
    out.StartArray();
    out.String(profile->second.c_str());
    out.EndArray();
  }
  Text(out, "documentation",
       type == "Patient"
           ? "Validated and answered; the gateway keeps no patient demographics, and of the "
             "Patient of an enrolled study subject only a death (deceasedDateTime, the day) as "
             "a SubjectDied event. Other entries of a Bundle may refer to it."
           : "Mapped to the study's protocol events. The gateway keeps no copy of the submitted "
             "resource (it carries personal data), so read, vread, search, history and delete "
             "are not supported (405). A create is named by its content, or by its "
             "If-None-Exist condition: sending it again answers 200 with what is stored.");
  CodeList(out, "interaction", {"create", "update"});
  Text(out, "versioning", "versioned-update");
  out.Key("readHistory");
  out.Bool(false);
  out.Key("updateCreate");
  out.Bool(true);
  out.Key("conditionalCreate");
  out.Bool(type != "Patient");
  Text(out, "conditionalRead", "not-supported");
  out.Key("conditionalUpdate");
  out.Bool(false);
  Text(out, "conditionalDelete", "not-supported");
  out.Key("searchParam");
  out.StartArray();
  out.StartObject();
  Text(out, "name", "identifier");
  Text(out, "definition", "http://hl7.org/fhir/SearchParameter/clinical-identifier");
  Text(out, "type", "token");
  Text(out, "documentation",
       "Only in If-None-Exist (identifier=[system]|[value]): there is no search.");
  out.EndObject();
  out.EndArray();
  out.Key("operation");
  out.StartArray();
  Operation(out, "validate", "http://hl7.org/fhir/OperationDefinition/Resource-validate",
            "Always 200 with an OperationOutcome, valid or not; ?profile=[canonical] also "
            "checks a loaded profile. Stores nothing.");
  out.EndArray();
  out.EndObject();
}

}  // namespace

std::string CapabilityStatementJson(const Capabilities& capabilities, absl::string_view base_url) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  Text(out, "resourceType", "CapabilityStatement");
  Text(out, "status", "active");
  Text(out, "date", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", capabilities.started,
                                     absl::UTCTimeZone()));
  Text(out, "publisher", "trialgate");
  Text(out, "kind", "instance");
  out.Key("software");
  out.StartObject();
  Text(out, "name", "trialgate");
  Text(out, "version", TRIALGATE_VERSION);  // the project version, from CMake
  out.EndObject();
  out.Key("implementation");
  out.StartObject();
  Text(out, "description",
       absl::StrCat("trialgate FHIR R4 facade: JSON only, bodies up to ",
                    capabilities.max_body_bytes, " bytes, Bundles up to ",
                    capabilities.max_bundle_entries, " entries (larger: 413)"));
  Text(out, "url", base_url);
  out.EndObject();
  Text(out, "fhirVersion", "4.0.1");
  out.Key("format");
  out.StartArray();
  out.String("application/fhir+json");
  out.String("json");
  out.EndArray();
  out.Key("rest");
  out.StartArray();
  out.StartObject();
  Text(out, "mode", "server");
  Security(out, capabilities.mutual_tls);
  out.Key("resource");
  out.StartArray();
  for (const std::string& type : capabilities.writable_types) Resource(out, type, capabilities);
  out.EndArray();
  CodeList(out, "interaction", {"transaction", "batch"});
  out.Key("operation");
  out.StartArray();
  Operation(out, "validate", kSystemValidateDefinition,
            "The gateway's own, system-level $validate (not defined by R4): the resource in the "
            "body (or a Parameters with 'resource' and 'profile'), of any type, judged like the "
            "type-level operation.");
  out.EndArray();
  out.EndObject();
  out.EndArray();
  out.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace trialgate::http
