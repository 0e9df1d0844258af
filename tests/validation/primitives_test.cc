#include "gateway/validation/primitives.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/reader.h"

namespace trialgate::validation {
namespace {

using ::testing::HasSubstr;

// The shared fixtures live outside the repository (../shared/fixtures). Where they are absent
// the tests that read them are skipped, with the reason; in CI (CI set) that is a failure.
// (The same rule as TRIALGATE_REQUIRE_FIXTURES in tests/mappers/mapper_test_util.h.)
#define TRIALGATE_REQUIRE_PRIMITIVE_FIXTURES()                                            \
  do {                                                                                    \
    if (!std::filesystem::exists(PrimitivesDir())) {                                      \
      if (std::getenv("CI") != nullptr) FAIL() << "fixtures missing: " << PrimitivesDir(); \
      GTEST_SKIP() << "fixtures not found at " << PrimitivesDir();                        \
    }                                                                                     \
  } while (0)

std::string PrimitivesDir() { return std::string(TRIALGATE_FIXTURES_DIR) + "/fhir-r4/primitives"; }

// ---- classifying one JSON text, both ways -------------------------------------------------

// A SAX handler that keeps the one top-level value of a document parsed with
// kParseNumbersAsStringsFlag, so that a number arrives as its source text (RawNumber) and can be
// told apart from a string, which a DOM parsed with that flag cannot do.
struct ScalarCapture : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ScalarCapture> {
  enum class Kind { kNone, kNull, kBool, kNumber, kString, kContainer };
  Kind kind = Kind::kNone;
  std::string text;
  int depth = 0;

