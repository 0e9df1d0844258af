#ifndef TRIALGATE_MAPPERS_NUMBER_TEXTS_H_
#define TRIALGATE_MAPPERS_NUMBER_TEXTS_H_

// FHIR decimals keep their precision: "1.50" is not "1.5" (R4 2.1.0 decimal). A RapidJSON DOM
// holds numbers as doubles, so the decoder keeps the source text of every number beside it,
// looked up by the DOM value.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rapidjson/document.h"

namespace trialgate::mappers {

// The exact source text of the JSON numbers of one parsed document. Owns the texts; refers to
// the document's values, so it is valid while that document lives and is not modified.
// Filled by one thread, then read-only (reads are thread-safe).
class NumberTexts {
 public:
  // Appends the text of the next number in document order (as a SAX parse reports numbers).
  void Record(std::string_view text);

  // Pairs the recorded texts, in order, with the numbers of `root` in document order (members
  // in the order of the source, as RapidJSON keeps them). Returns false, pairing nothing, when
  // the counts differ (the texts are not this document's). REQUIRES: `root` nests no deeper than
  // the decoder's depth limit (this recurses).
  bool Attach(const rapidjson::Value& root);

  // The text `number` was sent as; nullopt for a value not paired by Attach.
  std::optional<std::string_view> Find(const rapidjson::Value& number) const;

  size_t size() const { return ends_.size(); }

 private:
  std::string_view Text(uint32_t index) const;

  std::string chars_;                                     // the texts, back to back
  std::vector<uint32_t> ends_;                            // end of each text in chars_
  std::vector<std::pair<const rapidjson::Value*, uint32_t>> index_;  // sorted by address
};

// The text of JSON number `number`: as sent when `texts` knows it, else formatted from the
// value (integers exactly, others as the shortest text that reads back as the same double).
// "" for a value that is not a number.
std::string NumberText(const rapidjson::Value& number, const NumberTexts* texts);

// The text of a decimal the gateway computed (a unit conversion): up to 15 significant digits,
// the most that every double carries back to the same decimal, so that binary noise from the
// arithmetic (1.1 g -> 1100.0000000000002 mg) does not pose as precision; trailing zeros are
// dropped, and a very large or small value has an exponent ("1e-05"). "" when not finite.
std::string ComputedDecimalText(double value);

}  // namespace trialgate::mappers

#endif  // TRIALGATE_MAPPERS_NUMBER_TEXTS_H_
