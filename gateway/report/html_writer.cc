#include "gateway/report/html_writer.h"

#include <charconv>
#include <cmath>

namespace trialgate::report {

void HtmlWriter::StartTag(std::string_view name, Attributes attributes) {
  out_ += '<';
  out_ += name;
  AppendAttributes(attributes, &out_);
}

void HtmlWriter::Open(std::string_view name, Attributes attributes) {
  StartTag(name, attributes);
  out_ += '>';
  open_.emplace_back(name);
}

void HtmlWriter::Close() {
  if (open_.empty()) return;
  out_ += "</";
  out_ += open_.back();
  out_ += ">";
  // A line break after block-level closes keeps the source readable without adding text
  // inside inline elements.
  if (open_.back() != "span" && open_.back() != "a" && open_.back() != "td" &&
      open_.back() != "th" && open_.back() != "abbr") {
    out_ += '\n';
  }
  open_.pop_back();
}

void HtmlWriter::Void(std::string_view name, Attributes attributes) {
  StartTag(name, attributes);
  out_ += "/>";
}

void HtmlWriter::Leaf(std::string_view name, Attributes attributes, std::string_view text) {
  StartTag(name, attributes);
  out_ += '>';
  out_ += EscapeXml(text);
  out_ += "</";
  out_ += name;
  out_ += '>';
}

void HtmlWriter::Text(std::string_view text) { out_ += EscapeXml(text); }

void HtmlWriter::InlineSvg(std::string_view svg) {
  // An XML declaration may only start a document.
  if (svg.substr(0, 5) == "<?xml") {
    size_t end = svg.find("?>");
    svg.remove_prefix(end == std::string_view::npos ? svg.size() : end + 2);
    while (!svg.empty() && (svg.front() == '\n' || svg.front() == '\r')) svg.remove_prefix(1);
  }
  out_ += svg;
  if (!svg.empty() && svg.back() != '\n') out_ += '\n';
}

void HtmlWriter::Raw(std::string_view markup) { out_ += markup; }

std::string HtmlWriter::Finish() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

std::string FormatCount(int value) { return std::to_string(value); }

std::string FormatPercent(double fraction) {
  double percent = fraction * 100;
  if (!std::isfinite(percent)) return "NE";
  char buffer[64];
  // to_chars: locale-independent and correctly rounded from the binary value, like printf's
  // "%.1f" in the C locale (and Python's format(x, ".1f")).
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), percent,
                                 std::chars_format::fixed, 1);
  std::string text(buffer, ec == std::errc() ? end : buffer);
  return text == "-0.0" ? "0.0" : text;
}

std::string FormatPercentOrNe(std::optional<double> fraction) {
  return fraction ? FormatPercent(*fraction) : "NE";
}

std::string FormatNumberOrNe(std::optional<double> value) {
  return value && std::isfinite(*value) ? FormatNumber(*value) : "NE";
}

}  // namespace trialgate::report