  bool Null() { return Top(Kind::kNull, {}); }
  bool Bool(bool) { return Top(Kind::kBool, {}); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return Top(Kind::kNumber, std::string_view(s, n));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return Top(Kind::kString, std::string_view(s, n));
  }
  bool StartObject() { return Open(); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() { return Open(); }
  bool EndArray(rapidjson::SizeType) { return Close(); }
  bool Key(const char*, rapidjson::SizeType, bool) { return true; }
  bool Default() { return true; }

  bool Top(Kind k, std::string_view t) {
    if (depth == 0) {
      kind = k;
      text = std::string(t);
    }
    return true;
  }
  bool Open() {
    if (depth++ == 0) kind = Kind::kContainer;
    return true;
  }
  bool Close() {
    --depth;
    return true;
  }
};

struct Verdict {
  bool json_ok = false;
  std::optional<std::string> reason;  // nullopt: accepted
  bool accepted() const { return json_ok && !reason.has_value(); }
};

// DOM path: kParseFullPrecisionFlag, CheckPrimitive on the value.
Verdict ClassifyDom(Primitive type, const std::string& json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError()) return {false, std::string("not JSON")};
  return {true, CheckPrimitive(type, doc)};
}

// Text path: numbers as their source text (CheckNumberText), strings as their contents
// (CheckStringText); other JSON kinds through CheckPrimitive on a DOM value of that kind.
Verdict ClassifyText(Primitive type, const std::string& json) {
  rapidjson::Reader reader;
  ScalarCapture capture;
  rapidjson::StringStream in(json.c_str());
  if (reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(in, capture).IsError()) {
    return {false, std::string("not JSON")};
  }
  switch (capture.kind) {
    case ScalarCapture::Kind::kNumber: return {true, CheckNumberText(type, capture.text)};
    case ScalarCapture::Kind::kString: return {true, CheckStringText(type, capture.text)};
    default: return ClassifyDom(type, json);
  }
}

// ---- the google/fhir vectors -------------------------------------------------------------

struct TypeFile {
  const char* stem;  // google-<stem>.{valid,invalid}.ndjson
  Primitive type;
};

void PrintTo(const TypeFile& tf, std::ostream* os) { *os << tf.stem; }

constexpr TypeFile kTypeFiles[] = {
    {"base64_binary", Primitive::kBase64Binary}, {"boolean", Primitive::kBoolean},
    {"canonical", Primitive::kCanonical},         {"code", Primitive::kCode},
    {"date", Primitive::kDate},                   {"date_time", Primitive::kDateTime},
    {"decimal", Primitive::kDecimal},             {"id", Primitive::kId},
    {"instant", Primitive::kInstant},             {"integer", Primitive::kInteger},
    {"markdown", Primitive::kMarkdown},           {"oid", Primitive::kOid},
    {"positive_int", Primitive::kPositiveInt},    {"string", Primitive::kString},
    {"time", Primitive::kTime},                   {"unsigned_int", Primitive::kUnsignedInt},
    {"uri", Primitive::kUri},                     {"url", Primitive::kUrl},
    {"uuid", Primitive::kUuid},                   {"xhtml", Primitive::kXhtml},
};

// Vectors whose file name disagrees with the R4 specification, and what we do instead. Each is
// named by file and line and carries the line's text, so that a changed fixture file fails here
// instead of silently shifting an exception onto another vector.
struct Disagreement {
  const char* file;
  int line;
  const char* text;
  bool accepted;  // our verdict
  const char* why;
};

// google/fhir reads JSON null as "element absent", so its valid files start with null. In FHIR's
// JSON format a primitive's value is never null (http://hl7.org/fhir/R4/json.html: null is only
// a placeholder inside an array of primitives that has a matching "_name" array, which the
// structural validator handles); a null value is not a valid primitive.
constexpr char kNullWhy[] =
    "JSON null is not a primitive value in FHIR R4 JSON (json.html); google/fhir treats it as "
    "absent";

constexpr Disagreement kDisagreements[] = {
    {"google-base64_binary.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-boolean.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-canonical.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-code.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-date.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-date_time.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-decimal.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-id.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-instant.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-integer.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-markdown.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-oid.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-positive_int.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-string.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-time.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-unsigned_int.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-uri.valid.ndjson", 1, "null", false, kNullWhy},
    {"google-url.valid.ndjson", 1, "null", false, kNullWhy},
    // xhtml.value is 1..1 in the R4 xhtml StructureDefinition and Narrative.div must be a <div>
    // with non-whitespace content (txt-2); an empty string is neither.
    {"google-xhtml.valid.ndjson", 2, "\"\"", false,
     "empty xhtml: the value must be a <div> element (xhtml.value 1..1, txt-2)"},
};

const Disagreement* FindDisagreement(const std::string& file, int line) {
  for (const Disagreement& d : kDisagreements) {
    if (file == d.file && line == d.line) return &d;
  }
  return nullptr;
}

struct Line {
  int number;  // 1-based
  std::string text;
};

// The non-empty lines of a file (the last one may lack its newline).
std::vector<Line> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<Line> lines;
  std::string text;
  for (int n = 1; std::getline(in, text); ++n) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (!text.empty()) lines.push_back({n, text});
  }
  return lines;
}

class GoogleVectorsTest : public ::testing::TestWithParam<TypeFile> {};

// Every line of google-<type>.valid.ndjson is accepted and every line of .invalid.ndjson
// rejected, by the DOM path and the text path alike, except the listed disagreements.
void CheckVectorFile(const TypeFile& tf, bool valid_file, int* disagreements_seen) {
  const std::string file =
      std::string("google-") + tf.stem + (valid_file ? ".valid.ndjson" : ".invalid.ndjson");
  const std::vector<Line> lines = ReadLines(PrimitivesDir() + "/" + file);
  for (const Line& line : lines) {
    const std::string where = file + ":" + std::to_string(line.number) + " " + line.text;
    Verdict dom = ClassifyDom(tf.type, line.text);
    Verdict text = ClassifyText(tf.type, line.text);
    EXPECT_EQ(dom.accepted(), text.accepted())
        << where << ": the DOM and text paths disagree (DOM: " << dom.reason.value_or("valid")
        << "; text: " << text.reason.value_or("valid") << ")";
    bool expected = valid_file;
    if (const Disagreement* d = FindDisagreement(file, line.number)) {
      EXPECT_EQ(line.text, d->text) << where << ": the fixture changed under a listed exception";
      expected = d->accepted;
      ++*disagreements_seen;
    }
    if (expected) {
      EXPECT_TRUE(dom.accepted()) << where << ": rejected: " << dom.reason.value_or("");
    } else {
      EXPECT_FALSE(dom.accepted()) << where << ": accepted";
    }
  }
  if (valid_file) {
    EXPECT_FALSE(lines.empty()) << file << " has no vectors";
  }
}

