// Loads a trace with Chrome DevTools' own trace parser (SDK.TracingModel of
// chrome-devtools-frontend, through devtools-timeline-model's sandbox) and
// prints what it understood. Any console.error from the parser is a failure.
const fs = require('fs');
const vm = require('vm');
const path = require('path');
const dir = path.dirname(require.resolve('devtools-timeline-model'));
const errors = [];
const cons = Object.assign({}, console, {error: (...a) => errors.push(a.join(' ')), warn: (...a) => errors.push(a.join(' '))});
const ctx = vm.createContext({require, global, console: cons, __dirname: dir});
new vm.Script(fs.readFileSync(dir + '/lib/timeline-model.js', 'utf8')).runInContext(ctx);
const trace = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const tm = vm.runInContext('new SDK.TracingModel(new Bindings.TempFileBackingStorage("tracing"))', ctx);
tm.setEventsForTest(trace.traceEvents);
const out = {processes: [], threads: 0, slices: 0, instants: 0, flowEvents: 0, errors};
for (const p of tm.sortedProcesses()) {
  out.processes.push(p.name());
  for (const t of p.sortedThreads()) {
    out.threads++;
    for (const e of t.events()) {
      if (e.phase === 'X') out.slices++;
      if (e.phase === 'i' || e.phase === 'I') out.instants++;
    }
  }
}
if (typeof tm.flowEvents === 'function') out.flowEvents = tm.flowEvents().length;
console.log(JSON.stringify(out));
