#include "gateway/derivation/lab_grader.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fhir-profiles/embedded.h"
#include "gmock/gmock.h"
#include "gateway/derivation/grade_rules.h"
#include "gtest/gtest.h"
#include "mappers/study.h"

namespace trialgate::derivation {
namespace {

using ::testing::HasSubstr;

std::map<std::string, std::string> StudyFiles() {
  return profiles::EmbeddedStudyFiles("krd-asct2");
}

std::shared_ptr<const mappers::Study> KrdStudy() {
  auto study = mappers::Study::FromFiles(StudyFiles());
  EXPECT_TRUE(study.ok()) << study.status();
  return *study;
}

// Signif12 is the value as printf("%.12g") writes it, read back by strtod (what the grading
// texts show is what was compared): the same double for values as labs send them, products of a
// factor and a limit, random bit patterns of every magnitude, and the special values.
TEST(Signif12Test, IsPrintfThenStrtod) {
  auto reference = [](double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.12g", x);
    return std::strtod(buffer, nullptr);
  };
  auto same = [](double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
  };
  std::vector<double> values = {0.0, -0.0, 1.5 * 40, 2.5 * 0.7, 3 * 1.2, 0.1 + 0.2, 1e-300,
                                5e-324, 1.7976931348623157e308, 123456789012.5, 0.5e-12,
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN()};
  std::mt19937_64 random(12);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = random();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    values.push_back(x);
    values.push_back(static_cast<double>(random() % 100000) / 100 *
                     (static_cast<double>(random() % 50) / 10));
  }
  for (double x : values) {
    ASSERT_TRUE(same(Signif12(x), reference(x))) << x;
  }
}

// Holds compares far-apart values without rounding them: every comparison equals the one of the
// two values rounded to 12 significant digits, for pairs far apart, near each other, a rounding
// step apart, equal after rounding, of either sign, zero and the special values.
TEST(HoldsTest, EqualsTheComparisonOfTheRoundedValues) {
  using mappers::Comparison;
  std::mt19937_64 random(16);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::vector<std::pair<double, double>> pairs = {
      {0, 0}, {0, -0.0}, {1.5, 1.5}, {60, 1.5 * 40}, {1.75, 2.5 * 0.7}, {0.3, 0.1 + 0.2},
      {1, std::numeric_limits<double>::infinity()}, {std::numeric_limits<double>::quiet_NaN(), 1}};
  for (int i = 0; i < 100000; ++i) {
    const double x = unit(random) * std::pow(10.0, static_cast<int>(random() % 40) - 20);
    const double relative = std::pow(10.0, -static_cast<double>(random() % 16));
    pairs.push_back({x, x * (1 + relative * unit(random))});
    pairs.push_back({x, std::nextafter(x, 2 * x + 1)});
  }
  for (const auto& [value, threshold] : pairs) {
    const double a = Signif12(value), b = Signif12(threshold);
    ASSERT_EQ(Holds(Comparison::kLess, value, threshold), a < b) << value << " " << threshold;
    ASSERT_EQ(Holds(Comparison::kLessOrEqual, value, threshold), a <= b)
        << value << " " << threshold;
    ASSERT_EQ(Holds(Comparison::kGreater, value, threshold), a > b) << value << " " << threshold;
    ASSERT_EQ(Holds(Comparison::kGreaterOrEqual, value, threshold), a >= b)
        << value << " " << threshold;
  }
}

TermGrade Only(const std::vector<TermGrade>& grades) {
  EXPECT_EQ(grades.size(), 1u);
  return grades.at(0);
}

TEST(LabGraderTest, LoadsEveryTermOfTheStudyTable) {
  const auto study = KrdStudy();
  std::vector<std::string> terms;
  for (const auto& term : study->ctcae_grading().terms) terms.push_back(term.term);
  EXPECT_THAT(terms, ::testing::ElementsAre(
                         "Neutrophil count decreased", "Platelet count decreased",
                         "White blood cell decreased", "Lymphocyte count decreased", "Anemia",
                         "Creatinine increased", "Alanine aminotransferase increased",
                         "Aspartate aminotransferase increased", "Blood bilirubin increased",
                         "Alkaline phosphatase increased", "Hypercalcemia", "Hypocalcemia",
                         "Hyperkalemia", "Hypokalemia", "Hypernatremia", "Hyponatremia",
                         "Hypermagnesemia", "Hypomagnesemia", "Hypoalbuminemia"));
  ASSERT_TRUE(study->ctcae_grading().calcium_correction.has_value());
}

TEST(LabGraderTest, ReportsTheConvertedValueLimitsAndRule) {
  const LabGrader grader(KrdStudy());
  const TermGrade grade =
      Only(grader.Grade({.loinc = "718-7", .value = 9.9, .unit = "g/dL", .low = 12, .high = 16}));
  EXPECT_EQ(grade.term, "Anemia");
  EXPECT_EQ(grade.meddra_code, "10002272");
  EXPECT_EQ(grade.grade, 2);
  EXPECT_EQ(grade.unit, "g/L");
  EXPECT_DOUBLE_EQ(*grade.value, 99);
  EXPECT_DOUBLE_EQ(*grade.lln, 120);
  EXPECT_DOUBLE_EQ(*grade.uln, 160);
  EXPECT_EQ(grade.form, "any");
  EXPECT_EQ(grade.rule, "99 g/L < 100 g/L: grade 2");
}

TEST(LabGraderTest, GradesBothDirectionsOfOneAnalyteAndStatesTheWorstCase) {
  const LabGrader grader(KrdStudy());
  const auto grades =
      grader.Grade({.loinc = "2823-3", .value = 3.4, .unit = "mmol/L", .low = 3.5, .high = 5.1});
  ASSERT_EQ(grades.size(), 2u);
  EXPECT_EQ(grades[0].term, "Hyperkalemia");
  EXPECT_EQ(grades[0].grade, 0);
  EXPECT_EQ(grades[1].term, "Hypokalemia");
  EXPECT_EQ(grades[1].grade, 2);
  EXPECT_THAT(grades[1].worst_case, HasSubstr("symptomatic"));
  EXPECT_THAT(grades[1].rule, HasSubstr("1 x LLN (3.5 mmol/L)"));
}

TEST(LabGraderTest, SaysWhichBaselineFormDecided) {
  const LabGrader grader(KrdStudy());
  const TermGrade abnormal = Only(grader.Grade(
      {.loinc = "6768-6", .value = 400, .unit = "U/L", .high = 120, .baseline = 200}));
  EXPECT_EQ(abnormal.form, "baseline abnormal");
  EXPECT_THAT(abnormal.rule, HasSubstr("2 x baseline (200 U/L)"));
  const TermGrade normal = Only(grader.Grade(
      {.loinc = "6768-6", .value = 400, .unit = "U/L", .high = 120, .baseline = 100}));
  EXPECT_EQ(normal.form, "baseline normal");
  EXPECT_EQ(normal.grade, 2);  // 400 > 2.5 x ULN 120 = 300, not > 600
}

TEST(LabGraderTest, SaysWhetherCalciumWasCorrected) {
  const LabGrader grader(KrdStudy());
  const auto corrected = grader.Grade({.loinc = "17861-6", .value = 2.0, .unit = "mmol/L",
                                       .low = 2.15, .high = 2.55,
                                       .albumin = Measured{25, "g/L"}});
  ASSERT_EQ(corrected.size(), 2u);
  EXPECT_TRUE(corrected[1].calcium_corrected);
  EXPECT_DOUBLE_EQ(*corrected[1].value, 2.3);
  EXPECT_THAT(corrected[1].rule, HasSubstr("corrected calcium"));
  EXPECT_TRUE(corrected[1].unconfirmed_code);  // 17861-6 is unconfirmed in the study's tables
  const auto total =
      grader.Grade({.loinc = "17861-6", .value = 2.0, .unit = "mmol/L", .low = 2.15, .high = 2.55});
  EXPECT_FALSE(total[1].calcium_corrected);
  EXPECT_EQ(total[1].grade, 1);  // 2.0 is not < 2.0 but < LLN 2.15
  EXPECT_THAT(total[1].rule, HasSubstr("not corrected"));

  const auto bad_albumin = grader.Grade({.loinc = "17861-6", .value = 2.0, .unit = "mmol/L",
                                         .low = 2.15, .high = 2.55,
                                         .albumin = Measured{25, "furlongs"}});
  EXPECT_FALSE(bad_albumin[0].grade.has_value());
  EXPECT_THAT(bad_albumin[0].not_gradable, HasSubstr("albumin unit"));
}

TEST(LabGraderTest, NotGradableReasons) {
  const LabGrader grader(KrdStudy());
  const TermGrade unit =
      Only(grader.Grade({.loinc = "751-8", .value = 1, .unit = "stones", .low = 1.8}));
  EXPECT_FALSE(unit.grade.has_value());
  EXPECT_EQ(unit.not_gradable, "unit 'stones' is not in the study's unit table");

  const TermGrade dimension =
      Only(grader.Grade({.loinc = "751-8", .value = 1, .unit = "mg/dL", .low = 1.8}));
  EXPECT_THAT(dimension.not_gradable, HasSubstr("does not convert to 10*9/L"));

  const TermGrade uln = Only(grader.Grade({.loinc = "1742-6", .value = 300, .unit = "U/L"}));
  EXPECT_EQ(uln.not_gradable,
            "Alanine aminotransferase increased is graded against the ULN, which is unknown");

  const TermGrade lln = Only(grader.Grade({.loinc = "777-3", .value = 100, .unit = "10*9/L"}));
  EXPECT_EQ(lln.not_gradable, "grade 1 needs the LLN, which is unknown (value 100 10*9/L)");

  EXPECT_TRUE(grader.Grade({.loinc = "2345-7", .value = 300, .unit = "mg/dL"}).empty());
  EXPECT_FALSE(grader.Grades("2345-7"));
  EXPECT_TRUE(grader.Grades("751-8"));
}

// Toxicities is Grade without its grade 0 and ungradable answers, each kept answer identical
// (texts included): over every code of the table, values from far below to far above its
// limits, in the table's units and others, with and without limits, baseline and albumin.
TEST(LabGraderTest, ToxicitiesAreTheGradesOfOneOrMoreOfGrade) {
  const auto study = KrdStudy();
  const LabGrader grader(study);
  auto same = [](const TermGrade& a, const TermGrade& b) {
    return a.term == b.term && a.meddra_code == b.meddra_code && a.grade == b.grade &&
           a.not_gradable == b.not_gradable && a.rule == b.rule && a.form == b.form &&
           a.unit == b.unit && a.value == b.value && a.lln == b.lln && a.uln == b.uln &&
           a.baseline == b.baseline && a.calcium_corrected == b.calcium_corrected &&
           a.unconfirmed_code == b.unconfirmed_code && a.worst_case == b.worst_case;
  };
  std::mt19937 random(20261206);
  std::uniform_real_distribution<double> exponent(-2, 3);
  const std::vector<std::string> units = {"g/dL", "g/L", "mmol/L", "mg/dL", "U/L", "10*9/L",
                                          "umol/L", "stones"};
  size_t kept = 0, dropped = 0;
  for (const auto& term : study->ctcae_grading().terms) {
    for (const auto& code : term.loinc) {
      for (int i = 0; i < 400; ++i) {
        LabValue lab{.loinc = code.code,
                     .value = std::pow(10.0, exponent(random)),
                     .unit = i % 3 == 0 ? units[i % units.size()] : term.unit};
        if (i % 5 != 0) lab.low = std::pow(10.0, exponent(random));
        if (i % 7 != 0) lab.high = lab.low.value_or(0) + std::pow(10.0, exponent(random));
        if (i % 2 == 0) lab.baseline = std::pow(10.0, exponent(random));
        if (i % 4 == 0) lab.albumin = Measured{20.0 + i % 30, i % 8 == 0 ? "g/dL" : "g/L"};
        std::vector<TermGrade> expected;
        for (TermGrade& grade : grader.Grade(lab)) {
          if (grade.grade.value_or(0) >= 1) expected.push_back(grade);
        }
        const std::vector<TermGrade> toxicities = grader.Toxicities(lab);
        ASSERT_EQ(toxicities.size(), expected.size()) << code.code << " " << lab.value;
        for (size_t k = 0; k < expected.size(); ++k) {
          ASSERT_TRUE(same(toxicities[k], expected[k])) << code.code << " " << expected[k].rule;
        }
        kept += expected.size();
        dropped += grader.Grade(lab).size() - expected.size();
      }
    }
  }
  // Both kinds were tried in numbers.
  EXPECT_GT(kept, 1000u);
  EXPECT_GT(dropped, 1000u);
}

// A study may grade differently by changing only its table: here a xbaseline rule that needs
// the baseline.
TEST(LabGraderTest, MissingBaselineForABaselineRuleIsNotGradable) {
  auto files = StudyFiles();
  files["ctcae-lab-grading.json"] = R"({
    "version": "test", "source": "test",
    "terms": [{"term": "Creatinine increased", "meddraCode": "10011368", "direction": "high",
               "analyte": "creatinine", "loinc": [{"code": "2160-0", "source": "test"}],
               "unit": "umol/L", "source": "test",
               "forms": [{"form": "any", "rules": [
                 {"grade": 2, "op": ">", "factor": 1.5, "of": "baseline"}]}]}]})";
  files.erase("withhold-rules.json");  // its grade rules name terms this table does not grade
  auto study = mappers::Study::FromFiles(files);
  ASSERT_TRUE(study.ok()) << study.status();
  const LabGrader grader(*study);
  const TermGrade missing =
      Only(grader.Grade({.loinc = "2160-0", .value = 2, .unit = "mg/dL", .high = 1.2}));
  EXPECT_EQ(missing.not_gradable,
            "grade 2 needs the baseline, which is unknown (value 176.803 umol/L)");
  const TermGrade graded = Only(
      grader.Grade({.loinc = "2160-0", .value = 2, .unit = "mg/dL", .high = 1.2, .baseline = 1}));
  EXPECT_EQ(graded.grade, 2);
}

