// Seed 003: the whole script is a macrotask; when the stack is empty
// every microtask runs (including ones queued by microtasks) before the
// next macrotask; a setTimeout inside a microtask is a new macrotask.
function log(s) { postMessage(s); }
log('script');
setTimeout(function () {
  log('timeout 1');
  Promise.resolve().then(function () { log('micro in timeout 1'); })
    .then(function () { log('micro 2 in timeout 1'); });
  queueMicrotask(function () { log('queued in timeout 1'); });
}, 0);
setTimeout(function () { log('timeout 2'); }, 0);
Promise.resolve().then(function () {
  log('micro 1');
  setTimeout(function () { log('timeout from micro'); }, 0);
  queueMicrotask(function () { log('micro from micro'); });
}).then(function () { log('micro 1 then'); });
queueMicrotask(function () { log('micro 2'); });
log('script end');
setTimeout(function () { close(); }, 30);
