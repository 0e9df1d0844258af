#ifndef TRIALGATE_GATEWAY_VALIDATION_PRIMITIVES_H_
#define TRIALGATE_GATEWAY_VALIDATION_PRIMITIVES_H_

#include <optional>
#include <string>
#include <string_view>

#include "rapidjson/document.h"

// Validation of the JSON form of every FHIR R4 (4.0.1) primitive datatype.
//
// The rules are those of the datatypes page, http://hl7.org/fhir/R4/datatypes.html#primitive
// ("JSON representation" column, and the regex of each type's StructureDefinition, e.g.
// http://hl7.org/fhir/R4/datetime.profile.json.html), and of the JSON format page,
// http://hl7.org/fhir/R4/json.html: boolean is a JSON true/false; integer, unsignedInt,
// positiveInt and decimal are JSON numbers; every other primitive is a JSON string. JSON null,
// arrays and objects are never a valid primitive value, and no string primitive may be empty
// (ele-1: an element has a value or children; "" is not a value).
//
// Every function here is pure and thread-safe, does not allocate when the value is valid, and
// allocates only the reason string when it is not.
namespace trialgate::validation {

enum class Primitive {
  kBoolean,
  kInteger,
  kString,
  kDecimal,
  kUri,
  kUrl,
  kCanonical,
  kBase64Binary,
  kInstant,
  kDate,
  kDateTime,
  kTime,
  kCode,
  kOid,
  kId,
  kMarkdown,
  kUnsignedInt,
  kPositiveInt,
  kUuid,
  kXhtml,
};

// The primitive a FHIR type name denotes ("dateTime" -> kDateTime, "positiveInt" ->
// kPositiveInt), exactly as spelled in ElementDefinition.type.code; nullopt for any other name
// (complex types, "DateTime", "http://hl7.org/fhirpath/System.String", ...).
std::optional<Primitive> PrimitiveFromName(std::string_view fhir_type_name);

// The FHIR name of `type` ("dateTime" for kDateTime). Never empty.
std::string_view PrimitiveName(Primitive type);

// True for the four primitives whose JSON form is a number (integer, unsignedInt, positiveInt,
// decimal).
bool IsNumberPrimitive(Primitive type);

// Checks one JSON value as a `type`. Returns nullopt when it is valid, else a short reason in
// English that names the rule ("month 13 is out of range (01-12)", "a FHIR id has at most 64
// characters, this one has 65"). The caller adds the element's path.
//
// Numbers: the value as RapidJSON holds it. Parse with kParseFullPrecisionFlag. A document
// parsed with kParseNumbersAsStringsFlag holds every number as a string value that cannot be
// told apart from a JSON string; for such input use CheckNumberText on the text of the values
// known to be numbers (e.g. from a SAX handler's RawNumber). The DOM cannot see the sign of
// "-0" (RapidJSON stores it as the integer 0), so an unsignedInt "-0" is only caught by
// CheckNumberText.
std::optional<std::string> CheckPrimitive(Primitive type, const rapidjson::Value& value);

// Checks the source text of a JSON number (e.g. "1.50", "-0", "2147483648") as a `type`.
// For decimal this is how the exact text, and so the precision, is kept and validated: FHIR
// decimals are compared with their precision, `1.50` is not `1.5`. The text must be a JSON
// number (RFC 8259 grammar, which for decimal is also the FHIR regex
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?); integer types must additionally match their
// regex and 32-bit range. A decimal beyond the range of a double (|x| > ~1.8e308) is rejected,
// so that both paths agree (RapidJSON's DOM refuses such a number or rounds it to infinity,
// which CheckPrimitive rejects); one too small for a double is valid (it is not zero, but it
// is not out of range either).
// For a non-number `type` this returns the reason a JSON number is not that type.
std::optional<std::string> CheckNumberText(Primitive type, std::string_view number_text);

// Checks the contents of a JSON string (already unescaped) as a string-valued `type` (every
// primitive but boolean and the four number types, for which it returns the reason a JSON
// string is not that type).
std::optional<std::string> CheckStringText(Primitive type, std::string_view text);

// Longest string and markdown value, in characters (string.value maxLength in the R4 core
// StructureDefinition; the spec says "SHALL NOT exceed 1MB").
inline constexpr size_t kMaxStringCharacters = 1048576;

}  // namespace trialgate::validation

#endif  // TRIALGATE_GATEWAY_VALIDATION_PRIMITIVES_H_