TEST_P(GoogleVectorsTest, ClassifiesEveryVector) {
  TRIALGATE_REQUIRE_PRIMITIVE_FIXTURES();
  int seen = 0;
  CheckVectorFile(GetParam(), /*valid_file=*/true, &seen);
  CheckVectorFile(GetParam(), /*valid_file=*/false, &seen);
  int listed = 0;
  for (const Disagreement& d : kDisagreements) {
    if (std::string(d.file).find(std::string("google-") + GetParam().stem + ".") == 0) ++listed;
  }
  EXPECT_EQ(seen, listed) << "a listed disagreement names a line that is not in the file";
}

INSTANTIATE_TEST_SUITE_P(AllPrimitives, GoogleVectorsTest, ::testing::ValuesIn(kTypeFiles),
                         [](const ::testing::TestParamInfo<TypeFile>& info) {
                           return std::string(info.param.stem);
                         });

// No vector file goes unread: every google-*.ndjson is one of the 20 primitives above or the
// Reference files handled below.
TEST(GoogleVectorsTest, EveryFileIsCovered) {
  TRIALGATE_REQUIRE_PRIMITIVE_FIXTURES();
  std::set<std::string> known = {"google-reference.valid.ndjson",
                                 "google-reference.invalid.ndjson"};
  for (const TypeFile& tf : kTypeFiles) {
    known.insert(std::string("google-") + tf.stem + ".valid.ndjson");
    known.insert(std::string("google-") + tf.stem + ".invalid.ndjson");
  }
  std::set<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(PrimitivesDir())) {
    found.insert(entry.path().filename().string());
  }
  EXPECT_EQ(found, known);
}

// Reference is a complex type, not a primitive, so it has no CheckPrimitive. What this module
// can check of those vectors is their primitive members: Reference.reference and
// Reference.display are FHIR strings. The invalid vectors are invalid because of unknown
// members ("uri", "patient_id", "patientId"), which is the structural validator's rule
// (unknown elements); this test only verifies that each does carry a member that Reference does
// not define, so that the claim stays true.
TEST(GoogleVectorsTest, ReferenceVectorsPrimitiveMembers) {
  TRIALGATE_REQUIRE_PRIMITIVE_FIXTURES();
  const std::set<std::string> reference_elements = {"id",   "extension",  "reference",
                                                    "type", "identifier", "display"};
  for (const Line& line : ReadLines(PrimitivesDir() + "/google-reference.valid.ndjson")) {
    rapidjson::Document doc;
    doc.Parse(line.text.c_str());
    ASSERT_TRUE(doc.IsObject()) << "valid:" << line.number;
    // Indexed, not range-for: RapidJSON 1.1's member iterator comparisons are ambiguous in
    // C++20 under clang (-Wambiguous-reversed-operator).
    for (rapidjson::SizeType i = 0; i < doc.MemberCount(); ++i) {
      const auto& m = *(doc.MemberBegin() + i);
      std::string name = m.name.GetString();
      EXPECT_TRUE(reference_elements.count(name)) << "valid:" << line.number << " " << name;
      if (name == "reference" || name == "display") {
        EXPECT_EQ(CheckPrimitive(Primitive::kString, m.value), std::nullopt)
            << "valid:" << line.number << " " << line.text;
      }
    }
  }
  for (const Line& line : ReadLines(PrimitivesDir() + "/google-reference.invalid.ndjson")) {
    rapidjson::Document doc;
    doc.Parse(line.text.c_str());
    ASSERT_TRUE(doc.IsObject()) << "invalid:" << line.number;
    bool has_unknown = false;
    for (rapidjson::SizeType i = 0; i < doc.MemberCount(); ++i) {
      has_unknown |= reference_elements.count((doc.MemberBegin() + i)->name.GetString()) == 0;
    }
    EXPECT_TRUE(has_unknown) << "invalid:" << line.number << " " << line.text;
  }
}

