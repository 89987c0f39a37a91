#include "etw/schema_json.h"

#include <charconv>
#include <cmath>
#include <memory>
#include <utility>

namespace ringtrace::etw {
namespace {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  const JsonValue* member(std::string_view key) const {
    for (const auto& [name, value] : members) {
      if (name == key) return &value;
    }
    return nullptr;
  }
};

// Recursive descent over RFC 8259 JSON. Depth is capped: a schema nests three levels deep.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  bool parse(JsonValue& out, std::string& error) {
    if (!value(out, 0) || (skip_space(), pos_ != text_.size())) {
      error = "malformed JSON at byte " + std::to_string(pos_);
      return false;
    }
    return true;
  }

 private:
  static constexpr int kMaxDepth = 32;

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool value(JsonValue& out, int depth) {
    if (depth > kMaxDepth) return false;
    skip_space();
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{': return object(out, depth);
      case '[': return array(out, depth);
      case '"': out.kind = JsonValue::Kind::kString; return string(out.string);
      case 't': out.kind = JsonValue::Kind::kBool; out.boolean = true; return literal("true");
      case 'f': out.kind = JsonValue::Kind::kBool; out.boolean = false; return literal("false");
      case 'n': out.kind = JsonValue::Kind::kNull; return literal("null");
      default: return number(out);
    }
  }

  bool object(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::kObject;
    ++pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') return ++pos_, true;
    for (;;) {
      skip_space();
      std::string key;
      if (pos_ >= text_.size() || text_[pos_] != '"' || !string(key)) return false;
      skip_space();
      if (pos_ >= text_.size() || text_[pos_++] != ':') return false;
      out.members.emplace_back(std::move(key), JsonValue{});
      if (!value(out.members.back().second, depth + 1)) return false;
      skip_space();
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_++];
      if (c == '}') return true;
      if (c != ',') return false;
    }
  }

  bool array(JsonValue& out, int depth) {
    out.kind = JsonValue::Kind::kArray;
    ++pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') return ++pos_, true;
    for (;;) {
      out.items.emplace_back();
      if (!value(out.items.back(), depth + 1)) return false;
      skip_space();
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_++];
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  bool hex4(std::uint32_t& out) {
    if (pos_ + 4 > text_.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') out |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') out |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') out |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // At the opening quote. A lone surrogate escape becomes U+FFFD, as TextEncoder writes it.
  bool string(std::string& out) {
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return false;
      switch (text_[pos_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
            const std::size_t mark = pos_;
            pos_ += 2;
            std::uint32_t low = 0;
            if (!hex4(low)) return false;
            if (low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = mark;
            }
          }
          append_utf8(out, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  bool number(JsonValue& out) {
    out.kind = JsonValue::Kind::kNumber;
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    const auto result = std::from_chars(begin, end, out.number);
    if (result.ec != std::errc() || result.ptr == begin) return false;
    pos_ += static_cast<std::size_t>(result.ptr - begin);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool small_integer(const JsonValue* value, double max, double& out) {
  if (value == nullptr || value->kind != JsonValue::Kind::kNumber) return false;
  out = value->number;
  return out >= 0 && out <= max && std::trunc(out) == out;
}

// "0x..." as the tracer writes it (tracer.ts: `0x${keyword.toString(16)}`).
bool hex_keyword(const JsonValue* value, std::uint64_t& out) {
  if (value == nullptr || value->kind != JsonValue::Kind::kString) return false;
  std::string_view s = value->string;
  if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  s.remove_prefix(2);
  const auto result = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return result.ec == std::errc() && result.ptr == s.data() + s.size();
}

}  // namespace

bool parse_event_schema(std::string_view json, EventSchema& out, std::string& error) {
  JsonValue root;
  if (!JsonParser(json).parse(root, error)) return false;
  if (root.kind != JsonValue::Kind::kObject) {
    error = "a SCHEMA is a JSON object";
    return false;
  }
  double id = 0;
  double level = 0;
  double opcode = 0;
  const JsonValue* name = root.member("name");
  const JsonValue* fields = root.member("fields");
  if (!small_integer(root.member("id"), 0xFFFF, id)) {
    error = "SCHEMA id must be an integer from 0 to 65535";
    return false;
  }
  if (name == nullptr || name->kind != JsonValue::Kind::kString) {
    error = "SCHEMA name must be a string";
    return false;
  }
  if (!small_integer(root.member("level"), 255, level) ||
      !small_integer(root.member("opcode"), 255, opcode)) {
    error = "SCHEMA level and opcode must be integers from 0 to 255";
    return false;
  }
  if (!hex_keyword(root.member("keyword"), out.keyword)) {
    error = "SCHEMA keyword must be a hex string like \"0x1f\"";
    return false;
  }
  if (fields == nullptr || fields->kind != JsonValue::Kind::kArray) {
    error = "SCHEMA fields must be an array";
    return false;
  }
  out.id = static_cast<std::uint32_t>(id);
  out.name = name->string;
  out.level = static_cast<std::uint8_t>(level);
  out.opcode = static_cast<std::uint8_t>(opcode);
  out.span = SpanRole::kNone;
  if (const JsonValue* span = root.member("span"); span != nullptr) {
    if (span->kind == JsonValue::Kind::kString && span->string == "start") {
      out.span = SpanRole::kStart;
    } else if (span->kind == JsonValue::Kind::kString && span->string == "stop") {
      out.span = SpanRole::kStop;
    } else {
      error = "SCHEMA span must be \"start\" or \"stop\"";
      return false;
    }
  }
  out.fields.clear();
  for (const JsonValue& field : fields->items) {
    const JsonValue* field_name = field.member("name");
    const JsonValue* field_type = field.member("type");
    if (field_name == nullptr || field_name->kind != JsonValue::Kind::kString ||
        field_type == nullptr || field_type->kind != JsonValue::Kind::kString) {
      error = "each SCHEMA field must be { name: string, type: string }";
      return false;
    }
    SchemaField parsed{field_name->string, field_type->string};
    double out_type = 0;
    double tag = 0;
    const JsonValue* out_type_value = field.member("outType");
    const JsonValue* tag_value = field.member("tag");
    if ((out_type_value != nullptr && !small_integer(out_type_value, 127, out_type)) ||
        (tag_value != nullptr && !small_integer(tag_value, 0x0FFFFFFF, tag))) {
      error = "SCHEMA field " + parsed.name +
              ": outType must be an integer from 0 to 127 and tag one from 0 to 0x0FFFFFFF";
      return false;
    }
    parsed.out_type = static_cast<std::uint8_t>(out_type);
    parsed.tag = static_cast<std::uint32_t>(tag);
    out.fields.push_back(std::move(parsed));
  }
  return true;
}

}  // namespace ringtrace::etw
