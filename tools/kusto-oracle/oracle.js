#!/usr/bin/env node
// Differential-test oracle for the detections KQL engine.
//
// Runs Microsoft's own KQL parser and binder (Kusto.Language, npm @kusto/language-service-next) over
// queries and reports, per query: whether it parses, whether it is valid against a schema, the
// diagnostics, and the result columns the binder infers.
//
// Input (stdin): JSON Lines, one request per line:
//   {"id": any, "query": "KQL text", "schema": {"tables": {"T": {"Col": "string"}},
//                                              "functions": [{"name": "f", "params": "(x:string)", "body": "{ ... }"}]}}
// Output (stdout): one JSON line per request, in order:
//   {"id", "parses", "valid", "syntax": [diag], "semantic": [diag], "result": {"kind": "table", "columns": [{"name","type"}]}
//    | {"kind": "scalar", "type"} | null}
//   diag = {"code", "severity", "message", "start", "length"}; a bad request gives {"id", "error"}.
// `node oracle.js --self-test` checks three known answers and exits non-zero if one is wrong.
'use strict';

require('@kusto/language-service-next/bridge.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.js');

const Language = global.Kusto.Language;
const Symbols = Language.Symbols;
const globalsBySchema = new Map();

function schemaText(columns) {
  // {"Col": "type"} -> "(['Col']:type, ...)": bracketed names keep any character
  const parts = Object.entries(columns).map(([name, type]) => `['${name.replace(/'/g, "\\'")}']:${type}`);
  return `(${parts.join(', ')})`;
}

function globalsFor(schema) {
  const key = JSON.stringify(schema || {});
  let globals = globalsBySchema.get(key);
  if (globals) return globals;
  const members = [];
  for (const [name, columns] of Object.entries((schema && schema.tables) || {})) {
    members.push(new Symbols.TableSymbol.$ctor7(name, schemaText(columns), null));
  }
  for (const fn of (schema && schema.functions) || []) {
    members.push(new Symbols.FunctionSymbol.$ctor16(fn.name, fn.params, fn.body, null));
  }
  const database = new Symbols.DatabaseSymbol.ctor('detections', members);
  globals = Language.GlobalState.Default.WithDatabase(database);
  globalsBySchema.set(key, globals);
  return globals;
}

function diagnostic(d) {
  return { code: d.Code, severity: d.Severity, message: d.Message, start: d.Start, length: d.Length };
}

function resultOf(type) {
  if (!type) return null;
  if (global.Bridge.is(type, Symbols.TableSymbol)) {
    const columns = global.Bridge.toArray(type.Columns).map((c) => ({ name: c.Name, type: c.Type.Name }));
    return { kind: 'table', columns };
  }
  return { kind: 'scalar', type: type.Name };
}

function check(request) {
  const code = Language.KustoCode.ParseAndAnalyze(request.query, globalsFor(request.schema));
  const syntax = global.Bridge.toArray(code.GetSyntaxDiagnostics()).map(diagnostic);
  const seen = new Set(syntax.map((d) => `${d.code}@${d.start}`));
  const semantic = global.Bridge.toArray(code.GetDiagnostics())
    .map(diagnostic)
    .filter((d) => !seen.has(`${d.code}@${d.start}`));
  const isError = (d) => d.severity === 'Error';
  return {
    id: request.id,
    parses: !syntax.some(isError),
    valid: !syntax.some(isError) && !semantic.some(isError),
    syntax,
    semantic,
    result: resultOf(code.ResultType),
  };
}

function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    return { id: null, error: `bad JSON request: ${err.message}` };
  }
  try {
    return check(request);
  } catch (err) {
    return { id: request.id, error: String(err && err.message ? err.message : err) };
  }
}

function selfTest() {
  const schema = { tables: { T: { A: 'string', B: 'long' } } };
  const cases = [
    ['T | summarize count() by A', (r) => r.valid && r.result.columns.map((c) => c.name).join() === 'A,count_'],
    ['T | where A ==', (r) => !r.parses],
    ['T | where Missing > 1', (r) => r.parses && !r.valid],
  ];
  let failed = 0;
  for (const [query, ok] of cases) {
    const result = check({ id: query, query, schema });
    if (!ok(result)) {
      failed += 1;
      console.error(`FAILED: ${query}\n${JSON.stringify(result)}`);
    }
  }
  console.log(`${cases.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

function batch() {
  const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
  const out = lines.map((line) => JSON.stringify(answer(line)));
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
}

if (process.argv.includes('--self-test')) selfTest();
else batch();
