#ifndef TRIALGATE_GATEWAY_HL7V2_ESCAPES_H_
#define TRIALGATE_GATEWAY_HL7V2_ESCAPES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// HL7 v2 delimiters and the escape sequences of chapter 2 (section 2.7, "Use of escape
// sequences in text fields"). Pure functions, thread-safe.
namespace trialgate::hl7v2 {

// The delimiters of one message, read from MSH-1 and MSH-2 (never assumed). The defaults are
// only those most messages use.
struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
  char truncation = '\0';  // MSH-2's fifth character (v2.7+); '\0' when the message has none
};

// Decodes the escape sequences of one value (a field, component or sub-component, already
// split on the delimiters) and returns the text:
//   \F\ \S\ \R\ \T\ \E\  the field, component, repetition, sub-component and escape character;
//   \P\                  the truncation character (v2.7+), when the message declares one;
//   \Xhh...\             the bytes of an even number of hex digits (any case, e.g. \X0D0A\);
//   \.br\                a line break ("\n"); \.sp n\ n line breaks (1 when n is absent);
//   \H\ \N\ and the other formatting commands (\.in\ \.ti\ \.sk\ \.ce\ \.fi\ \.nf\) are dropped:
//                        they change how text is displayed, not what it says;
//   \Zxx\                (locally defined) is kept as written.
// Anything else is kept as written and described in *problems (when not null), with its
// offset in `raw`: an unknown escape (\Q\), a character-set switch (\C..\, \M..\, not
// supported), an unterminated one (a lone escape character), or hex that is not an even run of
// hex digits or does not decode to UTF-8. The descriptions never quote the value's text.
std::string Unescape(absl::string_view raw, const Delimiters& delimiters,
                     std::vector<std::string>* problems = nullptr);

// The inverse for the delimiters and line breaks: escapes each delimiter character of `text`
// with \F\ \S\ \R\ \T\ \E\ (\P\ for a declared truncation character), CR and LF as \X0D\ and
// \X0A\ ("\n" as \.br\ would not round-trip a CR LF). Unescape(Escape(t)) == t for any `t`.
std::string Escape(absl::string_view text, const Delimiters& delimiters);

}  // namespace trialgate::hl7v2

#endif  // TRIALGATE_GATEWAY_HL7V2_ESCAPES_H_
