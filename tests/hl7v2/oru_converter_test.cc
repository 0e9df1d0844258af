// ORU^R01 -> FHIR R4: hand-written study messages (testdata/oru/*.hl7) convert to the exact
// Bundles of golden/*.json, which pass the real validator (R4 + study profiles) and map to the
// expected LabResult events; a correction or deletion keeps the original's id; problems come
// back as issues with their HL7 location; every message of the shared fixtures converts or
// yields issues; `trialgate hl7 convert` works.
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gateway/hl7v2/charset.h"
#include "gateway/hl7v2/hl7_datetime.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/oru_converter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mappers/mapper.h"
#include "rapidjson/document.h"
#include "tests/hl7v2/conversion_test_util.h"
#include "tests/mappers/mapper_test_util.h"
#include "tests/support/golden.h"
#include "tests/validation/validation_test_util.h"

namespace trialgate::hl7v2 {
namespace {

namespace fs = std::filesystem;

using testing::ConvertText;
using testing::Describe;
using testing::Read;
using testing::StudyOptions;

const fs::path kDir = testing::TestDir();

// Converts testdata/oru/<name>.hl7 with ConvertOruR01 (the ORU converter itself; the dispatch is
// tested in ras_converter_test.cc).
ConversionResult ConvertFile(const std::string& name) {
  absl::StatusOr<Message> message = Message::Parse(Read(kDir / "testdata" / "oru" / (name + ".hl7")));
  EXPECT_TRUE(message.ok()) << message.status();
  if (!message.ok()) return {};
  return ConvertOruR01(*message, StudyOptions());
}

// The LabResult events of every entry of a converted Bundle, mapped as example-hospital.
std::vector<v1::LabResult> MapBundle(const std::string& bundle_json) {
  std::vector<v1::LabResult> labs;
  for (const v1::Event& event : testing::MapBundleEvents(bundle_json)) {
    labs.push_back(event.lab_result());
  }
  return labs;
}

class OruGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OruGoldenTest, ConvertsToTheGoldenBundleThatValidatesAndMaps) {
  const std::string name = GetParam();
  ConversionResult result = ConvertFile(name);
  ASSERT_TRUE(result.ok()) << Describe(result.issues);
  trialgate::testing::ExpectMatchesGolden(name, (kDir / "golden" / (name + ".json")).string(),
                                          result.bundle_json);
  std::vector<Issue> errors =
      validation::testing::Errors(validation::testing::ValidateJson(result.bundle_json));
  EXPECT_TRUE(errors.empty()) << validation::testing::Describe(errors);
  EXPECT_FALSE(MapBundle(result.bundle_json).empty());
}

INSTANTIATE_TEST_SUITE_P(StudyMessages, OruGoldenTest,
                         ::testing::Values("anc-loinc", "m-protein-local-code", "sn-less-than",
                                           "cwe-and-string", "corrected", "deleted"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

TEST(OruConverterTest, AncByLoincMapsToTheStudyAnalyte) {
  std::vector<v1::LabResult> labs = MapBundle(ConvertFile("anc-loinc").bundle_json);
  ASSERT_EQ(labs.size(), 1u);
  EXPECT_EQ(labs[0].analyte(), "anc");
  EXPECT_DOUBLE_EQ(labs[0].value(), 1.9);
  EXPECT_EQ(labs[0].unit(), "10*9/L");
  EXPECT_EQ(labs[0].status(), "final");
  EXPECT_EQ(labs[0].interpretation(), "N");
  EXPECT_DOUBLE_EQ(labs[0].reference_range().low(), 1.8);
  EXPECT_DOUBLE_EQ(labs[0].reference_range().high(), 7.7);
}

TEST(OruConverterTest, SiteLocalCodeMapsThroughTheSiteTable) {
  std::vector<v1::LabResult> labs = MapBundle(ConvertFile("m-protein-local-code").bundle_json);
  ASSERT_EQ(labs.size(), 1u);
  EXPECT_EQ(labs[0].analyte(), "serum_m_protein");
  EXPECT_DOUBLE_EQ(labs[0].value(), 1.2);
  EXPECT_EQ(labs[0].unit(), "g/dL");
}

TEST(OruConverterTest, CorrectedResultKeepsItsStatus) {
  std::vector<v1::LabResult> labs = MapBundle(ConvertFile("corrected").bundle_json);
  ASSERT_EQ(labs.size(), 1u);
  EXPECT_EQ(labs[0].status(), "corrected");
  EXPECT_DOUBLE_EQ(labs[0].value(), 0.9);
}

TEST(OruConverterTest, NoPidFieldOtherThanTheIdentifierReachesTheBundle) {
  const std::string bundle = ConvertFile("anc-loinc").bundle_json;
  EXPECT_FALSE(absl::StrContains(bundle, "Muster"));
  EXPECT_FALSE(absl::StrContains(bundle, "Erika"));
  EXPECT_FALSE(absl::StrContains(bundle, "1960"));
  EXPECT_TRUE(absl::StrContains(bundle, "urn:oid:1.2.276.0.76.4.8"));
}

const char kHeader[] =
    "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|20260105||ORU^R01|X-1|P|2.5.1\r"
    "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR\r"
    "OBR|1|ORD-1|FIL-1|26499-4^ANC^LN|||202601050715+0100\r";

TEST(OruConverterTest, ResendConvertsToTheSameIds) {
  EXPECT_EQ(ConvertFile("anc-loinc").bundle_json, ConvertFile("anc-loinc").bundle_json);
  // The id names the result (order, test, sub-id), not the message: the same result under
  // another control id is the same resource.
  std::string text = Read(kDir / "testdata" / "oru" / "anc-loinc.hl7");
  text.replace(text.find("ANC-0001"), 8, "ANC-0002");
  EXPECT_EQ(ConvertText(text, StudyOptions()).bundle_json, ConvertFile("anc-loinc").bundle_json);
}

TEST(OruConverterTest, CorrectionAndDeletionKeepTheOriginalId) {
  const std::vector<std::string> original = testing::EntryIds(ConvertFile("anc-loinc").bundle_json);
  ASSERT_EQ(original.size(), 1u);
  EXPECT_EQ(testing::EntryIds(ConvertFile("corrected").bundle_json), original);
  EXPECT_EQ(testing::EntryIds(ConvertFile("deleted").bundle_json), original);
  // D and W void the earlier result: entered-in-error, with or without a value.
  std::vector<v1::LabResult> labs = MapBundle(ConvertFile("deleted").bundle_json);
  ASSERT_EQ(labs.size(), 1u);
  EXPECT_EQ(labs[0].status(), "entered-in-error");
  EXPECT_EQ(labs[0].analyte(), "anc");
  ConversionResult wrong = ConvertText(
      std::string(kHeader) + "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||W|||202601050730+0100\r",
      StudyOptions());
  ASSERT_TRUE(wrong.ok()) << Describe(wrong.issues);
  EXPECT_TRUE(absl::StrContains(wrong.bundle_json, "\"status\":\"entered-in-error\""));
  // Another test of the same order, or another sub-id, is another Observation.
  ConversionResult other = ConvertText(
      std::string(kHeader) + "OBX|1|NM|751-8^ANC^LN|2|1.9|10*9/L|||||F\r"
                             "OBX|2|NM|26464-8^WBC^LN||4.1|10*9/L|||||F\r",
      StudyOptions());
  ASSERT_TRUE(other.ok()) << Describe(other.issues);
  const std::vector<std::string> ids = testing::EntryIds(other.bundle_json);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[0], testing::EntryIds(ConvertText(std::string(kHeader) +
      "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F\r", StudyOptions()).bundle_json)[0]);
  // Each entry names the OBX it came from.
  ASSERT_EQ(other.entry_locations.size(), 2u);
  EXPECT_EQ(other.entry_locations[0].ToString(), "OBX^1");
  EXPECT_EQ(other.entry_locations[1].ToString(), "OBX^2");
}

TEST(OruConverterTest, TheSameTestTwiceInOneOrderIsAnIssue) {
  ConversionResult result = ConvertText(
      std::string(kHeader) + "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F\r"
                             "OBX|2|NM|751-8^ANC^LN||2.0|10*9/L|||||F\r",
      StudyOptions());
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_EQ(result.issues[0].location.ToString(), "OBX^2^4^1");
  EXPECT_EQ(result.issues[0].hl7_error_code, 205);
}

TEST(OruConverterTest, WithoutAnOrderNumberTheMessageIdentifiesTheResult) {
  const std::string body =
      "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR\r"
      "OBR|1|||26499-4^ANC^LN|||202601050715+0100\r"
      "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F\r";
  const std::string msh = "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|20260105||ORU^R01|";
  ConversionResult first = ConvertText(msh + "X-1|P|2.5.1\r" + body, StudyOptions());
  ConversionResult other = ConvertText(msh + "X-2|P|2.5.1\r" + body, StudyOptions());
  ASSERT_TRUE(first.ok() && other.ok()) << Describe(first.issues);
  EXPECT_NE(testing::EntryIds(first.bundle_json), testing::EntryIds(other.bundle_json));
}

TEST(OruConverterTest, ProblemsAreIssuesWithTheirHl7Location) {
  struct Case {
    std::string obx;
    std::string location;
    int code;
  } cases[] = {
      {"OBX|1|NM|751-8^ANC^LN||abc|10*9/L|||||F", "OBX^1^5^1", 102},
      {"OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||Q", "OBX^1^11^1", 103},
      {"OBX|1||751-8^ANC^LN||1.9|10*9/L|||||F", "OBX^1^2^1", 101},
      {"OBX|1|NM|751-8^ANC^LN|||10*9/L|||||U", "OBX^1^5^1", 101},
      {"OBX|1|SN|751-8^ANC^LN||^1^-^2|10*9/L|||||F", "OBX^1^5^1^3", 102},
      {"OBX|1|NM|751-8^ANC^LN||1.9|10*9/L||ZZ|||F", "OBX^1^8^1^1", 103},
      {"OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F|||2026130", "OBX^1^14^1^1", 102},
  };
  for (const Case& c : cases) {
    ConversionResult result = ConvertText(std::string(kHeader) + c.obx + "\r", StudyOptions());
    EXPECT_FALSE(result.ok()) << c.obx;
    EXPECT_TRUE(result.bundle_json.empty());
    ASSERT_FALSE(result.issues.empty()) << c.obx;
    EXPECT_EQ(result.issues[0].location.ToString(), c.location) << c.obx;
    EXPECT_EQ(result.issues[0].hl7_error_code, c.code) << c.obx;
  }
}

TEST(OruConverterTest, AnIdentifierWithoutAssigningAuthorityIsAnIssue) {
  ConversionResult result = ConvertText(
      "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|20260105||ORU^R01|X-1|P|2.5.1\r"
      "PID|1||KRD-001-0002\rOBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F|||20260105\r",
      StudyOptions());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.issues[0].location.ToString(), "PID^1^3^1^4");
  EXPECT_TRUE(absl::StrContains(result.issues[0].text, "mllp.senders[].patientIdentifierSystem"))
      << result.issues[0].text;
  EXPECT_TRUE(absl::StrContains(result.issues[0].text, "--patient-id-system"));
}

// The sender's configured system stands in for a missing CX-4; a CX-4 that is sent wins.
TEST(OruConverterTest, TheConfiguredPatientIdentifierSystemStandsInForAMissingCx4) {
  ConvertOptions options = StudyOptions();
  options.patient_identifier_system = "urn:oid:1.2.276.0.76.4.8";
  ConversionResult result = ConvertText(
      "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|20260105||ORU^R01|X-1|P|2.5.1\r"
      "PID|1||KRD-001-0002\rOBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F|||20260105\r",
      options);
  ASSERT_TRUE(result.ok()) << Describe(result.issues);
  EXPECT_TRUE(result.issues.empty()) << Describe(result.issues);
  EXPECT_TRUE(absl::StrContains(
      result.bundle_json,
      R"("subject":{"identifier":{"system":"urn:oid:1.2.276.0.76.4.8","value":"KRD-001-0002"}})"))
      << result.bundle_json;
  options.patient_identifier_system = "urn:example:other";
  ConversionResult sent = ConvertText(std::string(kHeader) +
                                          "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F\r",
                                      options);
  ASSERT_TRUE(sent.ok()) << Describe(sent.issues);
  EXPECT_TRUE(absl::StrContains(sent.bundle_json, "urn:oid:1.2.276.0.76.4.8"));
  EXPECT_FALSE(absl::StrContains(sent.bundle_json, "urn:example:other"));
  EXPECT_TRUE(CheckPatientIdentifierSystem("urn:oid:1.2.276.0.76.4.8").ok());
  EXPECT_TRUE(CheckPatientIdentifierSystem("https://hospital.example/mrn").ok());
  for (const char* bad : {"", "MRN", "1", ":x", "urn:", "urn:a b", "1urn:x"}) {
    EXPECT_FALSE(CheckPatientIdentifierSystem(bad).ok()) << bad;
  }
}

// Validates a converted Bundle with the real validator (R4 base and the study's definitions);
// every entry must pass with no error.
void ExpectValid(const ConversionResult& result, const std::string& what) {
  ASSERT_TRUE(result.ok()) << what << "\n" << Describe(result.issues);
  std::vector<Issue> errors =
      validation::testing::Errors(validation::testing::ValidateJson(result.bundle_json));
  EXPECT_TRUE(errors.empty()) << what << "\n" << validation::testing::Describe(errors);
}

// The warnings of a result, as "location code" strings.
std::vector<std::string> Warnings(const ConversionResult& result) {
  std::vector<std::string> out;
  for (const ConversionIssue& issue : result.issues) {
    EXPECT_EQ(issue.severity, ConversionIssue::Severity::kWarning) << Describe(result.issues);
    out.push_back(absl::StrCat(issue.location.ToString(), " ", issue.hl7_error_code));
  }
  return out;
}

// OBX-11 codes of table 0085 that are not results: the OBX is skipped with a warning naming it
// and why; the results around it convert.
TEST(OruPolicyTest, ARowThatIsNotAResultIsSkippedWithAWarning) {
  struct Case {
    const char* status;
    const char* why;
  } cases[] = {{"I", "pending"}, {"O", "order detail"}, {"X", "cannot be obtained"},
               {"N", "not asked"}};
  for (const Case& c : cases) {
    ConversionResult result = ConvertText(
        absl::StrCat(kHeader, "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||F\r",
                     "OBX|2|NM|718-7^Hemoglobin^LN||||||||", c.status, "\r"),
        StudyOptions());
    ExpectValid(result, c.status);
    EXPECT_EQ(testing::EntryIds(result.bundle_json).size(), 1u) << c.status;
    ASSERT_EQ(result.entry_locations.size(), 1u);
    EXPECT_EQ(result.entry_locations[0].ToString(), "OBX^1");
    EXPECT_THAT(Warnings(result), ::testing::ElementsAre("OBX^2^11^1 0")) << c.status;
    ASSERT_EQ(result.issues.size(), 1u);
    EXPECT_TRUE(absl::StrContains(result.issues[0].text, "OBX 2 is not converted (skipped)"))
        << result.issues[0].text;
    EXPECT_TRUE(absl::StrContains(result.issues[0].text, c.why)) << result.issues[0].text;
    EXPECT_EQ(MapBundle(result.bundle_json).size(), 1u);
  }
}

// A message whose every OBX is skipped converts to a transaction Bundle without entries (valid
// R4; the listener answers AA with the warnings and stores nothing), not to an error that would
// make the laboratory resend a message that cannot change.
TEST(OruPolicyTest, AMessageWhoseEveryObxIsSkippedIsAnEmptyTransaction) {
  ConversionResult result = ConvertText(
      std::string(kHeader) + "OBX|1|NM|751-8^ANC^LN||||||||I\r"
                             "OBX|2|RP|11502-2^Report^LN||https://lab.example/r.pdf^^AP^PDF||||||F\r",
      StudyOptions());
  ExpectValid(result, "every OBX skipped");
  EXPECT_EQ(result.bundle_json, R"({"resourceType":"Bundle","type":"transaction"})");
  EXPECT_TRUE(result.entry_locations.empty());
  EXPECT_THAT(Warnings(result), ::testing::ElementsAre("OBX^1^11^1 0", "OBX^2^2^1 103"));
}

// OBX-2 RP (a reference pointer, e.g. a PDF), ED and other types not in value_types: skipped
// with a warning, whatever else the OBX lacks (no code, no time).
TEST(OruPolicyTest, AValueTypeNotConvertedIsSkippedWithAWarning) {
  for (const char* type : {"RP", "ED", "DT", "NR"}) {
    ConversionResult result = ConvertText(
        absl::StrCat("MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|20260105||ORU^R01|X-1|P|2.5.1\r"
                     "PID|1||KRD-001-0002^^^HOSPA&1.2.276.0.76.4.8&ISO^MR\r"
                     "OBX|1|", type, "|||something^^AP^PDF|\r",
                     "OBR|1|ORD-1|FIL-1|26499-4^ANC^LN|||202601050715+0100\r",
                     "OBX|2|NM|751-8^ANC^LN||1.9|10*9/L|||||F\r"),
        StudyOptions());
    ExpectValid(result, type);
    EXPECT_THAT(Warnings(result), ::testing::ElementsAre("OBX^1^2^1 103")) << type;
    EXPECT_TRUE(absl::StrContains(result.issues.at(0).text, "OBX 1 is not converted (skipped)"));
    EXPECT_TRUE(absl::StrContains(result.issues.at(0).text, absl::StrCat("'", type, "'")));
    EXPECT_EQ(result.entry_locations.size(), 1u);
  }
}

// A missing OBX-11 with a value: status unknown (an R4 code the validator and the study's mapper
// take) and a warning; without a value there is nothing to store: skipped.
TEST(OruPolicyTest, AMissingStatusIsUnknownWithAWarning) {
  ConversionResult result = ConvertText(
      std::string(kHeader) + "OBX|1|NM|751-8^ANC^LN||1.9|10*9/L|||||\r"
                             "OBX|2|NM|718-7^Hemoglobin^LN|||g/dL|||||\r",
      StudyOptions());
  ExpectValid(result, "missing OBX-11");
  EXPECT_TRUE(absl::StrContains(result.bundle_json, R"("status":"unknown")"));
  EXPECT_THAT(Warnings(result), ::testing::ElementsAre("OBX^1^11^1 101", "OBX^2^11^1 101"));
  EXPECT_TRUE(absl::StrContains(result.issues[0].text, "status unknown"));
  EXPECT_TRUE(absl::StrContains(result.issues[1].text, "OBX 2 is not converted (skipped)"));
  std::vector<v1::LabResult> labs = MapBundle(result.bundle_json);
  ASSERT_EQ(labs.size(), 1u);
  EXPECT_EQ(labs[0].status(), "unknown");
  EXPECT_EQ(labs[0].analyte(), "anc");
  EXPECT_DOUBLE_EQ(labs[0].value(), 1.9);
}

// An OBX-6 unit neither UCUM nor in the table: the value is kept with the unit as text only
// (no system or code, which R4 allows) and a warning. The study's mapper keeps a study
// analyte's value as sent and flags it (unit-not-normalised), an error for no one.
TEST(OruPolicyTest, AnUnknownUnitIsKeptAsTextWithAWarning) {
  ConversionResult result = ConvertText(
      std::string(kHeader) + "OBX|1|NM|751-8^ANC^LN||1.9|furlongs|1.8-7.7||||F\r",
      StudyOptions());
  ExpectValid(result, "unknown unit");
  EXPECT_TRUE(absl::StrContains(result.bundle_json,
                                R"("valueQuantity":{"value":1.9,"unit":"furlongs"})"))
      << result.bundle_json;
  EXPECT_TRUE(absl::StrContains(result.bundle_json,
                                R"("low":{"value":1.8,"unit":"furlongs"})"));
  EXPECT_THAT(Warnings(result), ::testing::ElementsAre("OBX^1^6^1^1 103"));
  EXPECT_TRUE(absl::StrContains(result.issues[0].text, "'furlongs'"));
  std::vector<v1::Event> events = testing::MapBundleEvents(result.bundle_json);
  ASSERT_EQ(events.size(), 1u);
  const v1::LabResult& lab = events[0].lab_result();
  EXPECT_EQ(lab.analyte(), "anc");
  EXPECT_EQ(lab.unit(), "");  // not normalised
  EXPECT_DOUBLE_EQ(lab.value_as_sent().value(), 1.9);
  bool flagged = false;
  for (const v1::Finding& finding : events[0].findings()) {
    flagged |= finding.code() == "unit-not-normalised";
  }
  EXPECT_TRUE(flagged);
}

// The ORU^R01 samples of microsoft/FHIR-Converter among the shared fixtures (real laboratory
// shapes: pending rows, order details, RP and ED values, units outside UCUM, no OBX-11, a PID-3
// without CX-4) convert with warnings naming the skipped segments; every entry passes the real
// validator and maps.
TEST(OruPolicyTest, TheFhirConverterSamplesConvertWithWarnings) {
  const fs::path dir = fs::path(TRIALGATE_FIXTURES_DIR) / "hl7v2";
  if (!fs::exists(dir / "MANIFEST.tsv")) GTEST_SKIP() << "no fixtures at " << dir;
  struct Case {
    const char* name;
    size_t entries;
    std::vector<std::string> warnings;
  } cases[] = {
      {"LAB-ORU-1", 8,
       {"OBX^1^11^1 0", "OBX^2^6^1^1 103", "OBX^3^11^1 0", "OBX^5^6^1^1 103"}},
      {"LAB-ORU-2", 10,
       {"OBX^6^6^1^1 103", "OBX^7^6^1^1 103", "OBX^8^6^1^1 103", "OBX^10^6^1^1 103"}},
      {"ORU-R01-01", 1,
       {"OBX^1^2^1 103", "OBX^2^2^1 103", "OBX^3^6^1^1 103", "OBX^4^11^1 0", "OBX^5^11^1 0"}},
      {"ORU-R01-RMGEAD", 1, {}},
  };
  for (const Case& c : cases) {
    const std::string path =
        (dir / absl::StrCat("fhirconv-data_SampleData_Hl7v2_", c.name, ".hl7")).string();
    absl::StatusOr<Decoded> decoded = DecodeToUtf8(Read(path));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    absl::StatusOr<Message> message = Message::Parse(decoded->text);
    ASSERT_TRUE(message.ok()) << message.status();
    ConvertOptions options = StudyOptions();
    options.patient_identifier_system = "urn:oid:2.16.840.1.113883.19.5";
    ConversionResult result = ConvertMessage(*message, options);
    ExpectValid(result, c.name);
    EXPECT_EQ(result.entry_locations.size(), c.entries) << c.name;
    EXPECT_EQ(testing::EntryIds(result.bundle_json).size(), c.entries) << c.name;
    EXPECT_EQ(Warnings(result), c.warnings) << c.name << "\n" << Describe(result.issues);
    for (const ConversionIssue& issue : result.issues) {
      if (issue.hl7_error_code == 0 || issue.location.field == 2) {
        EXPECT_TRUE(absl::StrContains(
            issue.text, absl::StrCat("OBX ", issue.location.sequence, " is not converted")))
            << issue.text;
      }
    }
    testing::MapBundleEvents(result.bundle_json);  // no mapping error
  }
}

TEST(OruConverterTest, OtherMessageTypesAreNotConverted) {
  absl::StatusOr<Message> message = Message::Parse(
      "MSH|^~\\&|LIS|HOSPA|TRIALGATE|KRD|20260105||ADT^A01|X-1|P|2.5.1\rPID|1||1^^^H\r");
  ASSERT_TRUE(message.ok());
  for (const ConversionResult& result :
       {ConvertOruR01(*message, StudyOptions()), ConvertMessage(*message, StudyOptions())}) {
    ASSERT_EQ(result.issues.size(), 1u);
    EXPECT_EQ(result.issues[0].hl7_error_code, 200);
    EXPECT_EQ(result.issues[0].location.ToString(), "MSH^1^9^1");
  }
}

TEST(OruConverterTest, EveryStatusOfTable0085HasAStatedPolicy) {
  for (const char* code : {"A", "B", "C", "D", "F", "I", "N", "O", "P", "R", "S", "U", "V", "W",
                           "X"}) {
    auto it = DefaultOruMapping().status_policy.find(code);
    ASSERT_NE(it, DefaultOruMapping().status_policy.end()) << code;
    EXPECT_FALSE(it->second.reason.empty()) << code;
  }
}

TEST(Hl7DateTimeTest, ConvertsDtmToFhirDateTime) {
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  EXPECT_EQ(*Hl7DateTimeToFhir("2026", berlin), "2026");
  EXPECT_EQ(*Hl7DateTimeToFhir("202601", berlin), "2026-01");
  EXPECT_EQ(*Hl7DateTimeToFhir("20260105", berlin), "2026-01-05");
  EXPECT_EQ(*Hl7DateTimeToFhir("202601050730", berlin), "2026-01-05T07:30:00+01:00");
  EXPECT_EQ(*Hl7DateTimeToFhir("20260701073015", berlin), "2026-07-01T07:30:15+02:00");
  EXPECT_EQ(*Hl7DateTimeToFhir("20260701073015.25-0500", berlin),
            "2026-07-01T07:30:15.25-05:00");
  EXPECT_EQ(*Hl7DateTimeToFhir("2026010507+0000", berlin), "2026-01-05T07:00:00+00:00");
  for (const char* bad : {"", "26", "2026013", "20261301", "20260230", "202601052460",
                          "20260105073000.", "2026-01-05", "202601050730+01"}) {
    EXPECT_FALSE(Hl7DateTimeToFhir(bad, berlin).ok()) << bad;
  }
}

// Every ORU^R01 among the shared fixtures converts or yields issues, without a crash; every
// other message type is refused by ConvertMessage with 200 or 201.
TEST(OruConverterTest, SharedOruFixturesConvertOrYieldIssues) {
  const fs::path dir = fs::path(TRIALGATE_FIXTURES_DIR) / "hl7v2";
  if (!fs::exists(dir / "MANIFEST.tsv")) GTEST_SKIP() << "no fixtures at " << dir;
  int seen = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == "MANIFEST.tsv") continue;
    const std::string file = Read(entry.path());
    std::vector<std::string> messages;
    for (absl::string_view line : absl::StrSplit(file, absl::ByAnyChar("\r\n"))) {
      if (absl::StartsWith(line, "\xEF\xBB\xBF")) line.remove_prefix(3);
      if (absl::StartsWith(line, "MSH")) messages.emplace_back();
      if (messages.empty() || line.empty()) continue;
      messages.back().append(line.data(), line.size());
      messages.back().push_back('\r');
    }
    for (const std::string& raw : messages) {
      absl::StatusOr<Decoded> decoded = DecodeToUtf8(raw);
      if (!decoded.ok()) continue;
      absl::StatusOr<Message> message = Message::Parse(decoded->text);
      if (!message.ok()) continue;
      // Every type goes through the dispatch: ORU^R01 converts or yields issues; the others
      // (ADT, RDE, ...) yield issue 200 or 201.
      ConversionResult result = ConvertMessage(*message, StudyOptions());
      if (message->message_code() != "ORU" || message->trigger_event() != "R01") {
        ASSERT_FALSE(result.ok()) << entry.path();
        EXPECT_TRUE(result.issues[0].hl7_error_code == 200 ||
                    result.issues[0].hl7_error_code == 201) << entry.path();
        continue;
      }
      ++seen;
      EXPECT_TRUE(result.ok() || !result.issues.empty()) << entry.path();
      if (result.ok()) {
        rapidjson::Document bundle;
        bundle.Parse(result.bundle_json.c_str());
        ASSERT_FALSE(bundle.HasParseError()) << entry.path();
        const size_t entries = bundle.HasMember("entry") ? bundle["entry"].Size() : 0;
        EXPECT_EQ(entries, result.entry_locations.size()) << entry.path();
        // Nothing to store is said: every skipped segment has its warning.
        if (entries == 0) {
          EXPECT_FALSE(result.issues.empty()) << entry.path();
        }
      }
      for (const ConversionIssue& issue : result.issues) {
        EXPECT_FALSE(issue.text.empty()) << entry.path();
      }
    }
  }
  EXPECT_GT(seen, 0);
}