// ---- our own cases -----------------------------------------------------------------------

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\u000b"; break;
      case '\f': out += "\\f"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// Checks a string primitive both as a JSON string value and as text.
std::optional<std::string> CheckString(Primitive type, std::string_view s) {
  rapidjson::Value v(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  auto dom = CheckPrimitive(type, v);
  auto text = CheckStringText(type, s);
  EXPECT_EQ(dom, text) << PrimitiveName(type) << " " << Quote(s);
  return dom;
}

struct Case {
  Primitive type;
  std::string json;  // one JSON value
  bool valid;
};

void ExpectCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    Verdict dom = ClassifyDom(c.type, c.json);
    Verdict text = ClassifyText(c.type, c.json);
    EXPECT_EQ(dom.accepted(), c.valid)
        << PrimitiveName(c.type) << " " << c.json << " (DOM): " << dom.reason.value_or("valid");
    EXPECT_EQ(text.accepted(), c.valid)
        << PrimitiveName(c.type) << " " << c.json << " (text): " << text.reason.value_or("valid");
  }
}

TEST(PrimitiveNamesTest, RoundTripsEveryPrimitive) {
  for (const TypeFile& tf : kTypeFiles) {
    std::string_view name = PrimitiveName(tf.type);
    EXPECT_EQ(PrimitiveFromName(name), tf.type) << name;
  }
  EXPECT_EQ(PrimitiveFromName("dateTime"), Primitive::kDateTime);
  EXPECT_EQ(PrimitiveFromName("positiveInt"), Primitive::kPositiveInt);
  EXPECT_EQ(PrimitiveFromName("base64Binary"), Primitive::kBase64Binary);
  EXPECT_EQ(PrimitiveFromName("DateTime"), std::nullopt);
  EXPECT_EQ(PrimitiveFromName("Reference"), std::nullopt);
  EXPECT_EQ(PrimitiveFromName("http://hl7.org/fhirpath/System.String"), std::nullopt);
  EXPECT_EQ(PrimitiveFromName(""), std::nullopt);
}

TEST(CheckPrimitiveTest, NullArraysAndObjectsAreNeverAPrimitive) {
  for (const TypeFile& tf : kTypeFiles) {
    for (const char* json : {"null", "[]", "[\"a\"]", "{}", "{\"value\":1}"}) {
      Verdict v = ClassifyDom(tf.type, json);
      EXPECT_FALSE(v.accepted()) << PrimitiveName(tf.type) << " " << json;
      EXPECT_THAT(v.reason.value_or(""), HasSubstr("must be a JSON")) << json;
    }
  }
}

TEST(CheckPrimitiveTest, EmptyStringIsNeverAPrimitive) {
  for (const TypeFile& tf : kTypeFiles) {
    EXPECT_FALSE(ClassifyDom(tf.type, "\"\"").accepted()) << PrimitiveName(tf.type);
    EXPECT_FALSE(ClassifyText(tf.type, "\"\"").accepted()) << PrimitiveName(tf.type);
  }
  EXPECT_THAT(CheckString(Primitive::kCode, "").value_or(""), HasSubstr("empty string"));
}

TEST(CheckPrimitiveTest, JsonKindMustMatch) {
  ExpectCases({
      {Primitive::kBoolean, "true", true},
      {Primitive::kBoolean, "false", true},
      {Primitive::kBoolean, "\"true\"", false},
      {Primitive::kBoolean, "0", false},
      {Primitive::kInteger, "\"5\"", false},
      {Primitive::kDecimal, "\"1.5\"", false},
      {Primitive::kString, "5", false},
      {Primitive::kDate, "20240101", false},
      {Primitive::kCode, "true", false},
  });
  EXPECT_EQ(CheckString(Primitive::kInteger, "5"),
            "a FHIR integer must be a JSON number, not a string");
  EXPECT_EQ(CheckNumberText(Primitive::kString, "5"),
            "a FHIR string must be a JSON string, not a number");
}

