#!/usr/bin/env node
// Runs the benchmarks and writes docs/benchmarks.md.
//
//   node bench/run.js [--node <versions>] [scenario ...]      e.g. node bench/run.js hot-path
//
// Every scenario runs on the machine's Node and on the supported lines (NODE_VERSIONS, binaries
// from the npm registry through scripts/node-binary.sh); `--node current` runs the machine's
// only, `--node 22.23.3,26.12.1` those (`current` may be among them). docs/benchmarks.md is
// always one whole run on every version: naming scenarios or versions writes the report to
// dist-bench/benchmarks.md instead, so the document never mixes runs of different code.
//
// Compiles bench/ and src/ with tsconfig.bench.json into dist-bench/, then runs every
// dist-bench/bench/<scenario>.bench.js in a fresh `node --expose-gc` process, one after another
// (peers of a scenario run inside its process, so they share its conditions). Each scenario prints
// one JSON line (bench/bench-harness.ts, ScenarioResult); this file only renders what they
// measured. A scenario that fails is reported as failed, never filled in.
'use strict'

const { spawnSync, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const outDir = path.join(root, 'dist-bench')
const benchOut = path.join(outDir, 'bench')
const docPath = path.join(root, 'docs', 'benchmarks.md')
/** The supported Node lines the whole run measures besides the machine's own. */
const NODE_VERSIONS = ['22.23.3', '24.21.0', '26.12.1']
/** Each scenario keeps itself to about a minute; this only stops a hung one. */
const SCENARIO_TIMEOUT_MS = 5 * 60 * 1000

function compile() {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] })
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.bench.json')], { cwd: root, encoding: 'utf8' })
  const output = `${result.stdout}${result.stderr}`.trim()
  const errors = output.split('\n').filter((line) => /error TS\d+/.test(line))
  if (result.status !== 0) {
    process.stderr.write(`${output}\n`)
    if (!fs.existsSync(benchOut)) throw new Error('tsc -p tsconfig.bench.json failed and emitted nothing')
    // tsc emits despite type errors (noEmitOnError is off). Other people's work in progress in
    // src/ should not stop the benchmarks, but the report says that it was there.
    process.stderr.write(`bench: tsc reported ${errors.length} error(s); running the emitted code anyway\n`)
  }
  // src/binding.ts takes join(__dirname, '..') as the package root (the addon in build/, the
  // version in package.json): the real root when compiled to dist/, but dist-bench/ here. Point
  // dist-bench/build and dist-bench/package.json at the real ones.
  linkFromOutDir('build', 'dir')
  linkFromOutDir('package.json', 'file')
  return errors
}

function linkFromOutDir(name, type) {
  const link = path.join(outDir, name)
  if (fs.existsSync(link)) return
  try { fs.unlinkSync(link) } catch { /* no dangling link either */ }
  fs.symlinkSync(path.join('..', name), link, type)
}

function scenarioFiles(only) {
  const files = fs.readdirSync(benchOut).filter((f) => f.endsWith('.bench.js')).sort()
  const names = files.map((f) => f.slice(0, -'.bench.js'.length))
  for (const name of only) {
    if (!names.includes(name)) throw new Error(`no scenario ${name}; have: ${names.join(', ')}`)
  }
  return names.filter((n) => only.length === 0 || only.includes(n)).map((name) => ({ name, file: path.join(benchOut, `${name}.bench.js`) }))
}

/** The Node binaries to run on: `current` is this process's. */
function nodesFor(versions) {
  return versions.map((version) => {
    if (version === 'current') return { label: process.version, execPath: process.execPath, machine: true }
    const execPath = execFileSync(path.join(root, 'scripts', 'node-binary.sh'), [version], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()
    return { label: `v${version}`, execPath, machine: false }
  })
}

function runScenario({ name, file }, node) {
  process.stderr.write(`bench: ${name} on Node ${node.label} ...\n`)
  const started = Date.now()
  const child = spawnSync(node.execPath, ['--expose-gc', file], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: SCENARIO_TIMEOUT_MS,
    maxBuffer: 64 << 20,
  })
  const seconds = (Date.now() - started) / 1000
  let result = null
  for (const line of (child.stdout ?? '').trim().split('\n').reverse()) {
    try {
      const parsed = JSON.parse(line)
      if (parsed && parsed.scenario === name) { result = parsed; break }
    } catch { /* not the result line */ }
  }
  let failure = null
  if (child.error) failure = child.error.code === 'ETIMEDOUT' ? `timed out after ${SCENARIO_TIMEOUT_MS / 1000} s` : child.error.message
  else if (child.status !== 0) failure = `exited with ${child.signal ?? `code ${child.status}`}`
  else if (result === null) failure = 'printed no result line'
  process.stderr.write(`bench: ${name} on Node ${node.label} ${failure ? `FAILED (${failure})` : 'done'} in ${seconds.toFixed(1)} s\n`)
  return { name, node: node.label, seconds, result, failure }
}

