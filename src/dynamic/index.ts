// Dynamic events: EventBuilder, for events whose name and fields are known only at run time.

export { EventBuilder } from './event-builder.js'
export type { ActivityId, FieldValueOf } from './event-builder.js'
export { OutType } from './out-type.js'
