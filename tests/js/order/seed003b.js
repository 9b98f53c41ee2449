// Seed 003: a setTimeout delay is only a minimum; a due timer waits for
// the running code, and timers due together run in the order of the
// time they were due for, each followed by its microtasks.
function log(s) { postMessage(s); }
function busy(ms) { var end = Date.now() + ms; while (Date.now() < end) {} }
setTimeout(function () { log('10ms'); }, 10);
setTimeout(function () { log('5ms'); }, 5);
busy(30);
setTimeout(function () {
  log('0ms set after the busy wait');
  Promise.resolve().then(function () { log('its microtask'); });
}, 0);
Promise.resolve().then(function () { log('microtask before any timer'); });
log('script done');
setTimeout(function () { close(); }, 50);
