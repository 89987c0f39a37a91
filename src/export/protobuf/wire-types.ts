// The protobuf wire types ringtrace reads and writes (the low 3 bits of a field's tag).

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH = 2
export const WIRE_FIXED32 = 5
