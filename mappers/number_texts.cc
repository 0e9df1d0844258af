#include "mappers/number_texts.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

namespace trialgate::mappers {
namespace {

using Index = std::vector<std::pair<const rapidjson::Value*, uint32_t>>;

// Orders by address; std::less, because < on pointers into different allocations is unspecified.
bool ByAddress(const Index::value_type& entry, const rapidjson::Value* key) {
  return std::less<const rapidjson::Value*>()(entry.first, key);
}

void Collect(const rapidjson::Value& value, Index* out) {
  if (value.IsNumber()) {
    out->emplace_back(&value, static_cast<uint32_t>(out->size()));
  } else if (value.IsObject()) {
    for (const auto& member : value.GetObject()) Collect(member.value, out);
  } else if (value.IsArray()) {
    for (const auto& item : value.GetArray()) Collect(item, out);
  }
}

}  // namespace

void NumberTexts::Record(std::string_view text) {
  chars_.append(text);
  ends_.push_back(static_cast<uint32_t>(chars_.size()));
}

bool NumberTexts::Attach(const rapidjson::Value& root) {
  index_.clear();
  index_.reserve(ends_.size());
  Collect(root, &index_);
  if (index_.size() != ends_.size()) {
    index_.clear();
    return false;
  }
  std::sort(index_.begin(), index_.end(),
            [](const auto& a, const auto& b) { return ByAddress(a, b.first); });
  return true;
}

std::optional<std::string_view> NumberTexts::Find(const rapidjson::Value& number) const {
  auto it = std::lower_bound(index_.begin(), index_.end(), &number, ByAddress);
  if (it == index_.end() || it->first != &number) return std::nullopt;
  return Text(it->second);
}

std::string_view NumberTexts::Text(uint32_t index) const {
  const uint32_t begin = index == 0 ? 0 : ends_[index - 1];
  return std::string_view(chars_).substr(begin, ends_[index] - begin);
}

std::string NumberText(const rapidjson::Value& number, const NumberTexts* texts) {
  if (!number.IsNumber()) return "";
  if (texts != nullptr) {
    if (std::optional<std::string_view> text = texts->Find(number)) return std::string(*text);
  }
  char buffer[32];
  std::to_chars_result r;
  if (number.IsInt64()) {
    r = std::to_chars(buffer, buffer + sizeof(buffer), number.GetInt64());
  } else if (number.IsUint64()) {
    r = std::to_chars(buffer, buffer + sizeof(buffer), number.GetUint64());
  } else if (std::isfinite(number.GetDouble())) {
    r = std::to_chars(buffer, buffer + sizeof(buffer), number.GetDouble());
  } else {
    return "";
  }
  return std::string(buffer, r.ptr);
}

std::string ComputedDecimalText(double value) {
  if (!std::isfinite(value)) return "";
  char buffer[32];
  auto r = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::general, 15);
  return std::string(buffer, r.ptr);
}

}  // namespace trialgate::mappers
