#ifndef TRIALGATE_TESTS_REPORT_SVG_DOM_H_
#define TRIALGATE_TESTS_REPORT_SVG_DOM_H_

// A tiny DOM over expat for the plot tests: parses a document (so a test fails on anything
// not well-formed), finds elements by name and class, and reads path data back into points.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace trialgate::report::testing {

struct Node {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // character data directly inside, entities decoded
  std::vector<Node> children;

  std::string Attr(const std::string& key) const;
  double Number(const std::string& key) const;  // the attribute as a number (NaN if absent)
  bool HasClass(std::string_view cls) const;    // one of the space-separated class tokens
  std::string Title() const;                    // text of a <title> child, or ""
};

// The document's root element, or InvalidArgument with expat's message and line.
absl::StatusOr<Node> ParseXml(std::string_view xml);

// Every element below and including `root` named `name` ("" for any) with class `cls` ("" for
// any), in document order.
std::vector<const Node*> FindAll(const Node& root, std::string_view name,
                                 std::string_view cls = "");

// Why the document would not render standalone: the root is not <svg> with width, height
// and viewBox; an element that runs code or loads something (script, image, use, style,
// foreignObject, a, iframe); any href or url(...) reference. Empty if none.
std::vector<std::string> StandaloneProblems(const Node& root);

// Why an HTML page (polyglot, parsed by ParseXml) would not stand alone when mailed: an element
// that runs code or loads something (script, iframe, object, embed, link, img, base, audio,
// video, source), an on... handler, a src or href that leaves the document (an address with
// "://" or "//", or data:/javascript:), url(...) or @import in an attribute or a <style>. The
// xmlns namespaces are not references. Empty if none.
std::vector<std::string> HtmlProblems(const Node& root);

// The vertices of absolute path data (M, L, H, V, Z), in order.
std::vector<std::pair<double, double>> PathVertices(std::string_view d);

// Number of M commands (sub-paths).
int SubPaths(std::string_view d);

}  // namespace trialgate::report::testing

#endif  // TRIALGATE_TESTS_REPORT_SVG_DOM_H_
