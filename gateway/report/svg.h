#ifndef TRIALGATE_GATEWAY_REPORT_SVG_H_
#define TRIALGATE_GATEWAY_REPORT_SVG_H_

// A minimal SVG writer for the report plots. It writes only what a standalone figure needs:
// elements, attributes and escaped text. No <script>, no <image>, no stylesheet and no href of
// any kind, so the output renders the same when inlined in an HTML page mailed to a committee.
// Numbers are written locale-independently with at most two decimals and never in exponent
// form; the same calls give byte-identical output. Not thread-safe (one writer per figure).

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace trialgate::report {

// `value` rounded to two decimals, trailing zeros and a trailing point dropped, "-0" written
// as "0", never an exponent ("1000000", not "1e+06"); '.' whatever the C or C++ locale.
// A NaN or infinite value is written as "0": callers check their input, and a broken number
// must not make the document unparsable.
std::string FormatNumber(double value);

// `text` with & < > " ' replaced by their XML entities; usable in content and attributes.
std::string EscapeXml(std::string_view text);

// One attribute; the name is a literal of the caller, the value is escaped when written.
struct Attribute {
  Attribute(std::string_view name, std::string_view value) : name(name), value(value) {}
  Attribute(std::string_view name, const char* value) : name(name), value(value) {}
  Attribute(std::string_view name, const std::string& value) : name(name), value(value) {}
  Attribute(std::string_view name, double value) : name(name), value(FormatNumber(value)) {}
  Attribute(std::string_view name, int value) : name(name), value(FormatNumber(value)) {}
  std::string name;
  std::string value;
};
using Attributes = std::initializer_list<Attribute>;

// Appends ` name="escaped value"` for each attribute: the one way SVG and HTML write them.
void AppendAttributes(Attributes attributes, std::string* out);

// Path data built from absolute commands, each number through FormatNumber.
class PathData {
 public:
  PathData& MoveTo(double x, double y);
  PathData& LineTo(double x, double y);
  PathData& HorizontalTo(double x);
  PathData& VerticalTo(double y);
  PathData& Close();
  bool empty() const { return data_.empty(); }
  const std::string& str() const { return data_; }

 private:
  void Command(char command, std::initializer_list<double> numbers);
  std::string data_;
};

// Writes one SVG document: the root <svg> (namespace, width, height, viewBox, a generic
// sans-serif font) with a <title> child, then whatever the caller adds.
class SvgWriter {
 public:
  // REQUIRES: width and height are positive.
  SvgWriter(double width, double height, std::string_view title);

  // <name attrs...>; REQUIRES: a matching Close().
  void Open(std::string_view name, Attributes attributes = {});
  void Close();
  // <name attrs.../>
  void Empty(std::string_view name, Attributes attributes);
  // <name attrs...>escaped text</name>
  void Leaf(std::string_view name, Attributes attributes, std::string_view text);
  // A <text> at (x, y) with the given anchor ("start", "middle", "end") and size.
  void Text(double x, double y, std::string_view text, std::string_view anchor = "start",
            double font_size = 12, Attributes extra = {});

  // Closes whatever is open, then the root, and returns the document. The writer is spent.
  std::string Finish();

 private:
  void StartTag(std::string_view name, Attributes attributes);
  void Indent();
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace trialgate::report

#endif  // TRIALGATE_GATEWAY_REPORT_SVG_H_
