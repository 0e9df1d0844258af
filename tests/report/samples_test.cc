// Writes one sample of each plot to $TRIALGATE_PLOT_SAMPLES (a folder) for a person to look
// at; without the variable it only checks that the samples draw. Not a golden test: the
// geometry is asserted in the plot tests, the look is for eyes.

#include <cstdlib>
#include <fstream>

#include "gateway/report/km_plot.h"
#include "gateway/report/swimmer_plot.h"
#include "gateway/report/waterfall_plot.h"
#include "gtest/gtest.h"

namespace trialgate::report {
namespace {

void Write(const std::string& name, const absl::StatusOr<std::string>& svg) {
  ASSERT_TRUE(svg.ok()) << svg.status();
  const char* folder = std::getenv("TRIALGATE_PLOT_SAMPLES");
  if (folder == nullptr) return;
  std::ofstream(std::string(folder) + "/" + name) << *svg;
}

TEST(PlotSamplesTest, Draw) {
  using statistics::Observation;
  std::vector<Observation> maintained = {{9, true},  {13, true}, {13, false}, {18, true},
                                         {23, true}, {28, false}, {31, true}, {34, true},
                                         {45, false}, {48, true}, {161, false}};
  std::vector<Observation> nonmaintained = {{5, true},  {5, true},  {8, true},  {8, true},
                                            {12, true}, {16, false}, {23, true}, {27, true},
                                            {30, true}, {33, true}, {43, true}, {45, true}};
  std::vector<KmGroup> groups = {
      {"Maintained", *statistics::EstimateKaplanMeier(maintained), true},
      {"Nonmaintained", *statistics::EstimateKaplanMeier(nonmaintained), true}};
  KmPlotOptions km;
  km.title = "aml: time to relapse by maintenance chemotherapy";
  km.x_label = "Weeks since remission";
  km.y_label = "Relapse-free";
  km.tick_step = 12;
  km.x_max = 72;
  km.reference_survival = 0.5;
  km.landmark_time = 24;
  km.landmark_label = "24 weeks";
  Write("km.svg", DrawKaplanMeier(groups, km));

  std::vector<SwimmerSubject> subjects = {
      {"TG-0007",
       {{Phase::kReinduction, 0, 84}, {Phase::kMobilisation, 90, 110}, {Phase::kAsct, 120, 135},
        {Phase::kMaintenance, 180, 540}},
       {{84, MarkerKind::kResponse, "VGPR"}, {200, MarkerKind::kResponse, "CR"},
        {95, MarkerKind::kDeviation, "G-CSF 2 days late"}},
       true},
      {"TG-0012",
       {{Phase::kReinduction, 0, 84}, {Phase::kFollowUp, 84, 300}},
       {{84, MarkerKind::kResponse, "PD"}, {300, MarkerKind::kDeath, ""}},
       false},
      {"TG-0003", {{Phase::kReinduction, 0, 60}}, {{60, MarkerKind::kCensored, "withdrew"}}, false},
  };
  Write("swimmer.svg", DrawSwimmer(subjects, SwimmerOptions()));

  std::vector<WaterfallSubject> waterfall = {
      {"TG-0001", -95, "VGPR"}, {"TG-0002", 30, "PD"},  {"TG-0003", -60, "PR"},
      {"TG-0004", std::nullopt, "NE"}, {"TG-0005", -100, "CR"}, {"TG-0006", 10, "SD"},
      {"TG-0008", -100, "sCR"}, {"TG-0009", -35, "MR"}, {"TG-0010", 180, "PD"}};
  Write("waterfall.svg", DrawWaterfall(waterfall, WaterfallOptions()));
}

}  // namespace
}  // namespace trialgate::report