TEST(LabGraderTest, AStudyWithoutTheTableGradesNothing) {
  auto files = StudyFiles();
  files.erase("ctcae-lab-grading.json");
  files.erase("withhold-rules.json");  // its grade rules need the table's terms
  auto study = mappers::Study::FromFiles(files);
  ASSERT_TRUE(study.ok()) << study.status();
  EXPECT_TRUE((*study)->ctcae_grading().terms.empty());
  EXPECT_TRUE(LabGrader(*study).Grade({.loinc = "751-8", .value = 0.1, .unit = "10*9/L"}).empty());
}

// Each malformed table stops the study from loading, with the file and the problem named.
TEST(LabGraderTest, MalformedGradingFileIsRejectedNamingTheFile) {
  const std::string good = StudyFiles().at("ctcae-lab-grading.json");
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"{\"terms\": [", "invalid JSON"},
      {"{\"version\": \"v\", \"source\": \"s\"}", "terms is missing"},
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  std::vector<std::pair<std::string, std::string>> cases = broken;
  cases.push_back({replace("\"meddraCode\": \"10029366\"", "\"meddraCode\": \"10002272\""),
                   "is not the CTCAE term 'Neutrophil count decreased'"});
  cases.push_back({replace("\"analyte\": \"anc\"", "\"analyte\": \"unicorns\""),
                   "analyte unicorns is neither in codes/labs.json"});
  cases.push_back({replace("\"unit\": \"10*9/L\"", "\"unit\": \"mg/dL\""),
                   "unit mg/dL does not convert"});
  cases.push_back({replace("{\"grade\": 4, \"op\": \"<\", \"factor\": 0.5",
                           "{\"grade\": 4, \"op\": \"=<\", \"factor\": 0.5"),
                   "op"});
  cases.push_back({replace("{\"grade\": 4, \"op\": \"<\", \"factor\": 0.5",
                           "{\"grade\": 1, \"op\": \"<\", \"factor\": 0.5"),
                   "from the highest grade down"});
  cases.push_back({replace("{\"form\": \"baselineNormal\"", "{\"form\": \"any\""),
                   "forms must be"});
  cases.push_back({replace("\"terms\": [\"Hypercalcemia\", \"Hypocalcemia\"]",
                           "\"terms\": [\"Hypercalcemia\", \"Hypocalcaemia\"]"),
                   "term Hypocalcaemia is not in terms"});
  for (const auto& [text, problem] : cases) {
    auto files = StudyFiles();
    files["ctcae-lab-grading.json"] = text;
    auto study = mappers::Study::FromFiles(files);
    ASSERT_FALSE(study.ok()) << problem;
    EXPECT_EQ(study.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(study.status().message()), HasSubstr("ctcae-lab-grading.json"));
    EXPECT_THAT(std::string(study.status().message()), HasSubstr(problem));
  }
}

TEST(LabGraderTest, IsDeterministicAndSafeToShareAcrossThreads) {
  const LabGrader grader(KrdStudy());
  const LabValue lab{.loinc = "2160-0", .value = 320, .unit = "umol/L", .high = 110,
                     .baseline = 100};
  const TermGrade first = Only(grader.Grade(lab));
  std::vector<std::thread> threads;
  std::vector<std::string> rules(2);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) rules[t] = grader.Grade(lab).at(0).rule;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(rules[0], first.rule);
  EXPECT_EQ(rules[1], first.rule);
  EXPECT_EQ(first.grade, 3);
}

}  // namespace
}  // namespace trialgate::derivation
