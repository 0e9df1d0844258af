#include "gateway/validation/datatype_invariants.h"

#include <cctype>
#include <cstring>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "gateway/validation/definition_json.h"
#include "mappers/fhir_datetime.h"

namespace trialgate::validation {
namespace {

using rapidjson::Value;
using Result = std::optional<std::string>;

constexpr char kUcum[] = "http://unitsofmeasure.org";

using definition_json::Member;
bool Has(const Value& object, const char* name) { return Member(object, name) != nullptr; }

// A choice element `name[x]` is present under any `nameType` member.
bool HasChoice(const Value& object, const char* name) {
  if (!object.IsObject()) return false;
  const size_t n = std::strlen(name);
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
    if (m->name.GetStringLength() > n && std::strncmp(m->name.GetString(), name, n) == 0 &&
        std::isupper(static_cast<unsigned char>(m->name.GetString()[n]))) {
      return true;
    }
  }
  return false;
}

bool StringIs(const Value* v, const char* text) {
  return v != nullptr && v->IsString() && std::strcmp(v->GetString(), text) == 0;
}

Result Fail(std::string why = {}) { return why; }  // engaged: the rule is broken
constexpr Result kHolds = std::nullopt;

// "If a code for the unit is present, the system SHALL also be present" and friends on
// Quantity and its profiles: value, code, system and comparator as the rule reads them.
Result Qty3(const Value& v, const TypeRef&) {
  if (!v.IsObject() || !Has(v, "code") || Has(v, "system")) return kHolds;
  return Fail();
}

// `(code.exists() or value.empty()) and (system.empty() or system = <system>)`.
bool CodedIn(const Value& v, const char* system) {
  if (!v.IsObject()) return true;
  const bool coded = Has(v, "code") || !Has(v, "value");
  const Value* s = Member(v, "system");
  return coded && (s == nullptr || StringIs(s, system));
}
Result Age1(const Value& v, const TypeRef&) {
  if (!CodedIn(v, kUcum)) return Fail();
  const Value* value = Member(v, "value");
  if (value != nullptr && value->IsNumber() && !(value->GetDouble() > 0)) return Fail("the age is not above 0");
  return kHolds;
}
Result Cnt3(const Value& v, const TypeRef&) {
  if (!CodedIn(v, kUcum)) return Fail();
  const Value* code = Member(v, "code");
  if (code != nullptr && !StringIs(code, "1")) return Fail("the code is not '1'");
  const Value* value = Member(v, "value");
  if (value != nullptr && value->IsDouble()) return Fail("the count is not a whole number");
  return kHolds;
}
Result Dis1(const Value& v, const TypeRef&) { return CodedIn(v, kUcum) ? kHolds : Fail(); }
Result Mqty1(const Value& v, const TypeRef&) {
  return CodedIn(v, "urn:iso:std:iso:4217") ? kHolds : Fail();
}
Result Drt1(const Value& v, const TypeRef&) {
  if (!Has(v, "code")) return kHolds;
  return StringIs(Member(v, "system"), kUcum) && Has(v, "value") ? kHolds : Fail();
}

Result Ext1(const Value& v, const TypeRef&) {
  if (!v.IsObject()) return kHolds;
  return Has(v, "extension") != HasChoice(v, "value") ? kHolds : Fail();
}
Result Att1(const Value& v, const TypeRef&) {
  return !Has(v, "data") || Has(v, "contentType") ? kHolds : Fail();
}
Result Cpt2(const Value& v, const TypeRef&) {
  return !Has(v, "value") || Has(v, "system") ? kHolds : Fail();
}
Result Pat1(const Value& v, const TypeRef&) {
  if (!v.IsObject()) return kHolds;
  return Has(v, "name") || Has(v, "telecom") || Has(v, "address") || Has(v, "organization")
             ? kHolds
             : Fail();
}
Result Rat1(const Value& v, const TypeRef&) {
  if (!v.IsObject()) return kHolds;
  const bool numerator = Has(v, "numerator");
  if (numerator != Has(v, "denominator")) return Fail("only one of numerator and denominator");
  if (!numerator && !Has(v, "extension")) return Fail("neither numerator nor denominator");
  return kHolds;
}

// Compares two FHIR date/dateTime values as FHIRPath does where the answer is certain:
// -1, 0 or 1, or nullopt when their precisions leave it open.
std::optional<int> CompareDateTimes(std::string_view a, std::string_view b) {
  if (a.size() > 10 && b.size() > 10) {
    auto ta = mappers::ParseFhirDateTime(a);
    auto tb = mappers::ParseFhirDateTime(b);
    if (!ta.ok() || !tb.ok()) return std::nullopt;  // a format error, reported elsewhere
    const auto key = [](const google::protobuf::Timestamp& t) {
      return std::make_pair(t.seconds(), t.nanos());
    };
    return key(*ta) < key(*tb) ? -1 : key(*ta) == key(*tb) ? 0 : 1;
  }
  // Dates (or a date and a dateTime): compare the calendar parts both have.
  const size_t common = std::min<size_t>(std::min(a.size(), b.size()), 10);
  const int c = a.substr(0, common).compare(b.substr(0, common));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.size() == b.size() ? std::optional<int>(0) : std::nullopt;
}
Result Per1(const Value& v, const TypeRef&) {
  const Value* start = Member(v, "start");
  const Value* end = Member(v, "end");
  if (start == nullptr || end == nullptr || !start->IsString() || !end->IsString()) return kHolds;
  std::optional<int> order = CompareDateTimes(start->GetString(), end->GetString());
  if (order.has_value() && *order > 0) {
    return Fail(std::string("start ") + start->GetString() + " is after end " + end->GetString());
  }
  return kHolds;
}
Result Rng2(const Value& v, const TypeRef&) {
  const Value* low = Member(v, "low");
  const Value* high = Member(v, "high");
  if (low == nullptr || high == nullptr) return kHolds;
  const Value* lv = Member(*low, "value");
  const Value* hv = Member(*high, "value");
  if (lv == nullptr || hv == nullptr || !lv->IsNumber() || !hv->IsNumber()) return kHolds;
  // Comparable only in the same unit (no UCUM conversion here).
  const Value* lc = Member(*low, "code");
  const Value* hc = Member(*high, "code");
  const bool same_unit = (lc == nullptr && hc == nullptr) ||
                         (lc != nullptr && hc != nullptr && *lc == *hc);
  if (same_unit && lv->GetDouble() > hv->GetDouble()) return Fail("low is above high");
  return kHolds;
}

// Timing.repeat.
Result Tim1(const Value& v, const TypeRef&) {
  return !Has(v, "duration") || Has(v, "durationUnit") ? kHolds : Fail();
}
Result Tim2(const Value& v, const TypeRef&) {
  return !Has(v, "period") || Has(v, "periodUnit") ? kHolds : Fail();
}
Result NonNegative(const Value& v, const char* name) {
  const Value* n = Member(v, name);
  return n != nullptr && n->IsNumber() && n->GetDouble() < 0 ? Fail() : kHolds;
}
Result Tim4(const Value& v, const TypeRef&) { return NonNegative(v, "duration"); }
Result Tim5(const Value& v, const TypeRef&) { return NonNegative(v, "period"); }
Result Tim6(const Value& v, const TypeRef&) {
  return !Has(v, "periodMax") || Has(v, "period") ? kHolds : Fail();
}
Result Tim7(const Value& v, const TypeRef&) {
  return !Has(v, "durationMax") || Has(v, "duration") ? kHolds : Fail();
}
Result Tim8(const Value& v, const TypeRef&) {
  return !Has(v, "countMax") || Has(v, "count") ? kHolds : Fail();
}
Result Tim9(const Value& v, const TypeRef&) {
  if (!Has(v, "offset")) return kHolds;
  const Value* when = Member(v, "when");
  if (when == nullptr || !when->IsArray() || when->Empty()) return Fail("offset without when");
  for (const Value& w : when->GetArray()) {
    for (const char* meal : {"C", "CM", "CD", "CV"}) {
      if (StringIs(&w, meal)) return Fail(std::string("offset with when '") + meal + "'");
    }
  }
  return kHolds;
}
Result Tim10(const Value& v, const TypeRef&) {
  return !Has(v, "timeOfDay") || !Has(v, "when") ? kHolds : Fail();
}

// Narrative.div: some text (or an image) between the tags.
Result Txt2(const Value& v, const TypeRef&) {
  if (!v.IsString()) return kHolds;
  const std::string_view html(v.GetString(), v.GetStringLength());
  bool in_tag = false;
  for (size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '<') {
      in_tag = true;
      if (html.compare(i, 4, "<img") == 0) return kHolds;
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag && !std::isspace(static_cast<unsigned char>(c))) {
      return kHolds;
    }
  }
  return Fail();
}

