// The TraceLogging encoder byte by byte: provider traits, event metadata for known schemas
// (expected bytes computed by hand from the TraceLogging rules in docs/etw.md) with the
// SCHEMA's outTypes and field tags, the descriptor, payload packing of every field type from an
// aligned ring record (spans and packed bytes give the same string), span ids moved out of the
// payload, the 128-field and 64 KiB limits, the span-count fallback, malformed records, the
// SCHEMA JSON parser and the capture file framing.
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "check.h"
#include "etw/capture_writer.h"
#include "etw/event_encoder.h"
#include "etw/provider_traits.h"
#include "etw/schema_json.h"
#include "ring/ring_layout.h"

using namespace ringtrace;
using namespace ringtrace::etw;

namespace {

using Bytes = std::vector<std::uint8_t>;

void check_bytes(const Bytes& actual, const Bytes& expected, int line) {
  if (actual == expected) return;
  std::fprintf(stderr, "line %d: %zu bytes, expected %zu\n  actual:  ", line, actual.size(),
               expected.size());
  for (std::uint8_t b : actual) std::fprintf(stderr, "%02x ", b);
  std::fprintf(stderr, "\n  expected:");
  for (std::uint8_t b : expected) std::fprintf(stderr, " %02x", b);
  std::fprintf(stderr, "\n");
  std::exit(1);
}
#define CHECK_BYTES(actual, expected) check_bytes((actual), (expected), __LINE__)

// Bytes of a string with its NUL.
Bytes z(const char* s) { return Bytes(s, s + std::strlen(s) + 1); }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

template <class T>
Bytes le(T value) {
  Bytes out(sizeof value);
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

// A ring record laid out as docs/FORMAT.md section 2 (and src/format/layout.ts) says: fixed
// fields at natural alignment after the 16-byte header, then variable fields, each 8-aligned.
// Gaps are filled with 0xEE so a span that wrongly covers padding shows up.
class RecordBuilder {
 public:
  RecordBuilder() : fixed_(kHeaderBytes, 0) {}

  template <class T>
  RecordBuilder& scalar(T value) { return raw(le(value), sizeof(T) < 8 ? sizeof(T) : 8); }
  RecordBuilder& guid(const Bytes& g) { return raw(g, 8); }
  RecordBuilder& var(std::uint16_t count, const Bytes& payload) {
    Bytes header = cat({le<std::uint16_t>(count), le<std::uint16_t>(0), le<std::uint32_t>(0)});
    vars_.insert(vars_.end(), header.begin(), header.end());
    vars_.insert(vars_.end(), payload.begin(), payload.end());
    vars_.resize((vars_.size() + 7) & ~std::size_t{7}, 0xEE);
    return *this;
  }
  RecordBuilder& str(const std::string& s) {
    return var(static_cast<std::uint16_t>(s.size()), Bytes(s.begin(), s.end()));
  }

  Bytes finish(std::uint16_t event_id) const {
    Bytes out = fixed_;
    out.resize((out.size() + 7) & ~std::size_t{7}, 0xEE);
    out.insert(out.end(), vars_.begin(), vars_.end());
    const std::uint32_t word0 = record_word0(static_cast<std::uint32_t>(out.size()), event_id);
    std::memcpy(out.data(), &word0, 4);
    return out;
  }

 private:
  RecordBuilder& raw(const Bytes& bytes, std::size_t align) {
    fixed_.resize((fixed_.size() + align - 1) & ~(align - 1), 0xEE);
    fixed_.insert(fixed_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  Bytes fixed_;
  Bytes vars_;
};

EventSchema schema_of(const std::string& json) {
  EventSchema schema;
  std::string error;
  if (!parse_event_schema(json, schema, error)) {
    std::fprintf(stderr, "schema: %s\n", error.c_str());
    std::exit(1);
  }
  return schema;
}

EtwEventEncoder encoder_of(const std::string& json, std::size_t traits_bytes = 13) {
  EtwEventEncoder encoder;
  std::string error;
  if (!EtwEventEncoder::build(schema_of(json), traits_bytes, encoder, error)) {
    std::fprintf(stderr, "build: %s\n", error.c_str());
    std::exit(1);
  }
  return encoder;
}

Bytes metadata_of(const EtwEventEncoder& encoder) {
  return Bytes(encoder.metadata().begin(), encoder.metadata().end());
}

// Packs the payload both ways and checks that the spans concatenate to the packed bytes.
Bytes payload_of(const EtwEventEncoder& encoder, const Bytes& record, ActivityIds& ids,
                 std::size_t* span_count = nullptr) {
  Bytes packed;
  CHECK(encoder.pack_payload(record, packed, ids) == EncodeResult::kOk);
  PayloadSpan spans[kMaxPayloadSpans];
  std::size_t count = 0;
  std::size_t bytes = 0;
  ActivityIds span_ids;
  CHECK(encoder.payload_spans(record, spans, count, bytes, span_ids) == EncodeResult::kOk);
  Bytes joined;
  for (std::size_t i = 0; i < count; ++i) {
    CHECK(spans[i].data >= record.data() && spans[i].data + spans[i].size <= record.data() + record.size());
    joined.insert(joined.end(), spans[i].data, spans[i].data + spans[i].size);
  }
  CHECK_BYTES(joined, packed);
  CHECK_EQ(bytes, packed.size());
  CHECK(std::memcmp(&ids, &span_ids, sizeof ids) == 0);
  if (span_count != nullptr) *span_count = count;
  return packed;
}

Bytes guid_bytes(std::uint8_t first) {
  Bytes g(16);
  for (int i = 0; i < 16; ++i) g[i] = static_cast<std::uint8_t>(first + i);
  return g;
}

void test_provider_traits() {
  Bytes traits;
  std::string error;
  CHECK(provider_traits("MyProvider", traits, error));
  // The example of docs/etw.md (and Microsoft's provider traits page).
  CHECK_BYTES(traits, (Bytes{0x0d, 0x00, 0x4d, 0x79, 0x50, 0x72, 0x6f, 0x76, 0x69, 0x64, 0x65,
                             0x72, 0x00}));
  CHECK(!provider_traits("", traits, error));
  CHECK(!provider_traits(std::string("a\0b", 3), traits, error));
}

void test_metadata_single_field() {
  const EtwEventEncoder encoder =
      encoder_of(R"({"stream":1,"id":1,"name":"Ev","level":4,"keyword":"0x1","opcode":0,)"
                 R"("clock":"fine","fields":[{"name":"a","type":"u8"}]})");
  // u16 size 9 | tags 00 | "Ev\0" | "a\0" | UINT8 (4)
  CHECK_BYTES(metadata_of(encoder), (Bytes{0x09, 0x00, 0x00, 'E', 'v', 0, 'a', 0, 0x04}));
}

void test_metadata_every_type() {
  const EtwEventEncoder encoder = encoder_of(
      R"({"stream":1,"id":2,"name":"All","level":5,"keyword":"0xf00000000001","opcode":0,)"
      R"("clock":"fine","fields":[)"
      R"({"name":"b","type":"bool"},{"name":"i8","type":"i8"},{"name":"u8","type":"u8"},)"
      R"({"name":"i16","type":"i16"},{"name":"u16","type":"u16"},{"name":"i32","type":"i32"},)"
      R"({"name":"u32","type":"u32"},{"name":"i64","type":"i64"},{"name":"u64","type":"u64"},)"
      R"({"name":"f32","type":"f32"},{"name":"f64","type":"f64"},{"name":"g","type":"guid"},)"
      R"({"name":"s","type":"str"},{"name":"bin","type":"binary"},)"
      R"({"name":"ai8","type":"i8[]"},{"name":"au8","type":"u8[]"},{"name":"ai16","type":"i16[]"},)"
      R"({"name":"au16","type":"u16[]"},{"name":"ai32","type":"i32[]"},{"name":"au32","type":"u32[]"},)"
      R"({"name":"ai64","type":"i64[]"},{"name":"au64","type":"u64[]"},{"name":"af32","type":"f32[]"},)"
      R"({"name":"af64","type":"f64[]"}]})");
  const Bytes body = cat({
      Bytes{0x00}, z("All"),
      z("b"), Bytes{0x84, 0x03},     // UINT8 | chain, OutType BOOLEAN
      z("i8"), Bytes{0x03}, z("u8"), Bytes{0x04}, z("i16"), Bytes{0x05}, z("u16"), Bytes{0x06},
      z("i32"), Bytes{0x07}, z("u32"), Bytes{0x08}, z("i64"), Bytes{0x09}, z("u64"), Bytes{0x0a},
      z("f32"), Bytes{0x0b}, z("f64"), Bytes{0x0c}, z("g"), Bytes{0x0f},
      z("s"), Bytes{0x97, 0x23},     // COUNTEDANSISTRING | chain, OutType UTF8
      z("bin"), Bytes{0x0e},         // BINARY: u16 byte count, bytes
      z("ai8"), Bytes{0x43}, z("au8"), Bytes{0x44}, z("ai16"), Bytes{0x45}, z("au16"), Bytes{0x46},
      z("ai32"), Bytes{0x47}, z("au32"), Bytes{0x48}, z("ai64"), Bytes{0x49}, z("au64"), Bytes{0x4a},
      z("af32"), Bytes{0x4b}, z("af64"), Bytes{0x4c},
  });
  CHECK_BYTES(metadata_of(encoder), cat({le<std::uint16_t>(static_cast<std::uint16_t>(body.size() + 2)), body}));

  const EventDescriptor& d = encoder.descriptor();
  CHECK_EQ(d.id, 0);
  CHECK_EQ(d.version, 0);
  CHECK_EQ(d.channel, 11);
  CHECK_EQ(d.level, 5);
  CHECK_EQ(d.opcode, 0);
  CHECK_EQ(d.task, 0);
  CHECK(d.keyword == 0xf00000000001ull);

  const Bytes g = guid_bytes(0xA0);
  const std::string s = "h\xC3\xA9llo";  // "héllo"
  const Bytes bin = {0x00, 0xFF, 0x10};
  RecordBuilder rb;
  rb.scalar<std::uint8_t>(1).scalar<std::int8_t>(-2).scalar<std::uint8_t>(250)
      .scalar<std::int16_t>(-300).scalar<std::uint16_t>(60000).scalar<std::int32_t>(-70000)
      .scalar<std::uint32_t>(4000000000u).scalar<std::int64_t>(-(std::int64_t{1} << 40))
      .scalar<std::uint64_t>(0xFEDCBA9876543210ull).scalar<float>(1.5f).scalar<double>(-2.25)
      .guid(g).str(s).var(3, bin)
      .var(2, Bytes{0x80, 0x7F})
      .var(1, Bytes{0x42})
      .var(2, cat({le<std::int16_t>(-1), le<std::int16_t>(2)}))
      .var(1, le<std::uint16_t>(65535))
      .var(1, le<std::int32_t>(-5))
      .var(3, cat({le<std::uint32_t>(1), le<std::uint32_t>(2), le<std::uint32_t>(3)}))
      .var(1, le<std::int64_t>(-9))
      .var(0, Bytes{})
      .var(1, le<float>(0.5f))
      .var(2, cat({le<double>(1e300), le<double>(-0.0)}));
  const Bytes record = rb.finish(2);
  const Bytes expected = cat({
      Bytes{0x01}, le<std::int8_t>(-2), Bytes{250}, le<std::int16_t>(-300),
      le<std::uint16_t>(60000), le<std::int32_t>(-70000), le<std::uint32_t>(4000000000u),
      le<std::int64_t>(-(std::int64_t{1} << 40)), le<std::uint64_t>(0xFEDCBA9876543210ull),
      le<float>(1.5f), le<double>(-2.25), g,
      le<std::uint16_t>(6), Bytes(s.begin(), s.end()),
      le<std::uint16_t>(3), bin,
      le<std::uint16_t>(2), Bytes{0x80, 0x7F},
      le<std::uint16_t>(1), Bytes{0x42},
      le<std::uint16_t>(2), le<std::int16_t>(-1), le<std::int16_t>(2),
      le<std::uint16_t>(1), le<std::uint16_t>(65535),
      le<std::uint16_t>(1), le<std::int32_t>(-5),
      le<std::uint16_t>(3), le<std::uint32_t>(1), le<std::uint32_t>(2), le<std::uint32_t>(3),
      le<std::uint16_t>(1), le<std::int64_t>(-9),
      le<std::uint16_t>(0),
      le<std::uint16_t>(1), le<float>(0.5f),
      le<std::uint16_t>(2), le<double>(1e300), le<double>(-0.0),
  });
  ActivityIds ids;
  std::size_t spans = 0;
  CHECK_BYTES(payload_of(encoder, record, ids, &spans), expected);
  CHECK(!ids.has_activity && !ids.has_related);
  // Fixed runs in the record: bool..u8 at 16..19, i16..f32 at 20..52, f64..g at 56..80. Each of
  // the 12 variable fields is a count span and a bytes span, except: the empty u64[] has no
  // bytes, the str count at 80 joins the guid's run, and u64[]'s count follows i64[]'s 8 bytes.
  CHECK_EQ(spans, 3u + 12 * 2 - 1 - 1 - 1);
}

void test_metadata_out_types_and_tags() {
  // EventBuilder's outType and tag (docs/api.md) as the SCHEMA carries them.
  const EtwEventEncoder encoder = encoder_of(
      R"({"stream":1,"id":3,"name":"Hints","level":4,"keyword":"0x1","opcode":0,"fields":[)"
      R"({"name":"hex","type":"u32","outType":4},)"
      R"({"name":"json","type":"str","outType":12},)"
      R"({"name":"flag","type":"bool"},)"
      R"({"name":"flagHex","type":"bool","outType":4},)"
      R"({"name":"tagged","type":"u16","tag":268435455},)"
      R"({"name":"high","type":"u8","tag":10485760},)"
      R"({"name":"both","type":"i32","outType":4,"tag":16384},)"
      R"({"name":"list","type":"u64[]","tag":128},)"
      R"({"name":"plain","type":"u8","outType":0,"tag":0}]})");
  const Bytes body = cat({
      Bytes{0x00}, z("Hints"),
      z("hex"), Bytes{0x88, 0x04},                    // UINT32 | chain, HEX
      z("json"), Bytes{0x97, 0x0c},                   // COUNTEDANSISTRING | chain, JSON (not UTF8)
      z("flag"), Bytes{0x84, 0x03},                   // the type's own OutType, BOOLEAN
      z("flagHex"), Bytes{0x84, 0x04},                // the schema's replaces it
      z("tagged"), Bytes{0x86, 0x80, 0xff, 0xff, 0xff, 0x7f},  // OutType 0 | chain, 4 tag groups
      z("high"), Bytes{0x84, 0x80, 0x05},             // 0x0A00000: only the top group
      z("both"), Bytes{0x87, 0x84, 0x80, 0x01},       // 0x4000: two groups
      z("list"), Bytes{0xca, 0x80, 0x80, 0x80, 0x01}, // UINT64 | vcount | chain; 0x80: three
      z("plain"), Bytes{0x04},
  });
  CHECK_BYTES(metadata_of(encoder),
              cat({le<std::uint16_t>(static_cast<std::uint16_t>(body.size() + 2)), body}));
}

void test_strings() {
  const EtwEventEncoder encoder = encoder_of(
      R"({"id":3,"name":"Str","level":4,"keyword":"0x0","opcode":0,"fields":[)"
      R"({"name":"empty","type":"str"},{"name":"text","type":"str"},{"name":"n","type":"u16"}]})");
  const std::string text = "\xE2\x82\xAC \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC";  // "€ 😀 日本"
  const Bytes record = RecordBuilder().scalar<std::uint16_t>(7).str("").str(text).finish(3);
  ActivityIds ids;
  std::size_t spans = 0;
  // Declared order, not record order: the u16 sits before the strings in the record but is the
  // last field of the payload.
  CHECK_BYTES(payload_of(encoder, record, ids, &spans),
              cat({le<std::uint16_t>(0), le<std::uint16_t>(static_cast<std::uint16_t>(text.size())),
                   Bytes(text.begin(), text.end()), le<std::uint16_t>(7)}));
  CHECK_EQ(spans, 4u);
}

void test_span_events() {
  const std::string start_json =
      R"({"id":4,"name":"Load","level":4,"keyword":"0x2","opcode":1,"span":"start","fields":[)"
      R"({"name":"activityId","type":"guid"},{"name":"parentId","type":"guid"},)"
      R"({"name":"traceId","type":"guid"},{"name":"size","type":"u32"}]})";
  const EtwEventEncoder start = encoder_of(start_json);
  CHECK_BYTES(metadata_of(start),
              cat({le<std::uint16_t>(2 + 1 + 5 + 8 + 1 + 5 + 1), Bytes{0x00}, z("Load"),
                   z("traceId"), Bytes{0x0f}, z("size"), Bytes{0x08}}));
  CHECK_EQ(start.descriptor().opcode, 1);
  const Bytes activity = guid_bytes(0x10);
  const Bytes parent = guid_bytes(0x30);
  const Bytes trace = guid_bytes(0x50);
  ActivityIds ids;
  CHECK_BYTES(payload_of(start, RecordBuilder().guid(activity).guid(parent).guid(trace)
                                    .scalar<std::uint32_t>(99).finish(4), ids),
              cat({trace, le<std::uint32_t>(99)}));
  CHECK(ids.has_activity && ids.has_related);
  CHECK(Bytes(ids.activity, ids.activity + 16) == activity);
  CHECK(Bytes(ids.related, ids.related + 16) == parent);

  // A root span: zero parent, no related activity id.
  payload_of(start, RecordBuilder().guid(activity).guid(Bytes(16, 0)).guid(trace)
                        .scalar<std::uint32_t>(1).finish(4), ids);
  CHECK(ids.has_activity && !ids.has_related);

  const EtwEventEncoder stop = encoder_of(
      R"({"id":5,"name":"Load","level":4,"keyword":"0x2","opcode":2,"span":"stop","fields":[)"
      R"({"name":"activityId","type":"guid"},{"name":"status","type":"u8"},)"
      R"({"name":"errorType","type":"str"},{"name":"errorMessage","type":"str"}]})");
  CHECK_BYTES(metadata_of(stop),
              cat({le<std::uint16_t>(2 + 1 + 5 + 7 + 1 + 10 + 2 + 13 + 2), Bytes{0x00}, z("Load"),
                   z("status"), Bytes{0x04}, z("errorType"), Bytes{0x97, 0x23},
                   z("errorMessage"), Bytes{0x97, 0x23}}));
  CHECK_BYTES(payload_of(stop, RecordBuilder().guid(activity).scalar<std::uint8_t>(2)
                                   .str("TypeError").str("").finish(5), ids),
              cat({Bytes{2}, le<std::uint16_t>(9),
                   Bytes{'T', 'y', 'p', 'e', 'E', 'r', 'r', 'o', 'r'}, le<std::uint16_t>(0)}));
  CHECK(ids.has_activity && !ids.has_related);
  CHECK(Bytes(ids.activity, ids.activity + 16) == activity);

  // A span schema without its id fields is refused.
  EtwEventEncoder bad;
  std::string error;
  CHECK(!EtwEventEncoder::build(
      schema_of(R"({"id":6,"name":"X","level":4,"keyword":"0x2","opcode":1,"span":"start",)"
                R"("fields":[{"name":"activityId","type":"guid"}]})"),
      13, bad, error));
}

std::string fields_json(std::size_t n, const char* type) {
  std::string json;
  for (std::size_t i = 0; i < n; ++i) {
    json += (i == 0 ? "" : ",");
    json += R"({"name":"f)" + std::to_string(i) + R"(","type":")" + type + "\"}";
  }
  return json;
}

std::string schema_json(std::size_t n, const char* type) {
  return R"({"id":7,"name":"Wide","level":4,"keyword":"0x1","opcode":0,"fields":[)" +
         fields_json(n, type) + "]}";
}

void test_field_limit() {
  EtwEventEncoder encoder;
  std::string error;
  CHECK(EtwEventEncoder::build(schema_of(schema_json(128, "u8")), 13, encoder, error));
  CHECK(!EtwEventEncoder::build(schema_of(schema_json(129, "u8")), 13, encoder, error));
  CHECK(error.find("128") != std::string::npos);
  // The span ids are not payload fields: 2 + 128 fields is a valid Start.
  const std::string start =
      R"({"id":8,"name":"S","level":4,"keyword":"0x1","opcode":1,"span":"start","fields":[)"
      R"({"name":"activityId","type":"guid"},{"name":"parentId","type":"guid"},)" +
      fields_json(128, "u8") + "]}";
  CHECK(EtwEventEncoder::build(schema_of(start), 13, encoder, error));
  // Unknown types, and arrays of types that have none.
  for (const char* type : {"u128", "bool[]", "guid[]", "str[]", "binary[]", "u8[][]", ""}) {
    CHECK(!EtwEventEncoder::build(schema_of(schema_json(1, type)), 13, encoder, error));
  }
}

void test_size_limit() {
  const EtwEventEncoder encoder = encoder_of(
      R"({"id":9,"name":"Big","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"b","type":"binary"}]})",
      13);
  const std::size_t overhead = 13 + encoder.metadata().size();
  const std::size_t fits = kMaxEventBytes - overhead - 2;  // total exactly 64 KiB
  ActivityIds ids;
  Bytes packed;
  const Bytes at_limit = RecordBuilder().var(static_cast<std::uint16_t>(fits), Bytes(fits, 0x5A)).finish(9);
  CHECK(encoder.pack_payload(at_limit, packed, ids) == EncodeResult::kOk);
  CHECK_EQ(packed.size(), fits + 2);
  const Bytes over = RecordBuilder().var(static_cast<std::uint16_t>(fits + 1), Bytes(fits + 1, 0x5A)).finish(9);
  packed.clear();
  CHECK(encoder.pack_payload(over, packed, ids) == EncodeResult::kOversize);
  CHECK(packed.empty());  // never cut
  PayloadSpan spans[kMaxPayloadSpans];
  std::size_t count = 0;
  std::size_t bytes = 0;
  CHECK(encoder.payload_spans(over, spans, count, bytes, ids) == EncodeResult::kOversize);

  // The capture records the oversize event as dropped, and keeps the next one.
  Bytes traits;
  std::string error;
  CHECK(provider_traits("MyProvider", traits, error));
  CaptureWriter capture(guid_bytes(1), traits);
  const std::size_t header = capture.bytes().size();
  CHECK(capture.add_event(encoder, over) == EncodeResult::kOversize);
  CHECK_EQ(capture.bytes().size(), header + kCaptureDroppedBytes);
  CHECK_BYTES(Bytes(capture.bytes().begin() + static_cast<std::ptrdiff_t>(header), capture.bytes().end()),
              cat({le<std::uint16_t>(2), le<std::uint16_t>(0), le<std::uint32_t>(16),
                   le<std::uint32_t>(1), le<std::uint32_t>(1)}));
  CHECK(capture.add_event(encoder, at_limit) == EncodeResult::kOk);
}