function gitDescription() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() !== ''
    return `${head}${dirty ? ' + uncommitted changes' : ''}`
  } catch {
    return 'unknown'
  }
}

function cell(value) {
  if (value === null || value === undefined) return '–'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value)
    if (Number.isInteger(value) && Math.abs(value) >= 10000) return value.toLocaleString('en-US')
    return String(value)
  }
  return String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function table(columns, rows) {
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'))
  return [
    `| ${columns.map(cell).join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n')
}

function render(runs, nodes, tscErrors) {
  const cpus = os.cpus()
  const probes = runs.find((r) => r.result)?.result.backends ?? []
  const backendText = probes.length === 0
    ? 'unknown (no scenario reported)'
    : probes.map((p) => (p.available ? `${p.name}: loaded` : `${p.name}: **not loaded**, skipped (${p.reason})`)).join('; ')
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `node bench/run.js` (`npm run bench`). Do not edit by hand: rerun it. -->',
    '',
    'Measured figures only; every scenario ran in a fresh Node process, once per Node version',
    '(one after another, never at the same time). How each one measures is stated under its',
    'heading; the sources are in `bench/`.',
    '',
    table(['', ''], [
      ['Date', new Date().toISOString()],
      ['CPU', `${cpus[0]?.model ?? 'unknown'} (${cpus.length} logical cores)`],
      ['Memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ['OS', `${os.type()} ${os.release()} ${os.arch()}`],
      ['Node', nodes.map((n) => (n.machine ? `${n.label} (the machine's, V8 ${process.versions.v8})` : `${n.label} (npm registry)`)).join(', ')],
      ['Backends', backendText],
      ['Code', gitDescription()],
      ['Compile', tscErrors.length === 0 ? 'tsc -p tsconfig.bench.json: clean' : `tsc -p tsconfig.bench.json: ${tscErrors.length} type error(s), emitted code run anyway: ${tscErrors.slice(0, 3).join('; ')}${tscErrors.length > 3 ? '; …' : ''}`],
    ]),
    '',
    '## Targets',
    '',
  ]
  const targetRows = []
  for (const run of runs) {
    if (run.result === null) {
      targetRows.push([run.name, 'scenario ran to completion', run.node, 'all', run.failure, 'FAIL'])
      continue
    }
    for (const t of run.result.targets) targetRows.push([run.name, t.target, run.node, t.backend, t.measured, t.status === 'NOT RUN' ? 'NOT RUN' : `**${t.status}**`])
  }
  lines.push(targetRows.length === 0 ? '_No targets evaluated._' : table(['scenario', 'target', 'Node', 'backend', 'measured', 'result'], targetRows), '')
  const names = [...new Set(runs.map((r) => r.name))]
  for (const name of names) {
    const of = runs.filter((r) => r.name === name)
    const first = of.find((r) => r.result !== null)
    lines.push(`## ${name}${first ? `: ${first.result.title}` : ''}`, '')
    if (first) lines.push(first.result.method, '')
    for (const run of of) {
      if (run.result === null) {
        lines.push(`**Node ${run.node}: failed**: ${run.failure} (after ${run.seconds.toFixed(1)} s). No figures.`, '')
        continue
      }
      lines.push(`_Node ${run.node}: scenario wall time ${run.seconds.toFixed(1)} s._`, '')
      for (const t of run.result.tables) {
        lines.push(`### ${t.title} (Node ${run.node})`, '', t.rows.length === 0 ? '_No rows (no backend ran)._' : table(t.columns, t.rows), '')
      }
      if (run.result.notes.length > 0) lines.push(...run.result.notes.map((n) => `- Node ${run.node}: ${n}`), '')
    }
  }
  return `${lines.join('\n').trimEnd()}\n`
}

/** `--node <list>` and the scenario names. */
function parseArgs(argv) {
  const only = []
  let versions = null
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--node') {
      const list = argv[++i]
      if (list === undefined || list === '') throw new Error('--node needs a list: current, or versions such as 22.23.3,26.12.1')
      versions = list.split(',').map((v) => v.trim()).filter((v) => v !== '')
      for (const v of versions) if (v !== 'current' && !/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`--node: ${v} is not current or a version such as 22.23.3`)
    } else {
      only.push(argv[i])
    }
  }
  return { only, versions }
}

function main() {
  const { only, versions } = parseArgs(process.argv.slice(2))
  const whole = only.length === 0 && versions === null
  const tscErrors = compile()
  const nodes = nodesFor(versions ?? ['current', ...NODE_VERSIONS])
  const scenarios = scenarioFiles(only)
  const runs = nodes.flatMap((node) => scenarios.map((scenario) => runScenario(scenario, node)))
  const target = whole ? docPath : path.join(outDir, 'benchmarks.md')
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.writeFileSync(target, render(runs, nodes, tscErrors))
  fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(runs, null, 2)}\n`)
  process.stderr.write(`bench: wrote ${path.relative(root, target)}${whole ? '' : ' (a partial run; docs/benchmarks.md is left as it was)'}\n`)
  if (runs.some((r) => r.failure)) process.exitCode = 1
}

main()