TEST(DateTest, CalendarValidity) {
  ExpectCases({
      {Primitive::kDate, "\"2000-02-29\"", true},   // divisible by 400: leap
      {Primitive::kDate, "\"1900-02-29\"", false},  // divisible by 100, not 400: not leap
      {Primitive::kDate, "\"2024-02-29\"", true},
      {Primitive::kDate, "\"2023-02-29\"", false},
      {Primitive::kDate, "\"2023-02-28\"", true},
      {Primitive::kDate, "\"2023-04-31\"", false},
      {Primitive::kDate, "\"2023-12-31\"", true},
      {Primitive::kDate, "\"2023-01-32\"", false},
      {Primitive::kDate, "\"2023-01-00\"", false},
      {Primitive::kDate, "\"2023-13\"", false},
      {Primitive::kDate, "\"2023-00\"", false},
      {Primitive::kDate, "\"0000\"", false},
      {Primitive::kDate, "\"0001\"", true},
      {Primitive::kDate, "\"2023-1-01\"", false},
      {Primitive::kDate, "\"20230101\"", false},
      {Primitive::kDate, "\"203\"", false},
      {Primitive::kDate, "\"2023-01-01T00:00:00Z\"", false},  // a date has no time
      {Primitive::kDate, "\"2023-01-01 \"", false},
      {Primitive::kDateTime, "\"1900-02-29\"", false},
      {Primitive::kDateTime, "\"2000-02-29T12:00:00Z\"", true},
      {Primitive::kInstant, "\"1900-02-29T12:00:00Z\"", false},
  });
  EXPECT_EQ(CheckString(Primitive::kDate, "1900-02-29"), "day 29 does not exist in February 1900");
  EXPECT_EQ(CheckString(Primitive::kDate, "2023-13-01"), "month 13 is out of range (01-12)");
  EXPECT_EQ(CheckString(Primitive::kDate, "0000"), "year 0000 is not allowed");
}

TEST(DateTimeTest, TimesAndZones) {
  ExpectCases({
      {Primitive::kDateTime, "\"2024-01-01T00:00:00Z\"", true},
      {Primitive::kDateTime, "\"2024-01-01T23:59:59.999999+01:00\"", true},
      {Primitive::kDateTime, "\"2024-01-01T24:00:00Z\"", false},
      {Primitive::kDateTime, "\"2024-01-01T23:60:00Z\"", false},
      {Primitive::kDateTime, "\"2024-01-01T23:59:60Z\"", true},  // leap second: the R4 regex
      {Primitive::kDateTime, "\"2024-01-01T23:59:61Z\"", false},
      {Primitive::kDateTime, "\"2024-01-01T10:00Z\"", false},  // seconds required
      {Primitive::kDateTime, "\"2024-01-01T10:00:00\"", false},  // zone required with a time
      {Primitive::kDateTime, "\"2024-01-01T10:00:00.Z\"", false},
      {Primitive::kDateTime, "\"2024-01T10:00:00Z\"", false},  // a time needs a full date
      {Primitive::kDateTime, "\"2024-01-01T\"", false},
      {Primitive::kDateTime, "\"2024-01-01t10:00:00Z\"", false},
      {Primitive::kDateTime, "\"2024-01-01T10:00:00z\"", false},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00+14:00\"", true},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00-14:00\"", true},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00+13:59\"", true},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00+14:01\"", false},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00+15:00\"", false},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00+05:60\"", false},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00+0500\"", false},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00+05\"", false},
      {Primitive::kDateTime, "\"2024-01-01T00:00:00Z \"", false},
      {Primitive::kDateTime, "\"2024\"", true},
      {Primitive::kDateTime, "\"2024-02\"", true},
      {Primitive::kInstant, "\"2024-01-01T00:00:00Z\"", true},
      {Primitive::kInstant, "\"2024-01-01T00:00:00.123456789+05:30\"", true},
      {Primitive::kInstant, "\"2024-01-01T00:00:00\"", false},
      {Primitive::kInstant, "\"2024-01-01\"", false},
      {Primitive::kInstant, "\"2024\"", false},
      {Primitive::kInstant, "\"2024-01-01T00:00:00+15:00\"", false},
  });
  EXPECT_EQ(CheckString(Primitive::kDateTime, "2024-01-01T24:00:00Z"),
            "hour 24 is out of range (00-23)");
  EXPECT_EQ(CheckString(Primitive::kDateTime, "2024-01-01T00:00:00+15:00"),
            "time zone offset +15:00 is out of range (-14:00 to +14:00)");
  EXPECT_THAT(CheckString(Primitive::kDateTime, "2024-01-01T10:00:00").value_or(""),
              HasSubstr("must have a time zone"));
}

