// Replays a script of producer and consumer steps through RingProducer and prints the ring's
// state after each step, for test/ring-producer-replay.test.ts, which replays the same script
// through the JS producer (src/ring/ring-producer.ts and its generated writers) and requires
// the same output: that is what makes the C++ producer the JS one, byte for byte.
//
// Usage: ring_replay <script file>
//
// Script: the first line is `ring <capacity> <overwrite 0|1> <start position>`; every other
// line one step:
//   e <id> <clock p|c> <time> <len> <first>  an event: clock p stamps `time` (performance.now()
//                                             in JS), c the coarse clock; len -1 is a record of
//                                             header only, else one str field of len ASCII bytes
//                                             (a multiple of 8, so the writer fills every byte),
//                                             byte i being 'a' + (first + i) % 26
//   i <id>                                   an event whose str value cannot be converted
//   c <n>                                    the consumer takes up to n published records
//   t                                        end of a JS turn: publish if a record is pending
//   k <time>                                 the consumer sets coarseClock
// Output: one line per step (and one for the initial state): the 64 bytes of the producer's
// cache line as 16 hex u32 words, readPos, then every 8-byte word of the data area that changed
// in the step, as `index:value` (hex, value as a little-endian u64).
#include <bit>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ring/ring_memory.h"
#include "ring/ring_producer.h"

using namespace ringtrace;

namespace {

struct Replay {
  Replay(std::uint32_t capacity, bool overwrite)
      : memory(capacity, overwrite), capacity(capacity), overwrite(overwrite) {}

  std::uint32_t u32(std::size_t offset) const {
    return load_plain<std::uint32_t>(memory.block(), offset);
  }

  // A consumer as the collector's, reduced to what the producer sees of it: readPos moving over
  // whole published records (from tailPos when that is ahead, in overwrite mode).
  void consume(std::uint32_t records) {
    std::uint32_t read = u32(kReadPosOffset);
    const std::uint32_t write = u32(kWritePosOffset);
    if (overwrite) {
      const std::uint32_t tail = u32(kTailPosOffset);
      if (static_cast<std::int32_t>(tail - read) > 0) read = tail;
    }
    for (std::uint32_t i = 0; i < records && static_cast<std::int32_t>(write - read) > 0; ++i) {
      read += record_size(u32(kDataOffset + (read & (capacity - 1))));
    }
    atomic_u32(memory.block(), kReadPosOffset).store(read, std::memory_order_release);
  }

  void print_state() {
    std::string line;
    char text[40];
    for (std::size_t offset = 0; offset < kReadPosOffset; offset += 4) {
      std::snprintf(text, sizeof text, "%08x ", u32(offset));
      line += text;
    }
    std::snprintf(text, sizeof text, "%08x |", u32(kReadPosOffset));
    line += text;
    const std::uint8_t* data = memory.block() + kDataOffset;
    for (std::uint32_t i = 0; i < capacity / 8; ++i) {
      const auto word = load_plain<std::uint64_t>(data, 8 * std::size_t{i});
      if (word == previous[i]) continue;
      previous[i] = word;
      std::snprintf(text, sizeof text, " %x:%016llx", i, static_cast<unsigned long long>(word));
      line += text;
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  }

  RingMemory memory;
  std::uint32_t capacity;
  bool overwrite;
  std::vector<std::uint64_t> previous;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "ring_replay: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: ring_replay <script file>");
  std::ifstream script(argv[1]);
  std::string line;
  std::string word;
  std::uint32_t capacity = 0;
  int overwrite = 0;
  std::uint32_t start = 0;
  if (!std::getline(script, line)) return fail("empty script");
  std::istringstream(line) >> word >> capacity >> overwrite >> start;
  if (word != "ring" || !is_valid_capacity(capacity) || start % kRecordAlignment != 0) {
    return fail("bad first line: " + line);
  }
  Replay replay(capacity, overwrite != 0);
  if (!replay.memory.allocated()) return fail("out of memory");
  std::uint8_t* block = replay.memory.block();
  // Every position at `start`: an empty ring that has already run that far (the 32-bit
  // positions wrap in the run when start is near 2^32).
  for (std::size_t offset : {kWritePosOffset, kTailPosOffset, kCursorOffset, kReadPosOffset}) {
    store_plain<std::uint32_t>(block, offset, start);
  }
  RingProducer producer(block, capacity, overwrite != 0);
  replay.previous.assign(capacity / 8, 0);
  replay.print_state();

  bool scheduled = false;  // JS's queued end-of-turn publication
  std::size_t step = 1;
  while (std::getline(script, line)) {
    std::istringstream in(line);
    char op = 0;
    in >> op;
    if (op == 'e') {
      unsigned id = 0;
      char clock = 0;
      double time = 0;
      long len = 0;
      unsigned first = 0;
      in >> id >> clock >> time >> len >> first;
      const std::uint32_t size =
          kHeaderBytes + (len < 0 ? 0 : kVarHeaderBytes + static_cast<std::uint32_t>(len));
      auto fill = [&](std::uint8_t* body, std::uint32_t, std::uint32_t) {
        if (len < 0) return;
        const std::uint32_t header[2] = {static_cast<std::uint32_t>(len), 0};
        std::memcpy(body, header, sizeof header);
        for (long i = 0; i < len; ++i) body[kVarHeaderBytes + i] = 'a' + (first + i) % 26;
      };
      const auto event_id = static_cast<std::uint16_t>(id);
      const bool written = clock == 'p' ? producer.write_event(event_id, time, size, fill)
                                        : producer.write_event_coarse(event_id, size, fill);
      // JS queues its microtask for a record that did not publish at once.
      if (written && replay.u32(kSincePublishOffset) != 0) scheduled = true;
    } else if (op == 'i') {
      unsigned id = 0;
      in >> id;
      producer.drop_invalid(static_cast<std::uint16_t>(id));
    } else if (op == 'c') {
      std::uint32_t records = 0;
      in >> records;
      replay.consume(records);
    } else if (op == 't') {
      if (scheduled) producer.publish();
      scheduled = false;
    } else if (op == 'k') {
      double time = 0;
      in >> time;
      atomic_u64(block, kCoarseClockOffset)
          .store(std::bit_cast<std::uint64_t>(time), std::memory_order_relaxed);
    } else {
      return fail("step " + std::to_string(step) + ": unknown line: " + line);
    }
    if (in.fail()) return fail("step " + std::to_string(step) + ": bad line: " + line);
    replay.print_state();
    ++step;
  }
  return 0;
}