using testing::CliRun;
using testing::RunConvert;

TEST(Hl7ConvertCliTest, PrintsOneLinePerMessageAndFailsOnIssues) {
  const fs::path tmp = fs::path(::testing::TempDir()) / "hl7-convert-cli";
  fs::create_directories(tmp);
  const std::string anc = Read(kDir / "testdata" / "oru" / "anc-loinc.hl7");
  const std::string mprotein = Read(kDir / "testdata" / "oru" / "m-protein-local-code.hl7");
  // Two messages separated by a blank line, and the same two in MLLP frames.
  std::ofstream(tmp / "blank.hl7") << anc << "\n" << mprotein;
  std::ofstream(tmp / "mllp.hl7") << '\x0b' << anc << '\x1c' << '\r' << '\x0b' << mprotein
                                  << '\x1c' << '\r';
  for (const char* file : {"blank.hl7", "mllp.hl7"}) {
    CliRun run = RunConvert("--site example-hospital --time-zone Europe/Berlin " +
                            (tmp / file).string());
    EXPECT_EQ(run.exit_code, 0) << file;
    ASSERT_EQ(run.lines.size(), 2u) << file;
    rapidjson::Document first, second;
    first.Parse(run.lines[0].c_str());
    second.Parse(run.lines[1].c_str());
    ASSERT_TRUE(first.IsObject() && second.IsObject());
    EXPECT_STREQ(first["controlId"].GetString(), "ANC-0001");
    EXPECT_STREQ(first["messageType"].GetString(), "ORU^R01^ORU_R01");
    EXPECT_STREQ(second["controlId"].GetString(), "MP-0042");
    rapidjson::Document expected;
    expected.Parse(Read(kDir / "golden" / "anc-loinc.json").c_str());
    EXPECT_TRUE(first["bundle"] == expected) << run.lines[0];
  }
  std::ofstream(tmp / "bad.hl7") << kHeader << "OBX|1|NM|751-8^ANC^LN||abc|10*9/L|||||F\r";
  CliRun bad = RunConvert((tmp / "bad.hl7").string());
  EXPECT_EQ(bad.exit_code, 1);
  ASSERT_EQ(bad.lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(bad.lines[0], "\"location\":\"OBX^1^5^1\"")) << bad.lines[0];

  // '-' reads standard input, as `hl7 send` does; a file that cannot be read fails the run.
  CliRun piped = RunConvert("- < " + (tmp / "blank.hl7").string());
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.lines.size(), 2u);
  CliRun missing = RunConvert((tmp / "no-such-file.hl7").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(missing.lines.empty());
}

