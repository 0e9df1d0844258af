#ifndef TRIALGATE_GATEWAY_REPORT_PALETTE_H_
#define TRIALGATE_GATEWAY_REPORT_PALETTE_H_

// The plots' colours: the Okabe–Ito palette, eight colours chosen to stay distinguishable
// under the common colour-vision deficiencies. Source: M. Okabe and K. Ito, "Color Universal
// Design (CUD): How to make figures and presentations that are friendly to colorblind people"
// (2002/2008), https://jfly.uni-koeln.de/color/ (formerly jfly.iam.u-tokyo.ac.jp/color/).
// Colour is never the only cue: curves and bars also carry labels, letters or line styles.

#include <cstddef>
#include <string_view>

namespace trialgate::report {

inline constexpr std::string_view kBlack = "#000000";
inline constexpr std::string_view kOrange = "#E69F00";
inline constexpr std::string_view kSkyBlue = "#56B4E9";
inline constexpr std::string_view kBluishGreen = "#009E73";
inline constexpr std::string_view kYellow = "#F0E442";
inline constexpr std::string_view kBlue = "#0072B2";
inline constexpr std::string_view kVermillion = "#D55E00";
inline constexpr std::string_view kReddishPurple = "#CC79A7";
// Not an Okabe–Ito colour: a neutral grey for axes' grid, "no change" (SD) and follow-up.
inline constexpr std::string_view kGrey = "#999999";
inline constexpr std::string_view kLightGrey = "#DDDDDD";

// Curves of a KM plot, in group order (wraps after eight groups; a KM plot with more is
// unreadable anyway). Black first, as the reference arm is conventionally drawn.
inline constexpr std::string_view kGroupColours[] = {kBlack,  kOrange,     kSkyBlue,
                                                     kBluishGreen, kBlue,  kVermillion,
                                                     kReddishPurple, kYellow};

inline std::string_view GroupColour(size_t index) {
  return kGroupColours[index % (sizeof(kGroupColours) / sizeof(kGroupColours[0]))];
}

// The colour of an IMWG response category ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE"),
// shared by the swimmer and waterfall plots; "NE" and anything unknown is black. Deeper responses get the
// cooler colours, progression the warm vermillion.
inline std::string_view ResponseColour(std::string_view category) {
  if (category == "sCR") return kReddishPurple;
  if (category == "CR") return kBluishGreen;
  if (category == "VGPR") return kBlue;
  if (category == "PR") return kSkyBlue;
  if (category == "MR") return kYellow;
  if (category == "SD") return kGrey;
  if (category == "PD") return kVermillion;
  return kBlack;  // NE or unknown
}

// The response categories in the order of a legend, deepest first.
inline constexpr std::string_view kResponseCategories[] = {"sCR", "CR", "VGPR", "PR",
                                                          "MR",  "SD", "PD",   "NE"};

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_PALETTE_H_
