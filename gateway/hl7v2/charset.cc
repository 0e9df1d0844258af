#include "gateway/hl7v2/charset.h"

#include <errno.h>
#include <iconv.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/hl7v2/message.h"
#include "gateway/hl7v2/utf8.h"

namespace trialgate::hl7v2 {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool IsAscii(absl::string_view bytes) {
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Table 0211 values whose bytes cannot be framed by MLLP or split on ASCII delimiters.
bool IsUnframeable(absl::string_view msh18) {
  return (absl::StartsWith(msh18, "UNICODE") && msh18 != "UNICODE UTF-8") ||
         msh18 == "ISO IR87" || msh18 == "ISO IR159" ||
         msh18 == "GB 18030-2000" || msh18 == "KS X 1001" || msh18 == "CNS 11643-1992" ||
         msh18 == "BIG-5";
}

// Owns one iconv descriptor.
class Iconv {
 public:
  explicit Iconv(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
  ~Iconv() {
    if (ok()) iconv_close(cd_);
  }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

absl::StatusOr<std::string> Convert(absl::string_view bytes, const std::string& charset,
                                    absl::string_view why) {
  Iconv cd(charset);
  if (!cd.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("character set ", QuoteCode(charset), " (", why,
                                              ") is not one iconv knows"));
  }
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  size_t written = 0;
  while (in_left > 0) {
    char* out_ptr = out.data() + written;
    size_t out_left = out.size() - written;
    size_t result = iconv(cd.get(), &in_ptr, &in_left, &out_ptr, &out_left);
    written = out.size() - out_left;
    if (result != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    size_t offset = bytes.size() - in_left;
    if (errno == EINVAL) {
      return absl::InvalidArgumentError(absl::StrCat("the message ends inside a multi-byte ",
                                                charset, " character at offset ", offset, " (",
                                                why, ")"));
    }
    return absl::InvalidArgumentError(absl::StrFormat(
        "byte 0x%02X at offset %d is not a character in %s (%s)",
        static_cast<unsigned char>(bytes[offset]), offset, charset, why));
  }
  out.resize(written);
  return out;
}

}  // namespace

std::string ReadMsh18(absl::string_view message) {
  if (absl::StartsWith(message, kUtf8Bom)) message.remove_prefix(kUtf8Bom.size());
  while (!message.empty() && (message.front() == '\r' || message.front() == '\n')) {
    message.remove_prefix(1);
  }
  message = message.substr(0, message.find_first_of("\r\n"));  // the MSH segment only
  if (message.size() < 8 || !absl::StartsWith(message, "MSH")) return "";
  char field = message[3];
  absl::string_view encoding = message.substr(4, message.find(field, 4) - 4);
  // MSH-18 is the 17th piece after "MSH" (MSH-1 is the separator itself).
  size_t start = 3;
  for (int i = 0; i < 17; ++i) {
    start = message.find(field, start);
    if (start == absl::string_view::npos) return "";
    ++start;
  }
  absl::string_view value = message.substr(start, message.find(field, start) - start);
  if (encoding.size() >= 2) {
    value = value.substr(0, value.find(encoding[1]));  // first repetition
  }
  if (!encoding.empty()) value = value.substr(0, value.find(encoding[0]));  // first component
  return std::string(absl::StripAsciiWhitespace(value));
}

std::string IconvNameFor(absl::string_view msh18) {
  if (msh18 == "ASCII" || msh18 == "ISO IR6") return "ASCII";
  if (msh18 == "UNICODE UTF-8") return "UTF-8";
  if (msh18 == "ISO IR100") return "ISO-8859-1";
  if (absl::StartsWith(msh18, "8859/")) {
    absl::string_view part = msh18.substr(5);
    if ((part.size() == 1 && part[0] >= '1' && part[0] <= '9') || part == "15") {
      return absl::StrCat("ISO-8859-", part);
    }
  }
  return "";
}

absl::StatusOr<Decoded> DecodeToUtf8(absl::string_view message, const DecodeOptions& options) {
  std::string msh18 = ReadMsh18(message);
  if (IsUnframeable(msh18)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MSH-18 declares ", QuoteCode(msh18), ": multi-byte character sets cannot be framed by "
        "MLLP or split on HL7 delimiters; send ASCII, UNICODE UTF-8 or an 8859 set"));
  }
  Decoded decoded;
  decoded.charset = IconvNameFor(msh18);
  std::string why = absl::StrCat("MSH-18 is ", QuoteCode(msh18));
  if (decoded.charset.empty()) {
    std::string said = msh18.empty() ? "MSH-18 is empty"
                                     : absl::StrCat("MSH-18 ", QuoteCode(msh18),
                                                    " is not in HL7 table 0211");
    if (!options.fallback_charset.empty()) {
      decoded.charset = options.fallback_charset;
      decoded.used_fallback = true;
      why = absl::StrCat(said, ", the sender's fallback");
    } else {
      decoded.charset = "UTF-8";
      why = absl::StrCat(said, " and the sender has no fallback, so UTF-8");
    }
  }
  bool utf8 = decoded.charset == "UTF-8";
  if (utf8 && absl::StartsWith(message, kUtf8Bom)) message.remove_prefix(kUtf8Bom.size());
  if (IsAscii(message)) {
    // Every accepted set is ASCII-compatible (a fallback that is not, e.g. EBCDIC, is checked
    // by iconv below only when a byte is not ASCII: such a sender could not frame MSH anyway).
    decoded.text = std::string(message);
    return decoded;
  }
  if (utf8) {
    // Own check, to report the offset of the first bad byte precisely.
    if (std::optional<size_t> bad = FirstInvalidUtf8(message); bad.has_value()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "byte 0x%02X at offset %d is not valid UTF-8 (%s)",
          static_cast<unsigned char>(message[*bad]), *bad, why));
    }
    decoded.text = std::string(message);
    return decoded;
  }
  absl::StatusOr<std::string> text = Convert(message, decoded.charset, why);
  if (!text.ok()) return text.status();
  decoded.text = *std::move(text);
  return decoded;
}

}  // namespace trialgate::hl7v2
