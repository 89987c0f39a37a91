// Views of a span analysis: the terminal waterfall and tables, and the HTML report.

export { durationText } from './duration-text.js'
export { htmlReport } from './html-report.js'
export type { HtmlReportOptions } from './html-report.js'
export { selectSpanRows } from './span-rows.js'
export type { SpanRow, SpanRowOptions, SpanRowSelection } from './span-rows.js'
export { summaryText } from './summary-text.js'
export { ANSI_STYLE, PLAIN_STYLE, wantsColor } from './terminal-style.js'
export type { TerminalStyle } from './terminal-style.js'
export { waterfallText } from './waterfall-text.js'
export type { WaterfallTextOptions } from './waterfall-text.js'
