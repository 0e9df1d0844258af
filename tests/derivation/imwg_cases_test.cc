// Runs every hand-adjudicated case of testdata/imwg-cases.json through the study's IMWG rules
// (imwg-response.json). The expected categories were written from the criteria, not from this
// code's output. Each case also runs with its results reversed and rotated: the output must not
// depend on the order.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fhir-profiles/embedded.h"
#include "gateway/derivation/imwg_response.h"
#include "gtest/gtest.h"
#include "mappers/study.h"
#include "rapidjson/document.h"
#include "tests/derivation/case_file.h"

namespace trialgate::derivation {
namespace {

std::string StringOr(const rapidjson::Value& object, const char* key, std::string fallback) {
  return object.HasMember(key) ? object[key].GetString() : fallback;
}

// [date, analyte, value]: a number is the value, "system|code" a coded value, else text.
ResponseInput ToInput(const rapidjson::Value& c, const rapidjson::Value& defaults) {
  ResponseInput input;
  input.treatment_start = StringOr(c, "treatmentStart", defaults["treatmentStart"].GetString());
  input.transplant_date = StringOr(c, "transplantDate", "");
  input.new_therapy_date = StringOr(c, "newTherapyDate", "");
  int n = 0;
  for (const rapidjson::Value& row : c["results"].GetArray()) {
    MarkerResult r;
    r.date = row[0].GetString();
    r.analyte = row[1].GetString();
    if (row[2].IsNumber()) {
      r.value = row[2].GetDouble();
    } else if (std::string s = row[2].GetString(); s.find('|') != std::string::npos) {
      r.value_code = s;
    } else {
      r.value_text = s;
    }
    r.event_id = absl::StrCat("e", ++n);
    input.results.push_back(std::move(r));
  }
  return input;
}

mappers::ResponseCriteria WithSettings(mappers::ResponseCriteria criteria,
                                       const rapidjson::Value& c) {
  if (!c.HasMember("settings")) return criteria;
  const rapidjson::Value& s = c["settings"];
  if (s.HasMember("serumMeasurableGdl")) {
    criteria.serum_measurable_gdl = s["serumMeasurableGdl"].GetDouble();
  }
  if (s.HasMember("nadir")) {
    criteria.nadir = std::string(s["nadir"].GetString()) == "lowest"
                         ? mappers::NadirRule::kLowest
                         : mappers::NadirRule::kLowestConfirmed;
  }
  if (s.HasMember("baselineAfterTransplant")) {
    criteria.baseline_after_transplant =
        std::string(s["baselineAfterTransplant"].GetString()) == "keep"
            ? mappers::TransplantBaseline::kKeep
            : mappers::TransplantBaseline::kReset;
  }
  return criteria;
}

// Everything an order change could disturb, as one comparable text.
std::string Describe(const ResponseDerivation& d) {
  std::string out = absl::StrCat(absl::StrJoin(d.measurable, ","), "|", d.baseline_date, "|",
                                 d.not_derived, "\n");
  for (const ResponseAssessment& a : d.assessments) {
    absl::StrAppend(&out, a.date, " ", a.category, " ", a.confirmed, " ", a.response_date, " ",
                    a.rule, " [", absl::StrJoin(a.evidence_event_ids, ","), "]");
    for (const MarkerEvidence& e : a.evidence) {
      absl::StrAppend(&out, " ", e.marker, "=", e.value.value_or(-1), "/",
                      e.baseline.value_or(-1), "/", e.nadir.value_or(-1), "/", e.text);
    }
    out += "\n";
  }
  return out;
}

TEST(ImwgCasesTest, EveryHandAdjudicatedCaseDerivesAsWritten) {
  auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  ASSERT_TRUE(study.ok()) << study.status();
  const mappers::ResponseCriteria& criteria = (*study)->response_criteria();
  ASSERT_TRUE(criteria.present);

  rapidjson::Document doc;
  doc.Parse(ReadCaseFile("imwg-cases.json").c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& cases = doc["cases"].GetArray();
  ASSERT_GE(cases.Size(), 25u);
  for (const rapidjson::Value& c : cases) {
    SCOPED_TRACE(absl::StrCat(c["id"].GetString(), ": ", c["why"].GetString()));
    const mappers::ResponseCriteria settings = WithSettings(criteria, c);
    ResponseInput input = ToInput(c, doc["defaults"]);
    const ResponseDerivation got = DeriveResponse(settings, input);
    const rapidjson::Value& expect = c["expect"];
    // TRIALGATE_PRINT_IMWG=1 prints every derivation, to read the rule sentences.
    if (std::getenv("TRIALGATE_PRINT_IMWG") != nullptr) {
      std::cout << c["id"].GetString() << "\n" << Describe(got) << "\n";
    }

    if (expect.HasMember("notDerived")) {
      EXPECT_NE(got.not_derived.find(expect["notDerived"].GetString()), std::string::npos)
          << got.not_derived;
    } else {
      EXPECT_EQ(got.not_derived, "");
    }
    if (expect.HasMember("measurable")) {
      std::vector<std::string> measurable;
      for (const auto& m : expect["measurable"].GetArray()) measurable.push_back(m.GetString());
      EXPECT_EQ(got.measurable, measurable);
    }
    if (expect.HasMember("baselineDate")) {
      EXPECT_EQ(got.baseline_date, expect["baselineDate"].GetString());
    }
    const auto& want = expect["assessments"].GetArray();
    ASSERT_EQ(got.assessments.size(), want.Size()) << Describe(got);
    for (size_t i = 0; i < want.Size(); ++i) {
      const ResponseAssessment& a = got.assessments[i];
      const rapidjson::Value& w = want[i];
      SCOPED_TRACE(absl::StrCat(a.date, ": ", a.rule));
      EXPECT_EQ(a.date, w["date"].GetString());
      EXPECT_EQ(a.category, w["category"].GetString());
      EXPECT_EQ(a.confirmed, w["confirmed"].GetBool());
      EXPECT_EQ(a.response_date, w["responseDate"].GetString());
      EXPECT_FALSE(a.rule.empty());
      if (w.HasMember("ruleContains")) {
        EXPECT_NE(a.rule.find(w["ruleContains"].GetString()), std::string::npos);
      }
    }

    // The same results in other orders give the same derivation, word for word.
    const std::string reference = Describe(got);
    std::reverse(input.results.begin(), input.results.end());
    EXPECT_EQ(Describe(DeriveResponse(settings, input)), reference);
    if (!input.results.empty()) {
      std::rotate(input.results.begin(), input.results.begin() + input.results.size() / 2,
                  input.results.end());
      EXPECT_EQ(Describe(DeriveResponse(settings, input)), reference);
    }
  }
}

// As known then, results that arrive one at a time (in date order, as a site sends them) give,
// after each, what deriving every result so far gives: the deriver judges only the new day.
TEST(ImwgCasesTest, ResultsAddedOneAtATimeDeriveWhatAllResultsDerive) {
  auto study = mappers::Study::FromFiles(profiles::EmbeddedStudyFiles("krd-asct2"));
  ASSERT_TRUE(study.ok()) << study.status();
  rapidjson::Document doc;
  doc.Parse(ReadCaseFile("imwg-cases.json").c_str());
  ASSERT_FALSE(doc.HasParseError());
  int added = 0;
  for (const rapidjson::Value& c : doc["cases"].GetArray()) {
    SCOPED_TRACE(c["id"].GetString());
    const mappers::ResponseCriteria settings = WithSettings((*study)->response_criteria(), c);
    ResponseInput all = ToInput(c, doc["defaults"]);
    all.as_known_then = true;
    std::stable_sort(all.results.begin(), all.results.end(),
                     [](const MarkerResult& a, const MarkerResult& b) { return a.date < b.date; });
    // The baseline (up to cycle 1 day 1) at once, then one result at a time.
    ResponseInput start = all;
    start.results.clear();
    size_t next = 0;
    while (next < all.results.size() && all.results[next].date <= all.treatment_start) {
      start.results.push_back(all.results[next++]);
    }
    ResponseDeriver deriver(settings, start);
    ResponseInput so_far = start;
    for (; next < all.results.size(); ++next) {
      const size_t before = deriver.derivation().assessments.size();
      const std::optional<size_t> from = deriver.Add({all.results[next]});
      ASSERT_TRUE(from.has_value()) << all.results[next].date;
      EXPECT_LE(*from, before);
      so_far.results.push_back(all.results[next]);
      ASSERT_EQ(Describe(deriver.derivation()), Describe(DeriveResponse(settings, so_far)))
          << "after the result of " << all.results[next].date;
      ++added;
    }
    // A result dated before the latest one cannot be added: derive anew.
    if (!all.results.empty() && all.results.back().date > all.treatment_start &&
        deriver.derivation().not_derived.empty()) {
      MarkerResult late = all.results.back();
      late.date = all.treatment_start;
      EXPECT_FALSE(deriver.Add({late}).has_value());
    }
  }
  EXPECT_GT(added, 50);
}

}  // namespace
}  // namespace trialgate::derivation