TEST(TimeTest, ClockOnly) {
  ExpectCases({
      {Primitive::kTime, "\"00:00:00\"", true},
      {Primitive::kTime, "\"23:59:59.5\"", true},
      {Primitive::kTime, "\"23:59:60\"", true},  // the R4 regex's leap second
      {Primitive::kTime, "\"24:00:00\"", false},
      {Primitive::kTime, "\"12:05\"", false},
      {Primitive::kTime, "\"12:05:00Z\"", false},
      {Primitive::kTime, "\"12:05:00+01:00\"", false},
      {Primitive::kTime, "\"1:05:00\"", false},
      {Primitive::kTime, "\"12:5:00\"", false},
      {Primitive::kTime, "\"12:05:00.\"", false},
  });
  EXPECT_EQ(CheckString(Primitive::kTime, "12:05"), "seconds are required (hh:mm:ss)");
  EXPECT_EQ(CheckString(Primitive::kTime, "12:05:00Z"), "a FHIR time has no time zone");
}

TEST(IntegerTest, RangesAndForms) {
  ExpectCases({
      {Primitive::kInteger, "0", true},
      {Primitive::kInteger, "-0", true},  // the R4 integer regex -?([0]|([1-9][0-9]*)) allows it
      {Primitive::kInteger, "2147483647", true},
      {Primitive::kInteger, "-2147483648", true},
      {Primitive::kInteger, "2147483648", false},
      {Primitive::kInteger, "-2147483649", false},
      {Primitive::kInteger, "9223372036854775808", false},
      {Primitive::kInteger, "123456789012345678901234567890", false},
      {Primitive::kInteger, "1.0", false},
      {Primitive::kInteger, "1e2", false},
      {Primitive::kInteger, "007", false},  // leading zeros: not JSON, not the regex
      {Primitive::kInteger, "+1", false},
      {Primitive::kUnsignedInt, "0", true},
      {Primitive::kUnsignedInt, "2147483647", true},
      {Primitive::kUnsignedInt, "2147483648", false},
      {Primitive::kUnsignedInt, "-1", false},
      {Primitive::kPositiveInt, "1", true},
      {Primitive::kPositiveInt, "2147483647", true},
      {Primitive::kPositiveInt, "0", false},
      {Primitive::kPositiveInt, "-0", false},
      {Primitive::kPositiveInt, "2147483648", false},
  });
  EXPECT_EQ(CheckNumberText(Primitive::kInteger, "2147483648"),
            "2147483648 is out of range for a FHIR integer (-2147483648 to 2147483647)");
  EXPECT_THAT(CheckNumberText(Primitive::kInteger, "007").value_or(""), HasSubstr("leading zeros"));
  EXPECT_THAT(CheckNumberText(Primitive::kInteger, "1.0").value_or(""),
              HasSubstr("without a decimal point"));
}