void test_span_fallback_and_malformed() {
  // 70 strings: 140 payload spans, more than the 126 ETW leaves for the payload.
  const EtwEventEncoder encoder = encoder_of(schema_json(70, "str"));
  RecordBuilder rb;
  for (int i = 0; i < 70; ++i) rb.str("x");
  const Bytes record = rb.finish(7);
  PayloadSpan spans[kMaxPayloadSpans];
  std::size_t count = 0;
  std::size_t bytes = 0;
  ActivityIds ids;
  CHECK(encoder.payload_spans(record, spans, count, bytes, ids) == EncodeResult::kTooManySpans);
  Bytes packed;
  CHECK(encoder.pack_payload(record, packed, ids) == EncodeResult::kOk);
  CHECK_EQ(packed.size(), 70u * 3);
  Bytes traits;
  std::string error;
  CHECK(provider_traits("P", traits, error));
  CaptureWriter capture(guid_bytes(1), traits);
  const std::size_t at = capture.bytes().size();
  CHECK(capture.add_event(encoder, record) == EncodeResult::kOk);
  std::uint32_t descriptors = 0;
  std::memcpy(&descriptors, capture.bytes().data() + at + 68, 4);
  CHECK_EQ(descriptors, 3u);  // traits, metadata, one packed payload

  // A count that runs past the record's end.
  const EtwEventEncoder one = encoder_of(schema_json(1, "str"));
  Bytes broken = RecordBuilder().str("abc").finish(7);
  broken[kHeaderBytes] = 200;
  packed.clear();
  CHECK(one.pack_payload(broken, packed, ids) == EncodeResult::kMalformed);
  CHECK(one.pack_payload(Bytes(8, 0), packed, ids) == EncodeResult::kMalformed);
}

