#include "gateway/http/media_types.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace trialgate::http {
namespace {

struct MediaType {
  std::string type;     // lower case, e.g. "application/fhir+json"
  std::string charset;  // lower case; empty when not named
};

MediaType ParseMediaType(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ';');
  MediaType parsed;
  parsed.type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts.front()));
  for (size_t i = 1; i < parts.size(); ++i) {
    absl::string_view parameter = absl::StripAsciiWhitespace(parts[i]);
    if (absl::StartsWithIgnoreCase(parameter, "charset=")) {
      absl::string_view charset = absl::StripAsciiWhitespace(parameter.substr(8));
      absl::ConsumePrefix(&charset, "\"");
      absl::ConsumeSuffix(&charset, "\"");
      parsed.charset = absl::AsciiStrToLower(charset);
    }
  }
  return parsed;
}

bool IsJson(absl::string_view type) {
  return type == "application/fhir+json" || type == "application/json" ||
         type == "application/json+fhir";  // the DSTU2 name, still sent by older clients
}

bool IsXml(absl::string_view type) { return absl::StrContains(type, "xml"); }

// A `_format` value: a MIME type or one of R4's short forms.
bool FormatIsJson(absl::string_view format) {
  const std::string lower = absl::AsciiStrToLower(format);
  return lower == "json" || IsJson(ParseMediaType(lower).type);
}

}  // namespace

std::optional<HttpError> CheckBodyType(const httplib::Request& request) {
  if (request.get_header_value_count("Content-Type") > 1) {
    return MakeHttpError(400, "invalid", "the request has more than one Content-Type");
  }
  const std::string header = request.get_header_value("Content-Type");
  if (header.empty()) {
    return MakeHttpError(415, "not-supported",
                         "the request has no Content-Type: send FHIR JSON as "
                         "'Content-Type: application/fhir+json'");
  }
  const MediaType media = ParseMediaType(header);
  if (IsJson(media.type)) {
    if (media.charset.empty() || media.charset == "utf-8" || media.charset == "utf8") {
      return std::nullopt;
    }
    return MakeHttpError(415, "not-supported",
                         absl::StrCat("the body's charset is '", media.charset,
                                      "': FHIR JSON is UTF-8 (send charset=utf-8 or none)"));
  }
  return MakeHttpError(
      415, "not-supported",
      absl::StrCat("Content-Type '", media.type, "' is not supported",
                   IsXml(media.type) ? ": this server speaks FHIR JSON only, not XML" : "",
                   "; send 'Content-Type: application/fhir+json'"));
}

std::optional<HttpError> CheckAcceptable(const httplib::Request& request) {
  if (request.has_param("_format")) {
    const std::string format = request.get_param_value("_format");
    if (FormatIsJson(format)) return std::nullopt;
    return MakeHttpError(406, "not-supported",
                         absl::StrCat("_format '", format,
                                      "' is not supported: this server answers in FHIR JSON only "
                                      "(_format=json)"));
  }
  const std::string accept = request.get_header_value("Accept");
  if (accept.empty()) return std::nullopt;
  for (absl::string_view range : absl::StrSplit(accept, ',')) {
    const std::string type = ParseMediaType(range).type;
    if (IsJson(type) || type == "*/*" || type == "application/*") return std::nullopt;
  }
  return MakeHttpError(406, "not-supported",
                       absl::StrCat("Accept '", accept,
                                    "' names no format this server answers in: it speaks FHIR "
                                    "JSON only (application/fhir+json)"));
}

}  // namespace trialgate::http