// unsignedInt's regex [0]|([1-9][0-9]*) has no sign, so "-0" is not an unsignedInt. The text
// path sees it; a RapidJSON DOM stores -0 as the integer 0 and cannot (documented in the header).
TEST(IntegerTest, MinusZeroUnsignedIntNeedsTheText) {
  EXPECT_EQ(CheckNumberText(Primitive::kUnsignedInt, "-0"), "a FHIR unsignedInt has no minus sign");
  EXPECT_EQ(CheckNumberText(Primitive::kUnsignedInt, "0"), std::nullopt);
  Verdict dom = ClassifyDom(Primitive::kUnsignedInt, "-0");
  EXPECT_TRUE(dom.accepted()) << "if RapidJSON starts keeping -0 apart, tighten the DOM path";
}

TEST(DecimalTest, TextKeepsPrecisionAndFollowsTheRegex) {
  ExpectCases({
      {Primitive::kDecimal, "1.50", true},
      {Primitive::kDecimal, "0", true},
      {Primitive::kDecimal, "-0", true},
      {Primitive::kDecimal, "-0.0", true},
      {Primitive::kDecimal, "3.1415926535897932384626433832795028841971", true},
      {Primitive::kDecimal, "1E+2", true},  // the R4 regex allows an exponent
      {Primitive::kDecimal, "1e-400", true},
      {Primitive::kDecimal, "1.7976931348623157e308", true},
      {Primitive::kDecimal, "123456789012345678901234567890", true},
      {Primitive::kDecimal, "1e400", false},
      {Primitive::kDecimal, "1.8e308", false},
      {Primitive::kDecimal, "01", false},
      {Primitive::kDecimal, ".5", false},
      {Primitive::kDecimal, "1.", false},
      {Primitive::kDecimal, "+1", false},
      {Primitive::kDecimal, "1e", false},
      {Primitive::kDecimal, "NaN", false},
  });
  EXPECT_EQ(CheckNumberText(Primitive::kDecimal, "1.50"), std::nullopt);
  EXPECT_EQ(CheckNumberText(Primitive::kDecimal, "0.000e999999999999"), std::nullopt);
  EXPECT_EQ(CheckNumberText(Primitive::kDecimal, "0.0001e-999999999999"), std::nullopt);
  EXPECT_THAT(CheckNumberText(Primitive::kDecimal, "1e400").value_or(""),
              HasSubstr("beyond the range"));
  EXPECT_THAT(CheckNumberText(Primitive::kDecimal, "1 ").value_or(""),
              HasSubstr("not a JSON number"));
  EXPECT_THAT(CheckNumberText(Primitive::kDecimal, "").value_or(""),
              HasSubstr("not a JSON number"));
}

TEST(CodeTest, Whitespace) {
  EXPECT_EQ(CheckString(Primitive::kCode, "a"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kCode, "a b c"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kCode, "1234.5"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kCode, "Zürich"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kCode, "a  b"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kCode, "a\tb"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kCode, "a\nb"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kCode, " a"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kCode, "a "), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kCode, " "), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kCode, " a"), "a FHIR code may not start with whitespace");
}

TEST(IdTest, CharactersAndLength) {
  EXPECT_EQ(CheckString(Primitive::kId, std::string(64, 'a')), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kId, "A-z.0-9"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kId, std::string(65, 'a')),
            "a FHIR id has at most 64 characters, this one has 65");
  EXPECT_NE(CheckString(Primitive::kId, "a_b"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kId, "a b"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kId, "a/b"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kId, "é"), std::nullopt);
}

TEST(StringTest, ContentAndLength) {
  EXPECT_EQ(CheckString(Primitive::kString, " "), std::nullopt);  // [ \r\n\t\S]+ matches
  EXPECT_EQ(CheckString(Primitive::kString, "a\r\n\tb"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kString, "a\vb"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kMarkdown, "a\fb"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kMarkdown, "# Title\n\n*text*"), std::nullopt);
  std::string max(kMaxStringCharacters, 'x');
  EXPECT_EQ(CheckString(Primitive::kString, max), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kString, max + "x"), std::nullopt);
  // The limit counts characters, not bytes: 1048576 two-byte characters are allowed.
  std::string wide;
  for (size_t i = 0; i < kMaxStringCharacters; ++i) wide += "é";
  EXPECT_EQ(CheckString(Primitive::kString, wide), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kString, wide + "é"), std::nullopt);
}

