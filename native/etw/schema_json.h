// The SCHEMA chunk's JSON (docs/FORMAT.md section 3), read into what the ETW encoder needs:
// name, level, opcode, keyword, span role and the field list. The collector thread has no JS
// engine, so the sink parses the chunk it already receives; this is that parser, and it accepts
// any valid JSON (unknown members are ignored).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringtrace::etw {

// FORMAT.md section 4: a span's Start and Stop events carry `span: "start" | "stop"`.
enum class SpanRole { kNone, kStart, kStop };

struct SchemaField {
  std::string name;
  std::string type;  // a FORMAT.md type name: "u32", "str", "f64[]", ...
  // EventBuilder's formatting hints (docs/api.md), 0 when absent: an ETW OutType (0..127) and a
  // field tag (28 bits).
  std::uint8_t out_type = 0;
  std::uint32_t tag = 0;
};

struct EventSchema {
  std::uint32_t id = 0;
  std::string name;
  std::uint8_t level = 0;
  std::uint8_t opcode = 0;
  std::uint64_t keyword = 0;
  SpanRole span = SpanRole::kNone;
  std::vector<SchemaField> fields;
};

// False with `error` set when the text is not JSON or a member is missing or of the wrong type.
// Field types are not checked here (EtwEventEncoder::build does); a field's optional `outType`
// and `tag` are (an integer from 0 to 127, and one from 0 to 0x0FFFFFFF).
bool parse_event_schema(std::string_view json, EventSchema& out, std::string& error);

}  // namespace ringtrace::etw
