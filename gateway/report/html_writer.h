#ifndef TRIALGATE_GATEWAY_REPORT_HTML_WRITER_H_
#define TRIALGATE_GATEWAY_REPORT_HTML_WRITER_H_

// A writer of polyglot HTML5 (docs/report.md): markup that is both HTML5 and well-formed XML,
// so a page can be checked with an XML parser. Every element is closed (void elements as
// `<meta .../>`), attributes are quoted and text and attribute values are escaped. It writes
// no <script> and no external reference of its own. Not thread-safe (one writer per page).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/report/svg.h"

namespace trialgate::report {

class HtmlWriter {
 public:
  // <name attrs...>; REQUIRES: a matching Close().
  void Open(std::string_view name, Attributes attributes = {});
  void Close();
  // A void element: <name attrs.../> (meta, br, hr).
  void Void(std::string_view name, Attributes attributes);
  // <name attrs...>escaped text</name>
  void Leaf(std::string_view name, Attributes attributes, std::string_view text);
  void Text(std::string_view text);  // escaped
  // An SVG document from the plot functions, without its XML declaration, inline.
  // REQUIRES: the document is well-formed (the plot writers' output).
  void InlineSvg(std::string_view svg);
  // Markup written as is. REQUIRES: well-formed, from this library (e.g. the stylesheet).
  void Raw(std::string_view markup);
  // Closes whatever is open and returns the document. The writer is spent.
  std::string Finish();

 private:
  void StartTag(std::string_view name, Attributes attributes);
  std::string out_;
  std::vector<std::string> open_;
};

// The figures of the pages, written the same way everywhere so that a test can reproduce them
// from the JSON report (docs/report.md, "Formatting").
// An integer count: "0", "12".
std::string FormatCount(int value);
// `fraction` x 100 rounded to one decimal, always with it: "71.4", "100.0", "0.0".
std::string FormatPercent(double fraction);
// As FormatPercent, or "NE" (not estimable) when absent.
std::string FormatPercentOrNe(std::optional<double> fraction);
// Days or another quantity: FormatNumber (at most two decimals), or "NE" when absent.
std::string FormatNumberOrNe(std::optional<double> value);

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_HTML_WRITER_H_
