// node-shim.js: runs a tests/js/order script under Node 20 the way a wwd
// worker runs it, to make its expected output once (gen-expected.sh).
// postMessage prints one JSON line; close() lets the current task and
// its microtasks finish and drops every timer, like a closing worker.
'use strict';
const fs = require('fs');
const vm = require('vm');
let closed = false;
const timers = new Set();
const realSet = setTimeout, realInterval = setInterval;
const realClear = clearTimeout;
function wrap(fn, args, t) {
  return function () {
    if (closed) return;
    if (t && !t._repeat) timers.delete(t);
    if (typeof fn === 'string') vm.runInThisContext(fn);
    else fn.apply(global, args);
  };
}
global.self = global;
global.postMessage = (v) => process.stdout.write(JSON.stringify(v) + '\n');
// A closing worker's MessagePorts are closed too; Node would keep
// running while they are open.
const ports = [];
const RealChannel = global.MessageChannel;
global.MessageChannel = function MessageChannel() {
  const c = new RealChannel();
  ports.push(c.port1, c.port2);
  return c;
};
global.close = () => {
  closed = true;
  for (const t of timers) realClear(t);
  timers.clear();
  setImmediate(() => { for (const p of ports) p.close(); });
};
global.setTimeout = function (fn, ms, ...args) {
  const h = { _repeat: false };
  const t = realSet(wrap(fn, args, h), ms);
  timers.add(t); h.t = t;
  return t[Symbol.toPrimitive]();
};
global.setInterval = function (fn, ms, ...args) {
  const t = realInterval(wrap(fn, args, null), ms);
  timers.add(t);
  return t[Symbol.toPrimitive]();
};
global.clearTimeout = global.clearInterval = function (id) {
  for (const t of timers)
    if (t[Symbol.toPrimitive]() === id) { realClear(t); timers.delete(t); }
};
vm.runInThisContext(fs.readFileSync(process.argv[2], 'utf8'),
  { filename: process.argv[2] });
