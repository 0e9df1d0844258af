#include "gateway/validation/primitives.h"
#include "mappers/fhir_json.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <system_error>

// Each primitive is checked by a small hand-written scanner instead of std::regex: libstdc++'s
// std::regex is a backtracking interpreter that costs microseconds and allocations per match
// (and can overflow its stack on long input such as a 1 MB string), while these scanners are a
// single pass over the bytes with no allocation, and they can say *which* rule failed ("day 30
// does not exist in February 2023") where a regex only says "no match". Each scanner names the
// R4 (4.0.1) regex it implements; the regexes are those of the core StructureDefinitions
// (extension http://hl7.org/fhir/StructureDefinition/regex on <type>.value), as published on
// http://hl7.org/fhir/R4/datatypes.html#primitive.

namespace trialgate::validation {
namespace {

using Reason = std::optional<std::string>;

constexpr std::nullopt_t kValid = std::nullopt;

// "\s" as the FHIR regexes use it (Java/XML Schema: ASCII whitespace only).
bool IsRegexSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A character for a message: printable ASCII as itself, anything else as \xNN.
std::string Show(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  if (c == ' ') return "a space";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte \\x") + kHex[u >> 4] + kHex[u & 0xf];
}

std::string Two(int n) {
  std::string s = std::to_string(n);
  return s.size() < 2 ? "0" + s : s;
}

// Reads exactly `n` ASCII digits at s[pos..]; -1 if they are not all there.
int Digits(std::string_view s, size_t pos, int n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

const char* MonthName(int month) {
  static constexpr const char* kNames[] = {"January", "February", "March",     "April",
                                           "May",     "June",     "July",      "August",
                                           "September", "October", "November", "December"};
  return kNames[month - 1];
}

// What is at s[pos] when something else was expected there.
std::string Unexpected(std::string_view s, size_t pos, std::string_view expected) {
  std::string what = pos >= s.size() ? std::string("the end of the text")
                                     : Show(s[pos]) + " at position " + std::to_string(pos + 1);
  return "expected " + std::string(expected) + ", found " + what;
}

// ---- date, dateTime, instant, time --------------------------------------------------------
//
// R4 regexes:
//   date     ([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?
//   dateTime <date>(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?
//            (the time only after a full date: "If hours and minutes are specified, a time zone
//            SHALL be populated")
//   instant  the full form of dateTime: date, time with seconds, and zone, all required
//   time     ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?
// plus "Dates SHALL be valid dates": the day must exist in that month of that year (Gregorian
// leap years). A second of 60 is what the regexes allow (a leap second); 24:00:00 is not.

enum class DateForm { kDate, kDateTime, kInstant };

// hh:mm:ss(.fff)? at s[*pos]; advances *pos past it.
Reason ScanClock(std::string_view s, size_t* pos) {
  size_t p = *pos;
  int hour = Digits(s, p, 2);
  if (hour < 0) return Unexpected(s, p, "a 2-digit hour");
  if (hour > 23) return "hour " + Two(hour) + " is out of range (00-23)";
  p += 2;
  if (p >= s.size() || s[p] != ':') return Unexpected(s, p, "':' after the hour");
  ++p;
  int minute = Digits(s, p, 2);
  if (minute < 0) return Unexpected(s, p, "a 2-digit minute");
  if (minute > 59) return "minute " + Two(minute) + " is out of range (00-59)";
  p += 2;
  if (p >= s.size() || s[p] != ':') {
    return p >= s.size() ? std::string("seconds are required (hh:mm:ss)")
                         : Unexpected(s, p, "':' and the seconds after the minute");
  }
  ++p;
  int second = Digits(s, p, 2);
  if (second < 0) return Unexpected(s, p, "2-digit seconds");
  if (second > 60) return "second " + Two(second) + " is out of range (00-60)";
  p += 2;
  if (p < s.size() && s[p] == '.') {
    ++p;
    size_t start = p;
    while (p < s.size() && IsDigit(s[p])) ++p;
    if (p == start) return Unexpected(s, p, "a digit after the decimal point of the seconds");
  }
  *pos = p;
  return kValid;
}

// Z, or +hh:mm / -hh:mm from -14:00 to +14:00, at s[*pos]; advances *pos.
Reason ScanZone(std::string_view s, size_t* pos) {
  size_t p = *pos;
  if (p < s.size() && s[p] == 'Z') {
    *pos = p + 1;
    return kValid;
  }
  if (p >= s.size() || (s[p] != '+' && s[p] != '-')) {
    return Unexpected(s, p, "a time zone ('Z', '+hh:mm' or '-hh:mm')");
  }
  char sign = s[p];
  ++p;
  int hour = Digits(s, p, 2);
  if (hour < 0) return Unexpected(s, p, "a 2-digit time zone hour");
  p += 2;
  if (p >= s.size() || s[p] != ':') return Unexpected(s, p, "':' in the time zone offset");
  ++p;
  int minute = Digits(s, p, 2);
  if (minute < 0) return Unexpected(s, p, "2-digit time zone minutes");
  p += 2;
  if (minute > 59 || hour > 14 || (hour == 14 && minute != 0)) {
    return std::string("time zone offset ") + sign + Two(hour) + ":" + Two(minute) +
           " is out of range (-14:00 to +14:00)";
  }
  *pos = p;
  return kValid;
}

Reason CheckDateLike(std::string_view s, DateForm form) {
  const char* kind = form == DateForm::kDate       ? "date"
                     : form == DateForm::kDateTime ? "dateTime"
                                                   : "instant";
  auto too_short = [&]() -> std::string {
    return "an instant needs a full date, a time with seconds and a time zone "
           "(yyyy-mm-ddThh:mm:ss[.fff]Z or +hh:mm)";
  };
  size_t p = 0;
  int year = Digits(s, 0, 4);
  if (year < 0) return std::string("a FHIR ") + kind + " starts with a 4-digit year";
  if (year == 0) return std::string("year 0000 is not allowed");
  p = 4;
  if (p == s.size()) return form == DateForm::kInstant ? Reason(too_short()) : kValid;
  if (s[p] != '-') return Unexpected(s, p, "'-' after the year");
  ++p;
  int month = Digits(s, p, 2);
  if (month < 0) return Unexpected(s, p, "a 2-digit month");
  if (month < 1 || month > 12) return "month " + Two(month) + " is out of range (01-12)";
  p += 2;
  if (p == s.size()) return form == DateForm::kInstant ? Reason(too_short()) : kValid;
  if (s[p] != '-') return Unexpected(s, p, "'-' after the month");
  ++p;
  int day = Digits(s, p, 2);
  if (day < 0) return Unexpected(s, p, "a 2-digit day");
  if (day < 1 || day > 31) return "day " + Two(day) + " is out of range (01-31)";
  if (day > DaysInMonth(year, month)) {
    return "day " + Two(day) + " does not exist in " + MonthName(month) + " " +
           std::to_string(year);
  }
  p += 2;
  if (p == s.size()) return form == DateForm::kInstant ? Reason(too_short()) : kValid;
  if (form == DateForm::kDate) {
    return Unexpected(s, p, "the end of the date (a FHIR date has no time; use dateTime)");
  }
  if (s[p] != 'T') return Unexpected(s, p, "'T' before the time");
  ++p;
  if (Reason r = ScanClock(s, &p)) return r;
  if (p == s.size()) {
    return std::string("a ") + kind +
           " with a time must have a time zone ('Z', '+hh:mm' or '-hh:mm')";
  }
  if (Reason r = ScanZone(s, &p)) return r;
  if (p != s.size()) return Unexpected(s, p, "the end after the time zone");
  return kValid;
}

Reason CheckTime(std::string_view s) {
  size_t p = 0;
  if (Reason r = ScanClock(s, &p)) return r;
  if (p != s.size()) {
    if (s[p] == 'Z' || s[p] == '+' || s[p] == '-') {
      return std::string("a FHIR time has no time zone");
    }
    return Unexpected(s, p, "the end of the time");
  }
  return kValid;
}

// ---- string-valued primitives -------------------------------------------------------------

// string and markdown: [ \r\n\t\S]+ , at most 1048576 characters. The spec's "SHOULD not
// contain Unicode character points below 32" other than tab, CR and LF is a SHOULD, not
// checked here; the regex itself rules out only vertical tab and form feed.
Reason CheckStringLike(std::string_view s, Primitive type) {
  size_t characters = 0;
  for (char c : s) {
    if (c == '\v' || c == '\f') {
      return std::string("a FHIR ") + std::string(PrimitiveName(type)) +
             " may not contain a vertical tab or form feed";
    }
    // Count UTF-8 code points: every byte that is not a continuation byte starts one.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
  }
  if (characters > kMaxStringCharacters) {
    return std::string("a FHIR ") + std::string(PrimitiveName(type)) + " has at most " +
           std::to_string(kMaxStringCharacters) + " characters, this one has " +
           std::to_string(characters);
  }
  return kValid;
}

// code: [^\s]+(\s[^\s]+)* and, in the definition's words, "no leading or trailing whitespace
// and ... no whitespace other than single spaces in the contents". The definition is stricter
// than the regex (which would let one tab through); we follow the definition.
Reason CheckCode(std::string_view s) {
  if (IsRegexSpace(s.front())) return std::string("a FHIR code may not start with whitespace");
  if (IsRegexSpace(s.back())) return std::string("a FHIR code may not end with whitespace");
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsRegexSpace(s[i])) continue;
    if (s[i] != ' ') {
      return "a FHIR code may contain no whitespace but single spaces, found " + Show(s[i]) +
             " at position " + std::to_string(i + 1);
    }
    if (IsRegexSpace(s[i + 1])) {  // in range: s does not end with whitespace
      return "a FHIR code may not contain two whitespace characters in a row (position " +
             std::to_string(i + 1) + ")";
    }
  }
  return kValid;
}

// id: [A-Za-z0-9\-\.]{1,64}
Reason CheckId(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '-' ||
              c == '.';
    if (!ok) {
      return "a FHIR id may contain only letters, digits, '-' and '.', found " + Show(c) +
             " at position " + std::to_string(i + 1);
    }
  }
  if (s.size() > 64) {
    return "a FHIR id has at most 64 characters, this one has " + std::to_string(s.size());
  }
  return kValid;
}