void test_schema_json() {
  EventSchema schema;
  std::string error;
  CHECK(parse_event_schema(
      R"( { "stream" : 3, "id": 12, "name": "Caf\u00e9 \ud83d\ude00", "level": 2,)"
      R"( "keyword": "0xffffffffffffffff", "opcode": 0, "clock": "coarse", "extra": [null, true, {"a": -1.5e3}],)"
      R"( "fields": [ { "name": "a\"b", "type": "u64[]" } ] } )",
      schema, error));
  CHECK_EQ(schema.id, 12u);
  CHECK(schema.name == "Caf\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK_EQ(schema.level, 2);
  CHECK(schema.keyword == 0xFFFFFFFFFFFFFFFFull);
  CHECK(schema.span == SpanRole::kNone);
  CHECK_EQ(schema.fields.size(), 1u);
  CHECK(schema.fields[0].name == "a\"b" && schema.fields[0].type == "u64[]");
  CHECK(schema.fields[0].out_type == 0 && schema.fields[0].tag == 0);
  CHECK(parse_event_schema(
      R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,)"
      R"("fields":[{"name":"a","type":"u32","outType":127,"tag":268435455}]})",
      schema, error));
  CHECK(schema.fields[0].out_type == 127 && schema.fields[0].tag == 0x0FFFFFFFu);
  for (const char* bad : {
           "", "{", "[]", R"({"id":1})", R"({"id":1,"name":"x","level":4,"keyword":"1","opcode":0,"fields":[]})",
           R"({"id":1,"name":"x","level":300,"keyword":"0x1","opcode":0,"fields":[]})",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"a"}]})",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[],"span":"middle"})",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[]} x)",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"a","type":"u8","outType":128}]})",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"a","type":"u8","outType":1.5}]})",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"a","type":"u8","outType":"4"}]})",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"a","type":"u8","tag":268435456}]})",
           R"({"id":1,"name":"x","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"a","type":"u8","tag":-1}]})",
       }) {
    CHECK(!parse_event_schema(bad, schema, error));
  }
}