Result Exp1(const Value& v, const TypeRef&) {
  return !v.IsObject() || Has(v, "expression") || Has(v, "reference") ? kHolds : Fail();
}
Result Drq(const Value& v, const TypeRef&) {  // drq-1, drq-2: path xor searchParam
  if (!v.IsObject()) return kHolds;
  return Has(v, "path") != Has(v, "searchParam") ? kHolds : Fail();
}
Result Trd1(const Value& v, const TypeRef&) {
  return !Has(v, "data") || !HasChoice(v, "timing") ? kHolds : Fail();
}
Result Trd2(const Value& v, const TypeRef&) {
  return !Has(v, "condition") || Has(v, "data") ? kHolds : Fail();
}
Result Trd3(const Value& v, const TypeRef&) {
  const Value* type = Member(v, "type");
  if (type == nullptr || !type->IsString()) return kHolds;
  const std::string_view t(type->GetString(), type->GetStringLength());
  if (t == "named-event" && !Has(v, "name")) return Fail("a named event without a name");
  if (t == "periodic" && !HasChoice(v, "timing")) return Fail("a periodic event without timing");
  if (t.rfind("data-", 0) == 0 && !Has(v, "data")) return Fail("a data event without data");
  return kHolds;
}

}  // namespace

NativeInvariant FindR4ElementInvariant(std::string_view key) {
  static const auto* const kByKey = new absl::flat_hash_map<std::string_view, NativeInvariant>{
      {"ext-1", &Ext1},   {"qty-3", &Qty3},   {"age-1", &Age1},
      {"cnt-3", &Cnt3},   {"dis-1", &Dis1},   {"drt-1", &Drt1},   {"mqty-1", &Mqty1},
      {"att-1", &Att1},   {"cpt-2", &Cpt2},   {"per-1", &Per1},   {"rng-2", &Rng2},
      {"rat-1", &Rat1},   {"pat-1", &Pat1},   {"tim-1", &Tim1},   {"tim-2", &Tim2},
      {"tim-4", &Tim4},   {"tim-5", &Tim5},   {"tim-6", &Tim6},   {"tim-7", &Tim7},
      {"tim-8", &Tim8},   {"tim-9", &Tim9},   {"tim-10", &Tim10}, {"txt-2", &Txt2},
      {"exp-1", &Exp1},   {"drq-1", &Drq},    {"drq-2", &Drq},    {"trd-1", &Trd1},
      {"trd-2", &Trd2},   {"trd-3", &Trd3},
  };
  auto it = kByKey->find(key);
  return it == kByKey->end() ? nullptr : it->second;
}

}  // namespace trialgate::validation