// uri, url, canonical: \S* (and not empty). The R4 regex is deliberately loose; RFC 3986
// syntax is not enforced, as the HL7 validator does not enforce it either.
Reason CheckUriLike(std::string_view s, Primitive type) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsRegexSpace(s[i])) {
      return std::string("a FHIR ") + std::string(PrimitiveName(type)) +
             " may not contain whitespace, found " + Show(s[i]) + " at position " +
             std::to_string(i + 1);
    }
  }
  return kValid;
}

// oid: urn:oid:[0-2](\.(0|[1-9][0-9]*))+
Reason CheckOid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:oid:";
  if (s.substr(0, kPrefix.size()) != kPrefix) {
    return std::string("a FHIR oid starts with 'urn:oid:'");
  }
  size_t p = kPrefix.size();
  if (p >= s.size() || s[p] < '0' || s[p] > '2') {
    return Unexpected(s, p, "the first arc of the OID (0, 1 or 2)");
  }
  ++p;
  int arcs = 1;
  while (p < s.size()) {
    if (s[p] != '.') return Unexpected(s, p, "'.' between the arcs of the OID");
    ++p;
    size_t start = p;
    while (p < s.size() && IsDigit(s[p])) ++p;
    if (p == start) return Unexpected(s, p, "a number after '.' in the OID");
    if (s[start] == '0' && p - start > 1) {
      return "an OID arc has no leading zeros (position " + std::to_string(start + 1) + ")";
    }
    ++arcs;
  }
  if (arcs < 2) return std::string("an OID has at least two arcs (urn:oid:1.2)");
  return kValid;
}

