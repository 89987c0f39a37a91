// ETW OutType values: formatting hints a decoder may apply to a field (EventBuilder's `outType`).
// The numbers are TraceLogging's (TraceLoggingProvider.h, traceloggingdynamic.OutType).

export const OutType = {
  Default: 0,
  NoPrint: 1,
  String: 2,
  Boolean: 3,
  Hex: 4,
  Pid: 5,
  Tid: 6,
  Port: 7,
  Ipv4: 8,
  Ipv6: 9,
  SocketAddress: 10,
  Xml: 11,
  Json: 12,
  Win32Error: 13,
  NtStatus: 14,
  HResult: 15,
  FileTime: 16,
  Signed: 17,
  Unsigned: 18,
  Utf8: 35,
  CodePointer: 37,
  DateTimeUtc: 38,
} as const
export type OutType = (typeof OutType)[keyof typeof OutType]
