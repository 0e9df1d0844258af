#include "tests/report/svg_dom.h"

#include <expat.h>

#include <cmath>
#include <cstdlib>
#include <functional>

#include "absl/strings/str_cat.h"

namespace trialgate::report::testing {
namespace {

struct ParseState {
  Node root;
  std::vector<Node*> stack;
  bool has_root = false;
};

void OnStart(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* state = static_cast<ParseState*>(data);
  Node* node;
  if (state->stack.empty()) {
    state->has_root = true;
    node = &state->root;
  } else {
    node = &state->stack.back()->children.emplace_back();
  }
  node->name = name;
  for (int i = 0; attributes[i] != nullptr; i += 2) node->attributes[attributes[i]] = attributes[i + 1];
  state->stack.push_back(node);
}

void OnEnd(void* data, const XML_Char*) { static_cast<ParseState*>(data)->stack.pop_back(); }

void OnText(void* data, const XML_Char* text, int length) {
  auto* state = static_cast<ParseState*>(data);
  if (!state->stack.empty()) state->stack.back()->text.append(text, length);
}

// Space-separated tokens (Debian's abseil has its own string_view, so no absl::StrSplit here).
std::vector<std::string> Tokens(std::string_view text) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    if (end > i) tokens.emplace_back(text.substr(i, end - i));
    i = end + 1;
  }
  return tokens;
}

void Walk(const Node& node, const std::function<void(const Node&)>& visit) {
  visit(node);
  for (const Node& child : node.children) Walk(child, visit);
}

}  // namespace

std::string Node::Attr(const std::string& key) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? "" : it->second;
}

double Node::Number(const std::string& key) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? NAN : std::strtod(it->second.c_str(), nullptr);
}

bool Node::HasClass(std::string_view cls) const {
  for (const std::string& token : Tokens(Attr("class"))) {
    if (token == cls) return true;
  }
  return false;
}

std::string Node::Title() const {
  for (const Node& child : children) {
    if (child.name == "title") return child.text;
  }
  return "";
}

absl::StatusOr<Node> ParseXml(std::string_view xml) {
  ParseState state;
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser, OnText);
  bool ok = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), /*isFinal=*/1) ==
            XML_STATUS_OK;
  std::string error = ok ? "" : absl::StrCat(XML_ErrorString(XML_GetErrorCode(parser)), " at line ",
                                             XML_GetCurrentLineNumber(parser));
  XML_ParserFree(parser);
  if (!ok) return absl::InvalidArgumentError(error);
  if (!state.has_root) return absl::InvalidArgumentError("no root element");
  return std::move(state.root);
}

std::vector<const Node*> FindAll(const Node& root, std::string_view name, std::string_view cls) {
  std::vector<const Node*> found;
  Walk(root, [&](const Node& node) {
    if ((name.empty() || node.name == name) && (cls.empty() || node.HasClass(cls))) {
      found.push_back(&node);
    }
  });
  return found;
}

std::vector<std::string> StandaloneProblems(const Node& root) {
  std::vector<std::string> problems;
  if (root.name != "svg") problems.push_back("root is <" + root.name + ">, not <svg>");
  for (const char* required : {"width", "height", "viewBox"}) {
    if (root.Attr(required).empty()) problems.push_back(absl::StrCat("root has no ", required));
  }
  Walk(root, [&](const Node& node) {
    for (const char* banned : {"script", "image", "use", "style", "foreignObject", "a", "iframe"}) {
      if (node.name == banned) problems.push_back("element <" + node.name + ">");
    }
    for (const auto& [key, value] : node.attributes) {
      if (key.find("href") != std::string::npos) problems.push_back("attribute " + key);
      if (value.find("url(") != std::string::npos) problems.push_back("url() in " + key);
      if (key.rfind("on", 0) == 0) problems.push_back("event handler " + key);
      if (key != "xmlns" && value.find("://") != std::string::npos) {
        problems.push_back("address in " + key + ": " + value);
      }
    }
  });
  return problems;
}

std::vector<std::string> HtmlProblems(const Node& root) {
  std::vector<std::string> problems;
  Walk(root, [&](const Node& node) {
    for (const char* banned : {"script", "iframe", "object", "embed", "link", "img", "base",
                               "audio", "video", "source", "image", "use", "foreignObject"}) {
      if (node.name == banned) problems.push_back("element <" + node.name + ">");
    }
    if (node.name == "style") {
      if (node.text.find("@import") != std::string::npos) problems.push_back("@import in <style>");
      if (node.text.find("url(") != std::string::npos) problems.push_back("url() in <style>");
    }
    for (const auto& [key, value] : node.attributes) {
      if (key.rfind("on", 0) == 0) problems.push_back("event handler " + key);
      if (value.find("url(") != std::string::npos) problems.push_back("url() in " + key);
      if (key == "xmlns" || key.rfind("xmlns:", 0) == 0) continue;
      if (value.find("://") != std::string::npos || value.rfind("//", 0) == 0 ||
          value.rfind("data:", 0) == 0 || value.rfind("javascript:", 0) == 0) {
        problems.push_back("reference in " + key + ": " + value);
      }
    }
  });
  return problems;
}

std::vector<std::pair<double, double>> PathVertices(std::string_view d) {
  std::vector<std::pair<double, double>> points;
  std::vector<std::string> tokens = Tokens(d);
  double x = 0, y = 0, start_x = 0, start_y = 0;
  auto number = [&](size_t i) { return std::strtod(tokens[i].c_str(), nullptr); };
  for (size_t i = 0; i < tokens.size();) {
    const std::string& command = tokens[i++];
    if (command == "M" || command == "L") {
      x = number(i);
      y = number(i + 1);
      i += 2;
      if (command == "M") start_x = x, start_y = y;
    } else if (command == "H") {
      x = number(i++);
    } else if (command == "V") {
      y = number(i++);
    } else if (command == "Z") {
      x = start_x, y = start_y;
    } else {
      points.push_back({NAN, NAN});  // unknown command: make any comparison fail
      return points;
    }
    points.push_back({x, y});
  }
  return points;
}

int SubPaths(std::string_view d) {
  int count = 0;
  for (const std::string& token : Tokens(d)) count += token == "M";
  return count;
}

}  // namespace trialgate::report::testing
