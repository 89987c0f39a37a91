#include "etw/event_encoder.h"

#include <cstring>
#include <string_view>

#include "ring/ring_layout.h"

namespace ringtrace::etw {
namespace {

// A ringtrace field type (docs/FORMAT.md section 2) and the TraceLogging type it is sent as
// (docs/etw.md, "Type mapping"). `size` is the fixed size, or the element size of an array
// (1 for str and binary).
struct FieldType {
  std::string_view name;
  std::uint32_t size;
  bool variable;
  InType in;
  OutType out;
};

constexpr FieldType kScalarTypes[] = {
    // bool is one byte in the ring: UINT8 shown as BOOLEAN takes that byte as it is (BOOL32
    // would need 4 bytes and a copy).
    {"bool", 1, false, InType::kUInt8, OutType::kBoolean},
    {"i8", 1, false, InType::kInt8, OutType::kNone},
    {"u8", 1, false, InType::kUInt8, OutType::kNone},
    {"i16", 2, false, InType::kInt16, OutType::kNone},
    {"u16", 2, false, InType::kUInt16, OutType::kNone},
    {"i32", 4, false, InType::kInt32, OutType::kNone},
    {"u32", 4, false, InType::kUInt32, OutType::kNone},
    {"i64", 8, false, InType::kInt64, OutType::kNone},
    {"u64", 8, false, InType::kUInt64, OutType::kNone},
    {"f32", 4, false, InType::kFloat, OutType::kNone},
    {"f64", 8, false, InType::kDouble, OutType::kNone},
    {"guid", 16, false, InType::kGuid, OutType::kNone},
    // UTF-8 bytes with a u16 byte count: the ring's own encoding.
    {"str", 1, true, InType::kCountedAnsiString, OutType::kUtf8},
    // BINARY, not COUNTEDBINARY: the same payload bytes, and every TDH version decodes it
    // (COUNTEDBINARY needs Windows 10 1809 or later on the decoding machine).
    {"binary", 1, true, InType::kBinary, OutType::kNone},
};

// Arrays: `<numeric>[]`, the element's InType with the variable-count flag.
bool lookup_type(std::string_view name, FieldType& out, bool& array) {
  array = name.size() > 2 && name.substr(name.size() - 2) == "[]";
  const std::string_view base = array ? name.substr(0, name.size() - 2) : name;
  for (const FieldType& type : kScalarTypes) {
    if (type.name != base) continue;
    if (array && (type.variable || type.name == "bool" || type.name == "guid")) return false;
    out = type;
    if (array) out.variable = true;
    return true;
  }
  return false;
}

constexpr std::uint8_t kTagFlagChain = 0x80;  // another byte of the field tag follows

std::uint32_t align_up(std::uint32_t value, std::uint32_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

std::uint16_t load_u16(const std::uint8_t* p) {
  std::uint16_t value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

void append_name(std::vector<std::uint8_t>& out, std::string_view name) {
  out.insert(out.end(), name.begin(), name.end());
  out.push_back(0);
}

// A field's type bytes (docs/etw.md, "Event metadata"): InType; with the chain bit, the OutType
// byte; with its chain bit, the field tag, 28 bits in 7-bit groups, most significant first,
// each group but the last with the chain bit, and the trailing all-zero groups left out.
void append_type(std::vector<std::uint8_t>& out, std::uint8_t in, std::uint8_t out_type,
                 std::uint32_t tag) {
  if (out_type == 0 && tag == 0) {
    out.push_back(in);
    return;
  }
  out.push_back(in | kInFlagChain);
  if (tag == 0) {
    out.push_back(out_type);
    return;
  }
  out.push_back(out_type | kOutFlagChain);
  auto group = [tag](int i) { return static_cast<std::uint8_t>((tag >> (21 - 7 * i)) & 0x7F); };
  int last = 3;
  while (group(last) == 0) --last;  // tag != 0: some group is not zero
  for (int i = 0; i <= last; ++i) {
    out.push_back(i < last ? static_cast<std::uint8_t>(group(i) | kTagFlagChain) : group(i));
  }
}

}  // namespace

bool EtwEventEncoder::build(const EventSchema& schema, std::size_t traits_bytes,
                            EtwEventEncoder& out, std::string& error) {
  const std::size_t id_fields = schema.span == SpanRole::kStart  ? 2
                                : schema.span == SpanRole::kStop ? 1
                                                                 : 0;
  static constexpr std::string_view kIdNames[] = {"activityId", "parentId"};
  for (std::size_t i = 0; i < id_fields; ++i) {
    if (schema.fields.size() <= i || schema.fields[i].name != kIdNames[i] ||
        schema.fields[i].type != "guid") {
      error = "span event " + schema.name + ": field " + std::to_string(i) + " must be " +
              std::string(kIdNames[i]) + " (guid)";
      return false;
    }
  }
  if (schema.fields.size() - id_fields > kMaxFields) {
    error = "event " + schema.name + " has " + std::to_string(schema.fields.size() - id_fields) +
            " payload fields; TraceLogging takes at most 128";
    return false;
  }
  if (schema.name.find('\0') != std::string::npos) {
    error = "an event name must not contain NUL";
    return false;
  }

  EtwEventEncoder encoder;
  encoder.name_ = schema.name;
  encoder.descriptor_.level = schema.level;
  encoder.descriptor_.opcode = schema.opcode;
  encoder.descriptor_.keyword = schema.keyword;
  encoder.related_from_parent_ = schema.span == SpanRole::kStart;

  std::vector<std::uint8_t>& meta = encoder.metadata_;
  meta.resize(2);   // u16 size, set below
  meta.push_back(0);  // event tags: none
  append_name(meta, schema.name);

  std::uint32_t offset = kHeaderBytes;
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const SchemaField& field = schema.fields[i];
    FieldType type;
    bool array = false;
    if (!lookup_type(field.type, type, array)) {
      error = "field " + field.name + " of event " + schema.name + " has unknown type " +
              field.type;
      return false;
    }
    if (field.name.find('\0') != std::string::npos) {
      error = "a field name must not contain NUL";
      return false;
    }
    if (type.variable) {
      encoder.plan_.push_back(FieldPlan{FieldKind::kVariable, 0, type.size});
    } else {
      // Natural alignment, guid at 8 (FORMAT.md section 2; src/format/layout.ts).
      offset = align_up(offset, type.size < 8 ? type.size : 8);
      const FieldKind kind = i < id_fields ? (i == 0 ? FieldKind::kActivityId : FieldKind::kParentId)
                                           : FieldKind::kFixed;
      encoder.plan_.push_back(FieldPlan{kind, offset, type.size});
      offset += type.size;
    }
    if (i < id_fields) continue;
    append_name(meta, field.name);
    std::uint8_t in = static_cast<std::uint8_t>(type.in);
    if (array) in |= kInFlagVariableCount;
    // The schema's OutType (EventBuilder's outType) replaces the type's own: for str, the JSON
    // and XML OutTypes decode 8-bit strings as UTF-8 as well.
    const std::uint8_t out_type =
        field.out_type != 0 ? field.out_type : static_cast<std::uint8_t>(type.out);
    append_type(meta, in, out_type, field.tag);
  }
  if (meta.size() > kMaxMetadataBytes) {
    error = "event " + schema.name + ": TraceLogging metadata of " + std::to_string(meta.size()) +
            " bytes is over the 65535-byte limit";
    return false;
  }
  const auto size = static_cast<std::uint16_t>(meta.size());
  std::memcpy(meta.data(), &size, sizeof size);
  encoder.fixed_end_ = align_up(offset, kRecordAlignment);
  encoder.overhead_bytes_ = traits_bytes + meta.size();
  out = std::move(encoder);
  return true;
}

template <class Piece>
EncodeResult EtwEventEncoder::walk(std::span<const std::uint8_t> record, ActivityIds& ids,
                                   Piece&& piece) const {
  if (record.size() < fixed_end_) return EncodeResult::kMalformed;
  const std::uint8_t* base = record.data();
  std::size_t var_at = fixed_end_;
  std::size_t payload_bytes = 0;
  ids = ActivityIds{};
  for (const FieldPlan& field : plan_) {
    switch (field.kind) {
      case FieldKind::kActivityId:
        ids.has_activity = true;
        std::memcpy(ids.activity, base + field.offset, kGuidBytes);
        break;
      case FieldKind::kParentId: {
        std::memcpy(ids.related, base + field.offset, kGuidBytes);
        static constexpr std::uint8_t kZero[kGuidBytes] = {};
        ids.has_related =
            related_from_parent_ && std::memcmp(ids.related, kZero, kGuidBytes) != 0;
        break;
      }
      case FieldKind::kFixed:
        piece(base + field.offset, field.size);
        payload_bytes += field.size;
        break;
      case FieldKind::kVariable: {
        if (var_at + kVarHeaderBytes > record.size()) return EncodeResult::kMalformed;
        const std::uint16_t count = load_u16(base + var_at);
        const std::size_t bytes = std::size_t{count} * field.size;
        const std::size_t data_at = var_at + kVarHeaderBytes;
        if (data_at + bytes > record.size()) return EncodeResult::kMalformed;
        piece(base + var_at, 2);  // the count: low half of the header word
        if (bytes != 0) piece(base + data_at, static_cast<std::uint32_t>(bytes));
        payload_bytes += 2 + bytes;
        var_at = (data_at + bytes + kRecordAlignment - 1) & ~std::size_t{kRecordAlignment - 1};
        break;
      }
    }
  }
  return overhead_bytes_ + payload_bytes > kMaxEventBytes ? EncodeResult::kOversize
                                                          : EncodeResult::kOk;
}

EncodeResult EtwEventEncoder::payload_spans(std::span<const std::uint8_t> record,
                                            std::span<PayloadSpan> out, std::size_t& count,
                                            std::size_t& payload_bytes, ActivityIds& ids) const {
  count = 0;
  payload_bytes = 0;
  bool overflow = false;
  const EncodeResult result = walk(record, ids, [&](const std::uint8_t* data, std::uint32_t size) {
    payload_bytes += size;
    if (count > 0 && out[count - 1].data + out[count - 1].size == data) {
      out[count - 1].size += size;
    } else if (count < out.size()) {
      out[count++] = PayloadSpan{data, size};
    } else {
      overflow = true;
    }
  });
  if (result == EncodeResult::kOk && overflow) return EncodeResult::kTooManySpans;
  return result;
}

EncodeResult EtwEventEncoder::pack_payload(std::span<const std::uint8_t> record,
                                           std::vector<std::uint8_t>& out,
                                           ActivityIds& ids) const {
  const std::size_t start = out.size();
  const EncodeResult result = walk(record, ids, [&](const std::uint8_t* data, std::uint32_t size) {
    out.insert(out.end(), data, data + size);
  });
  if (result != EncodeResult::kOk) out.resize(start);
  return result;
}

EncodeResult EtwEventEncoder::encode(std::span<const std::uint8_t> record,
                                     std::span<PayloadSpan, kMaxPayloadSpans> spans,
                                     std::vector<std::uint8_t>& packed, EncodedEvent& out) const {
  out.descriptor = &descriptor_;
  out.metadata = metadata_;
  std::size_t count = 0;
  EncodeResult result = payload_spans(record, spans, count, out.payload_bytes, out.ids);
  if (result == EncodeResult::kTooManySpans) {
    packed.clear();
    result = pack_payload(record, packed, out.ids);
    spans[0] = PayloadSpan{packed.data(), static_cast<std::uint32_t>(packed.size())};
    count = 1;
  }
  out.payload = std::span<const PayloadSpan>(spans.data(), count);
  return result;
}

}  // namespace ringtrace::etw
