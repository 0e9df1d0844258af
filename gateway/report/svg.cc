#include "gateway/report/svg.h"

#include <charconv>
#include <cmath>

namespace trialgate::report {

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "0";
  // std::to_chars ignores the locale; fixed format never switches to an exponent.
  char buffer[400];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, 2);
  if (error != std::errc()) return "0";  // |value| > 1e396 cannot be finite; kept for safety
  std::string text(buffer, end);
  while (text.back() == '0') text.pop_back();  // "2.50" -> "2.5", "3.00" -> "3."
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  return text;
}

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

void AppendAttributes(Attributes attributes, std::string* out) {
  for (const Attribute& a : attributes) {
    *out += ' ';
    *out += a.name;
    *out += "=\"";
    *out += EscapeXml(a.value);
    *out += '"';
  }
}

void PathData::Command(char command, std::initializer_list<double> numbers) {
  if (!data_.empty()) data_ += ' ';
  data_ += command;
  for (double n : numbers) {
    data_ += ' ';
    data_ += FormatNumber(n);
  }
}

PathData& PathData::MoveTo(double x, double y) { Command('M', {x, y}); return *this; }
PathData& PathData::LineTo(double x, double y) { Command('L', {x, y}); return *this; }
PathData& PathData::HorizontalTo(double x) { Command('H', {x}); return *this; }
PathData& PathData::VerticalTo(double y) { Command('V', {y}); return *this; }
PathData& PathData::Close() { Command('Z', {}); return *this; }

SvgWriter::SvgWriter(double width, double height, std::string_view title) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::string view_box = "0 0 " + FormatNumber(width) + " " + FormatNumber(height);
  Open("svg", {{"xmlns", "http://www.w3.org/2000/svg"},
               {"width", width},
               {"height", height},
               {"viewBox", view_box},
               {"role", "img"},
               {"font-family", "sans-serif"}});
  Leaf("title", {}, title);
}

void SvgWriter::Indent() { out_.append(2 * open_.size(), ' '); }

void SvgWriter::StartTag(std::string_view name, Attributes attributes) {
  Indent();
  out_ += '<';
  out_ += name;
  AppendAttributes(attributes, &out_);
}

void SvgWriter::Open(std::string_view name, Attributes attributes) {
  StartTag(name, attributes);
  out_ += ">\n";
  open_.emplace_back(name);
}

void SvgWriter::Close() {
  if (open_.empty()) return;
  std::string name = std::move(open_.back());
  open_.pop_back();
  Indent();
  out_ += "</" + name + ">\n";
}

void SvgWriter::Empty(std::string_view name, Attributes attributes) {
  StartTag(name, attributes);
  out_ += "/>\n";
}

void SvgWriter::Leaf(std::string_view name, Attributes attributes, std::string_view text) {
  StartTag(name, attributes);
  out_ += '>';
  out_ += EscapeXml(text);
  out_ += "</";
  out_ += name;
  out_ += ">\n";
}

void SvgWriter::Text(double x, double y, std::string_view text, std::string_view anchor,
                     double font_size, Attributes extra) {
  StartTag("text", {{"x", x}, {"y", y}, {"font-size", font_size}, {"text-anchor", anchor}});
  AppendAttributes(extra, &out_);
  out_ += '>';
  out_ += EscapeXml(text);
  out_ += "</text>\n";
}

std::string SvgWriter::Finish() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

}  // namespace trialgate::report