// uuid: urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
Reason CheckUuid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (s.substr(0, kPrefix.size()) != kPrefix) {
    return std::string("a FHIR uuid starts with 'urn:uuid:'");
  }
  std::string_view rest = s.substr(kPrefix.size());
  if (rest.size() != 36) {
    return "a FHIR uuid has 36 characters after 'urn:uuid:', this one has " +
           std::to_string(rest.size());
  }
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return Unexpected(s, kPrefix.size() + i, "'-' in the UUID");
    } else if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) {
      return "a FHIR uuid has lowercase hex digits only, found " + Show(c) + " at position " +
             std::to_string(kPrefix.size() + i + 1);
    }
  }
  return kValid;
}

// base64Binary: (\s*([0-9a-zA-Z\+/=]){4}\s*)+  -- groups of four characters, whitespace only
// between groups. On top of the regex, '=' is only padding (RFC 4648, which the datatypes page
// names as the encoding): it may appear only at the end, as "x===" never, "xx==" or "xxx=".
Reason CheckBase64(std::string_view s) {
  size_t p = 0;
  size_t groups = 0;
  bool padded = false;
  while (true) {
    while (p < s.size() && IsRegexSpace(s[p])) ++p;
    if (p == s.size()) break;
    if (padded) return std::string("base64 padding '=' may only end the value");
    size_t start = p;
    int pad = 0;
    for (int i = 0; i < 4; ++i, ++p) {
      if (p >= s.size()) {
        return "base64 comes in groups of 4 characters, the last group has " +
               std::to_string(i);
      }
      char c = s[p];
      bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) ||
                      c == '+' || c == '/';
      if (c == '=') {
        ++pad;
      } else if (alphabet) {
        if (pad > 0) return std::string("base64 padding '=' may only end the value");
      } else if (IsRegexSpace(c)) {
        return "whitespace inside a group of 4 base64 characters (position " +
               std::to_string(p + 1) + ")";
      } else {
        return "base64 may contain only A-Z, a-z, 0-9, '+', '/' and '=', found " + Show(c) +
               " at position " + std::to_string(p + 1);
      }
    }
    if (pad > 2) {
      return "a base64 group has at most two '=' (position " + std::to_string(start + 1) + ")";
    }
    padded = pad > 0;
    ++groups;
  }
  if (groups == 0) return std::string("a FHIR base64Binary has at least one group of 4 characters");
  return kValid;
}