TEST(UriTest, NoWhitespace) {
  for (Primitive t : {Primitive::kUri, Primitive::kUrl, Primitive::kCanonical}) {
    EXPECT_EQ(CheckString(t, "http://example.org/fhir/ValueSet/x|1.0"), std::nullopt);
    EXPECT_EQ(CheckString(t, "urn:uuid:53fefa32-fcbb-4ff8-8a92-55ee120877b7"), std::nullopt);
    EXPECT_NE(CheckString(t, "http://example.org/a b"), std::nullopt);
    EXPECT_NE(CheckString(t, " "), std::nullopt);
    EXPECT_NE(CheckString(t, "a\tb"), std::nullopt);
  }
}

TEST(OidTest, Arcs) {
  EXPECT_EQ(CheckString(Primitive::kOid, "urn:oid:1.2.3.4.5"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kOid, "urn:oid:2.16.840.1.113883.6.1"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kOid, "urn:oid:0.0"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kOid, "urn:oid:3.1"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kOid, "urn:oid:1"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kOid, "urn:oid:1.02"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kOid, "urn:oid:1..2"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kOid, "urn:oid:1.2."), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kOid, "1.2.3"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kOid, "URN:OID:1.2"), std::nullopt);
}

TEST(UuidTest, LowercaseUrnOnly) {
  EXPECT_EQ(CheckString(Primitive::kUuid, "urn:uuid:87e11d66-c137-458a-9754-fe6c4e445a6d"),
            std::nullopt);
  EXPECT_NE(CheckString(Primitive::kUuid, "urn:uuid:87E11D66-C137-458A-9754-FE6C4E445A6D"),
            std::nullopt);
  EXPECT_NE(CheckString(Primitive::kUuid, "87e11d66-c137-458a-9754-fe6c4e445a6d"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kUuid, "urn:uuid:87e11d66-c137-458a-9754-fe6c4e445a6"),
            std::nullopt);
  EXPECT_NE(CheckString(Primitive::kUuid, "urn:uuid:87e11d66c137-458a-9754-fe6c4e445a6d0"),
            std::nullopt);
  EXPECT_NE(CheckString(Primitive::kUuid, "urn:uuid:87e11d66-c137-458a-9754-fe6c4e445a6g"),
            std::nullopt);
}

TEST(Base64Test, GroupsAndPadding) {
  EXPECT_EQ(CheckString(Primitive::kBase64Binary, "YQ=="), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kBase64Binary, "YWI="), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kBase64Binary, "YWJj"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kBase64Binary, "a+/b"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kBase64Binary, "YWJj\r\nZGVm\n"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kBase64Binary, " YWJj "), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kBase64Binary, "YWJ"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kBase64Binary, "YW Jj"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kBase64Binary, "Y==="), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kBase64Binary, "YQ==YWJj"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kBase64Binary, "Y=Jj"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kBase64Binary, "YW-j"), std::nullopt);  // base64url
  EXPECT_NE(CheckString(Primitive::kBase64Binary, "   "), std::nullopt);
}

TEST(XhtmlTest, LightDivCheck) {
  EXPECT_EQ(CheckString(Primitive::kXhtml,
                        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x</p></div>"),
            std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kXhtml, "<div>text</div>"), std::nullopt);
  EXPECT_EQ(CheckString(Primitive::kXhtml, "\n<div>text</div>\n"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kXhtml, "text"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kXhtml, "<p>text</p>"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kXhtml, "<divx>text</divx>"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kXhtml, "<div>text"), std::nullopt);
  EXPECT_NE(CheckString(Primitive::kXhtml, "<div>"), std::nullopt);
}

}  // namespace
}  // namespace trialgate::validation
