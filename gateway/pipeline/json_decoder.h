#ifndef TRIALGATE_GATEWAY_PIPELINE_JSON_DECODER_H_
#define TRIALGATE_GATEWAY_PIPELINE_JSON_DECODER_H_

#include <cstddef>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "mappers/number_texts.h"
#include "rapidjson/document.h"

namespace trialgate::pipeline {

struct DecodeLimits {
  size_t max_body_bytes = 16 * 1024 * 1024;
  int max_depth = 64;                 // nesting of objects and arrays
  size_t max_bundle_entries = 10000;  // checked by the pipeline, which knows what a Bundle is
};

// Parses a submitted body into `*document`. Rejects, with a status whose message is written for
// the sender: a body over the size limit or nesting deeper than the limit (RESOURCE_EXHAUSTED),
// a byte-order mark, a NUL byte, invalid UTF-8, malformed JSON with its line and column, and a
// top level that is not a JSON object (all INVALID_ARGUMENT). Never recurses deeper than
// max_depth, whatever the input. Numbers hold what RapidJSON's DOM holds (see ParseJsonNumber),
// doubles correctly rounded. Strings point into a copy of the body in *document's own memory
// (parsed in place): a value copied into another Document (CopyFrom) still points there and
// must not outlive *document. When `numbers` is not null, on success it holds the exact source
// text of every number of *document ("1.50", not 1.5: FHIR decimals keep their precision).
// Thread-safe.
absl::Status DecodeJson(absl::string_view body, const DecodeLimits& limits,
                        rapidjson::Document* document, mappers::NumberTexts* numbers = nullptr);

}  // namespace trialgate::pipeline

#endif  // TRIALGATE_GATEWAY_PIPELINE_JSON_DECODER_H_