// xhtml: a light check only. The value must be an XHTML <div> element (narrative.html: "the
// root element must be a div"), i.e. after optional surrounding whitespace start with "<div"
// followed by '>', '/' or whitespace, and end with "</div>" (or be one empty "<div .../>").
// Not checked here: XML well-formedness, the XHTML namespace, the allowed elements and
// attributes (txt-1) and non-whitespace content (txt-2).
Reason CheckXhtml(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsRegexSpace(s[b])) ++b;
  while (e > b && IsRegexSpace(s[e - 1])) --e;
  std::string_view t = s.substr(b, e - b);
  if (t.size() < 5 || t.substr(0, 4) != "<div" ||
      !(t[4] == '>' || t[4] == '/' || IsRegexSpace(t[4]))) {
    return std::string("FHIR xhtml must be a <div> element");
  }
  bool closed = (t.size() >= 11 && t.substr(t.size() - 6) == "</div>") ||
                (t.substr(t.size() - 2) == "/>" && t.find('>') == t.size() - 1);
  if (!closed) return std::string("FHIR xhtml must end with </div>");
  return kValid;
}

// ---- numbers ------------------------------------------------------------------------------

struct NumberParts {
  bool negative = false;
  std::string_view integer;   // digits before the point
  std::string_view fraction;  // digits after the point, if any
  bool has_fraction = false;
  bool has_exponent = false;
  long exponent = 0;  // clamped to +-100000
};

// The RFC 8259 number grammar, which is also the R4 decimal regex:
//   -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
Reason ParseJsonNumber(std::string_view s, NumberParts* out) {
  size_t p = 0;
  if (p < s.size() && s[p] == '-') {
    out->negative = true;
    ++p;
  }
  size_t start = p;
  if (p < s.size() && s[p] == '0') {
    ++p;
  } else {
    while (p < s.size() && IsDigit(s[p])) ++p;
  }
  if (p == start) {
    if (p < s.size() && s[p] == '+') return std::string("a JSON number cannot start with '+'");
    return Unexpected(s, p, "a digit");
  }
  if (p < s.size() && IsDigit(s[p])) {
    return std::string("a number has no leading zeros");
  }
  out->integer = s.substr(start, p - start);
  if (p < s.size() && s[p] == '.') {
    ++p;
    size_t f = p;
    while (p < s.size() && IsDigit(s[p])) ++p;
    if (p == f) return Unexpected(s, p, "a digit after the decimal point");
    out->fraction = s.substr(f, p - f);
    out->has_fraction = true;
  }
  if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
    ++p;
    bool negative_exponent = false;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) negative_exponent = s[p++] == '-';
    size_t x = p;
    while (p < s.size() && IsDigit(s[p])) {
      out->exponent = std::min(out->exponent * 10 + (s[p] - '0'), 100000L);
      ++p;
    }
    if (p == x) return Unexpected(s, p, "a digit in the exponent");
    if (negative_exponent) out->exponent = -out->exponent;
    out->has_exponent = true;
  }
  if (p != s.size()) return Unexpected(s, p, "the end of the number");
  return kValid;
}

