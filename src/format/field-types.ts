// The field types a schema may use, with their in-ring size and alignment (docs/FORMAT.md
// section 2). Scalars sit in the fixed block at their natural alignment; strings, binary and
// arrays are variable fields.

export type ScalarTypeName =
  | 'bool' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64' | 'guid'
export type NumericTypeName = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64'
export type ArrayTypeName = `${NumericTypeName}[]`
export type VarTypeName = 'str' | 'binary' | ArrayTypeName
export type FieldTypeName = ScalarTypeName | VarTypeName

export interface FieldTypeInfo {
  readonly name: FieldTypeName
  /** Bytes in the fixed block (scalars), or bytes per element (arrays), 1 for str and binary. */
  readonly size: number
  readonly align: number
  readonly variable: boolean
  /** For arrays: the element type. */
  readonly element?: NumericTypeName
}

const SCALAR_SIZES: Record<ScalarTypeName, number> = {
  bool: 1, i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8, f64: 8, guid: 16,
}

const NUMERIC: readonly NumericTypeName[] = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64']

function buildTable(): Map<string, FieldTypeInfo> {
  const table = new Map<string, FieldTypeInfo>()
  for (const [name, size] of Object.entries(SCALAR_SIZES) as [ScalarTypeName, number][]) {
    table.set(name, { name, size, align: Math.min(size, 8), variable: false })
  }
  table.set('str', { name: 'str', size: 1, align: 8, variable: true })
  table.set('binary', { name: 'binary', size: 1, align: 8, variable: true })
  for (const element of NUMERIC) {
    const name: ArrayTypeName = `${element}[]`
    table.set(name, { name, size: SCALAR_SIZES[element], align: 8, variable: true, element })
  }
  return table
}

export const FIELD_TYPES: ReadonlyMap<string, FieldTypeInfo> = buildTable()

export function fieldTypeInfo(name: string): FieldTypeInfo | undefined {
  return FIELD_TYPES.get(name)
}