void test_capture_framing() {
  Bytes traits;
  std::string error;
  CHECK(provider_traits("MyProvider", traits, error));
  const Bytes guid = guid_bytes(0x60);
  CaptureWriter capture(guid, traits);
  // magic | version 1 | header bytes 48 | guid | traits (13) | pad 3
  CHECK_BYTES(capture.bytes(), cat({Bytes{'R', 'T', 'E', 'T', 'W', '\r', '\n', 0x1A},
                                    le<std::uint32_t>(1), le<std::uint32_t>(48), guid, traits,
                                    Bytes(3, 0)}));
  const EtwEventEncoder encoder = encoder_of(
      R"({"id":3,"name":"Ev","level":4,"keyword":"0x1","opcode":0,"fields":[{"name":"a","type":"u8"}]})");
  const Bytes records = cat({
      RecordBuilder().scalar<std::uint8_t>(7).finish(3),
      Bytes{0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0},           // padding record (id 0, 8 bytes)
      RecordBuilder().scalar<std::uint8_t>(8).finish(4),   // another event: skipped
  });
  CHECK(capture.add_records(encoder, 3, records));
  const Bytes event(capture.bytes().begin() + 48, capture.bytes().end());
  const Bytes metadata = metadata_of(encoder);
  Bytes expected = cat({le<std::uint16_t>(1), le<std::uint16_t>(0), le<std::uint32_t>(96),
                        le<std::uint16_t>(0), Bytes{0, 11, 4, 0}, le<std::uint16_t>(0),
                        le<std::uint64_t>(1), Bytes(32, 0),
                        le<std::uint32_t>(13), le<std::uint32_t>(9), le<std::uint32_t>(1),
                        le<std::uint32_t>(3), traits, metadata, Bytes{7}});
  expected.resize(96, 0);  // 72 + 13 + 9 + 1 = 95, padded to 8
  CHECK_BYTES(event, expected);
  CHECK(!capture.add_records(encoder, 3, Bytes(8, 0)));  // size 0
}

}  // namespace

int main() {
  test_provider_traits();
  test_metadata_single_field();
  test_metadata_every_type();
  test_metadata_out_types_and_tags();
  test_strings();
  test_span_events();
  test_field_limit();
  test_size_limit();
  test_span_fallback_and_malformed();
  test_schema_json();
  test_capture_framing();
  std::printf("etw_encoder_test: ok\n");
  return 0;
}