// The power of ten of the leading non-zero digit (1.5e3 -> 3, 0.015 -> -2); 0 for zero.
long DecimalExponent(const NumberParts& parts) {
  if (parts.integer != "0") return static_cast<long>(parts.integer.size()) - 1 + parts.exponent;
  size_t k = parts.fraction.find_first_not_of('0');
  if (k == std::string_view::npos) return 0;
  return -static_cast<long>(k) - 1 + parts.exponent;
}

std::string RangeText(Primitive type) {
  switch (type) {
    case Primitive::kUnsignedInt: return "0 to 2147483647";
    case Primitive::kPositiveInt: return "1 to 2147483647";
    default: return "-2147483648 to 2147483647";
  }
}

std::string OutOfRange(Primitive type, std::string_view shown) {
  return std::string(shown) + " is out of range for a FHIR " + std::string(PrimitiveName(type)) +
         " (" + RangeText(type) + ")";
}

// The range rule for a value that fits in int64.
Reason CheckIntRange(Primitive type, int64_t v, std::string_view shown) {
  int64_t low = type == Primitive::kUnsignedInt   ? 0
                : type == Primitive::kPositiveInt ? 1
                                                  : std::numeric_limits<int32_t>::min();
  if (v < low || v > std::numeric_limits<int32_t>::max()) return OutOfRange(type, shown);
  return kValid;
}

const char* ExpectedKind(Primitive type) {
  if (type == Primitive::kBoolean) return "a JSON boolean (true or false)";
  if (IsNumberPrimitive(type)) return "a JSON number";
  return "a JSON string";
}

std::string WrongKind(Primitive type, const char* found) {
  return std::string("a FHIR ") + std::string(PrimitiveName(type)) + " must be " +
         ExpectedKind(type) + ", not " + found;
}

Reason CheckIntegerValue(Primitive type, const rapidjson::Value& v) {
  if (v.IsInt64()) return CheckIntRange(type, v.GetInt64(), std::to_string(v.GetInt64()));
  if (v.IsUint64()) return OutOfRange(type, std::to_string(v.GetUint64()));
  // A double: written with a point or an exponent, or an integer beyond 64 bits.
  double d = v.GetDouble();
  if (std::trunc(d) == d && std::fabs(d) >= 9.2e18) {
    return OutOfRange(type, "the number");
  }
  return std::string("a FHIR ") + std::string(PrimitiveName(type)) +
         " is a whole number written without a decimal point or exponent";
}

}  // namespace

std::optional<Primitive> PrimitiveFromName(std::string_view name) {
  struct Entry {
    std::string_view name;
    Primitive type;
  };
  static constexpr Entry kNames[] = {
      {"boolean", Primitive::kBoolean},         {"integer", Primitive::kInteger},
      {"string", Primitive::kString},           {"decimal", Primitive::kDecimal},
      {"uri", Primitive::kUri},                 {"url", Primitive::kUrl},
      {"canonical", Primitive::kCanonical},     {"base64Binary", Primitive::kBase64Binary},
      {"instant", Primitive::kInstant},         {"date", Primitive::kDate},
      {"dateTime", Primitive::kDateTime},       {"time", Primitive::kTime},
      {"code", Primitive::kCode},               {"oid", Primitive::kOid},
      {"id", Primitive::kId},                   {"markdown", Primitive::kMarkdown},
      {"unsignedInt", Primitive::kUnsignedInt}, {"positiveInt", Primitive::kPositiveInt},
      {"uuid", Primitive::kUuid},               {"xhtml", Primitive::kXhtml},
  };
  for (const Entry& e : kNames) {
    if (e.name == name) return e.type;
  }
  return std::nullopt;
}

std::string_view PrimitiveName(Primitive type) {
  switch (type) {
    case Primitive::kBoolean: return "boolean";
    case Primitive::kInteger: return "integer";
    case Primitive::kString: return "string";
    case Primitive::kDecimal: return "decimal";
    case Primitive::kUri: return "uri";
    case Primitive::kUrl: return "url";
    case Primitive::kCanonical: return "canonical";
    case Primitive::kBase64Binary: return "base64Binary";
    case Primitive::kInstant: return "instant";
    case Primitive::kDate: return "date";
    case Primitive::kDateTime: return "dateTime";
    case Primitive::kTime: return "time";
    case Primitive::kCode: return "code";
    case Primitive::kOid: return "oid";
    case Primitive::kId: return "id";
    case Primitive::kMarkdown: return "markdown";
    case Primitive::kUnsignedInt: return "unsignedInt";
    case Primitive::kPositiveInt: return "positiveInt";
    case Primitive::kUuid: return "uuid";
    case Primitive::kXhtml: return "xhtml";
  }
  return "unknown primitive";
}

