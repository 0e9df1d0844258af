#include "gateway/hl7v2/escapes.h"

#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/hl7v2/utf8.h"

namespace trialgate::hl7v2 {
namespace {

// Most line breaks one \.sp n\ may produce: a bound against a crafted "\.sp 999999999\".
constexpr int kMaxSpacing = 100;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void Report(std::vector<std::string>* problems, size_t offset, absl::string_view what) {
  if (problems != nullptr) {
    problems->push_back(absl::StrCat("escape sequence at offset ", offset, ": ", what));
  }
}

// Decodes the body of a \X..\ escape into *out; false when it is not an even, non-empty run of
// hex digits or its bytes are not UTF-8 (the message was converted to UTF-8 before parsing).
bool DecodeHex(absl::string_view hex, std::string* out, std::string* reason) {
  if (hex.empty() || hex.size() % 2 != 0) {
    *reason = absl::StrCat("\\X..\\ needs an even, non-zero number of hex digits, not ",
                           hex.size());
    return false;
  }
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = HexDigit(hex[i]);
    int low = HexDigit(hex[i + 1]);
    if (high < 0 || low < 0) {
      *reason = "\\X..\\ holds a character that is not a hex digit";
      return false;
    }
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  if (!IsValidUtf8(bytes)) {
    *reason = "\\X..\\ decodes to bytes that are not UTF-8";
    return false;
  }
  absl::StrAppend(out, bytes);
  return true;
}

}  // namespace

std::string Unescape(absl::string_view raw, const Delimiters& delimiters,
                     std::vector<std::string>* problems) {
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    char c = raw[i];
    if (c != delimiters.escape) {
      out.push_back(c);
      ++i;
      continue;
    }
    size_t close = raw.find(delimiters.escape, i + 1);
    if (close == absl::string_view::npos) {
      Report(problems, i, "unterminated (no closing escape character); kept as written");
      absl::StrAppend(&out, raw.substr(i));
      break;
    }
    absl::string_view body = raw.substr(i + 1, close - i - 1);
    absl::string_view whole = raw.substr(i, close - i + 1);
    std::string reason;
    if (body.size() == 1) {
      switch (body[0]) {
        case 'F': out.push_back(delimiters.field); break;
        case 'S': out.push_back(delimiters.component); break;
        case 'R': out.push_back(delimiters.repetition); break;
        case 'T': out.push_back(delimiters.subcomponent); break;
        case 'E': out.push_back(delimiters.escape); break;
        case 'H': case 'N': break;  // highlighting on / off
        case 'P':
          if (delimiters.truncation != '\0') {
            out.push_back(delimiters.truncation);
          } else {
            Report(problems, i, "\\P\\ but the message declares no truncation character; "
                                "kept as written");
            absl::StrAppend(&out, whole);
          }
          break;
        default:
          Report(problems, i, "unknown escape sequence (HL7 v2 chapter 2 defines F S R T E P "
                              "X H N Z C M and the formatting commands); kept as written");
          absl::StrAppend(&out, whole);
      }
    } else if (body.empty()) {
      Report(problems, i, "empty escape sequence; kept as written");
      absl::StrAppend(&out, whole);
    } else if (body[0] == 'X') {
      if (!DecodeHex(body.substr(1), &out, &reason)) {
        Report(problems, i, absl::StrCat(reason, "; kept as written"));
        absl::StrAppend(&out, whole);
      }
    } else if (body[0] == 'Z') {
      absl::StrAppend(&out, whole);  // locally defined: meaningful only to the sender's partners
    } else if (body[0] == 'C' || body[0] == 'M') {
      Report(problems, i, "character-set switches (\\C..\\, \\M..\\) are not supported; "
                          "kept as written");
      absl::StrAppend(&out, whole);
    } else if (body == ".br") {
      out.push_back('\n');
    } else if (body.substr(0, 3) == ".sp") {
      absl::string_view count = absl::StripAsciiWhitespace(body.substr(3));
      int n = 1;
      if (!count.empty() && (!absl::SimpleAtoi(count, &n) || n < 0 || n > kMaxSpacing)) {
        Report(problems, i, absl::StrCat("\\.sp n\\ needs a count from 0 to ", kMaxSpacing,
                                         "; kept as written"));
        absl::StrAppend(&out, whole);
      } else {
        out.append(static_cast<size_t>(n), '\n');
      }
    } else if (body == ".fi" || body == ".nf" || body == ".ce" || body.substr(0, 3) == ".in" ||
               body.substr(0, 3) == ".ti" || body.substr(0, 3) == ".sk") {
      // formatting only
    } else {
      Report(problems, i, "unknown escape sequence (HL7 v2 chapter 2 defines F S R T E P X H "
                          "N Z C M and the formatting commands); kept as written");
      absl::StrAppend(&out, whole);
    }
    i = close + 1;
  }
  return out;
}

std::string Escape(absl::string_view text, const Delimiters& delimiters) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == delimiters.escape) {
      out.append({delimiters.escape, 'E', delimiters.escape});
    } else if (c == delimiters.field) {
      out.append({delimiters.escape, 'F', delimiters.escape});
    } else if (c == delimiters.component) {
      out.append({delimiters.escape, 'S', delimiters.escape});
    } else if (c == delimiters.repetition) {
      out.append({delimiters.escape, 'R', delimiters.escape});
    } else if (c == delimiters.subcomponent) {
      out.append({delimiters.escape, 'T', delimiters.escape});
    } else if (delimiters.truncation != '\0' && c == delimiters.truncation) {
      out.append({delimiters.escape, 'P', delimiters.escape});
    } else if (c == '\r' || c == '\n') {
      out.push_back(delimiters.escape);
      out.append(c == '\r' ? "X0D" : "X0A");
      out.push_back(delimiters.escape);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace trialgate::hl7v2