// --patient-id-system gives PID-3 without CX-4 its system; without it the error names the
// option; warnings are printed with the Bundle, and the exit code stays 0.
TEST(Hl7ConvertCliTest, PatientIdSystemOptionAndWarnings) {
  const fs::path dir = fs::path(TRIALGATE_FIXTURES_DIR) / "hl7v2";
  if (!fs::exists(dir / "MANIFEST.tsv")) GTEST_SKIP() << "no fixtures at " << dir;
  const std::string rmgead = (dir / "fhirconv-data_SampleData_Hl7v2_ORU-R01-RMGEAD.hl7").string();
  CliRun without = RunConvert("--site site-a " + rmgead);
  EXPECT_EQ(without.exit_code, 1);
  ASSERT_EQ(without.lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(without.lines[0], "\"location\":\"PID^1^3^1^4\""))
      << without.lines[0];
  EXPECT_TRUE(absl::StrContains(without.lines[0], "--patient-id-system")) << without.lines[0];
  CliRun with = RunConvert("--site site-a --patient-id-system urn:oid:2.16.840.1.113883.19.5 " +
                           rmgead);
  EXPECT_EQ(with.exit_code, 0);
  ASSERT_EQ(with.lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(with.lines[0], "\"system\":\"urn:oid:2.16.840.1.113883.19.5\""))
      << with.lines[0];
  CliRun pending = RunConvert(
      "--site site-a " + (dir / "fhirconv-data_SampleData_Hl7v2_LAB-ORU-1.hl7").string());
  EXPECT_EQ(pending.exit_code, 0);
  ASSERT_EQ(pending.lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(pending.lines[0], "\"bundle\":")) << pending.lines[0];
  EXPECT_TRUE(absl::StrContains(pending.lines[0],
                                "{\"severity\":\"warning\",\"location\":\"OBX^1^11^1\",\"code\":0,"))
      << pending.lines[0];
  CliRun bad_uri = RunConvert("--patient-id-system MRN " + rmgead);
  EXPECT_NE(bad_uri.exit_code, 0) << "a usage error";
  EXPECT_NE(bad_uri.exit_code, 1);
  EXPECT_TRUE(bad_uri.lines.empty());
}

}  // namespace
}  // namespace trialgate::hl7v2