bool IsNumberPrimitive(Primitive type) {
  return type == Primitive::kInteger || type == Primitive::kUnsignedInt ||
         type == Primitive::kPositiveInt || type == Primitive::kDecimal;
}

std::optional<std::string> CheckPrimitive(Primitive type, const rapidjson::Value& value) {
  if (type == Primitive::kBoolean) {
    return value.IsBool() ? kValid : Reason(WrongKind(type, mappers::JsonTypeName(value)));
  }
  if (IsNumberPrimitive(type)) {
    if (!value.IsNumber()) return WrongKind(type, mappers::JsonTypeName(value));
    if (type == Primitive::kDecimal) {
      // RapidJSON refuses most numbers beyond double range, but rounds some (1.8e308) to inf.
      if (value.IsDouble() && !std::isfinite(value.GetDouble())) {
        return std::string("decimal is beyond the range of a 64-bit floating point number "
                           "(about 1.8e308)");
      }
      return kValid;
    }
    return CheckIntegerValue(type, value);
  }
  if (!value.IsString()) return WrongKind(type, mappers::JsonTypeName(value));
  return CheckStringText(type, std::string_view(value.GetString(), value.GetStringLength()));
}

std::optional<std::string> CheckNumberText(Primitive type, std::string_view text) {
  if (!IsNumberPrimitive(type)) return WrongKind(type, "a number");
  NumberParts parts;
  if (Reason r = ParseJsonNumber(text, &parts)) {
    return "'" + std::string(text.substr(0, 40)) + "' is not a JSON number: " + *r;
  }
  if (type == Primitive::kDecimal) {
    double d;
    std::errc ec = std::from_chars(text.data(), text.data() + text.size(), d).ec;
    if (ec == std::errc::result_out_of_range && DecimalExponent(parts) >= 0) {
      // Too large for a double. (Too small rounds to zero, which keeps a valid decimal.)
      return "decimal " + std::string(text.substr(0, 40)) +
             " is beyond the range of a 64-bit floating point number (about 1.8e308)";
    }
    return kValid;
  }
  if (parts.has_fraction || parts.has_exponent) {
    return std::string("a FHIR ") + std::string(PrimitiveName(type)) +
           " is a whole number written without a decimal point or exponent";
  }
  if (parts.negative && type != Primitive::kInteger) {
    // The regexes of unsignedInt ([0]|([1-9][0-9]*)) and positiveInt ([1-9][0-9]*) have no
    // sign at all, so even "-0" is out.
    return std::string("a FHIR ") + std::string(PrimitiveName(type)) + " has no minus sign";
  }
  if (parts.integer.size() > 10) return OutOfRange(type, text.substr(0, 40));
  int64_t v = 0;
  for (char c : parts.integer) v = v * 10 + (c - '0');
  return CheckIntRange(type, parts.negative ? -v : v, text);
}

std::optional<std::string> CheckStringText(Primitive type, std::string_view text) {
  if (type == Primitive::kBoolean || IsNumberPrimitive(type)) {
    return WrongKind(type, "a string");
  }
  if (text.empty()) {
    return std::string("a FHIR ") + std::string(PrimitiveName(type)) +
           " may not be an empty string (leave the element out instead)";
  }
  switch (type) {
    case Primitive::kString:
    case Primitive::kMarkdown: return CheckStringLike(text, type);
    case Primitive::kUri:
    case Primitive::kUrl:
    case Primitive::kCanonical: return CheckUriLike(text, type);
    case Primitive::kBase64Binary: return CheckBase64(text);
    case Primitive::kInstant: return CheckDateLike(text, DateForm::kInstant);
    case Primitive::kDate: return CheckDateLike(text, DateForm::kDate);
    case Primitive::kDateTime: return CheckDateLike(text, DateForm::kDateTime);
    case Primitive::kTime: return CheckTime(text);
    case Primitive::kCode: return CheckCode(text);
    case Primitive::kOid: return CheckOid(text);
    case Primitive::kId: return CheckId(text);
    case Primitive::kUuid: return CheckUuid(text);
    case Primitive::kXhtml: return CheckXhtml(text);
    default: break;  // boolean and numbers handled above
  }
  return kValid;
}

}  // namespace trialgate::validation
