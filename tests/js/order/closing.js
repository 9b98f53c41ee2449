// close() inside a microtask: the rest of this checkpoint still runs,
// messages posted before the end are delivered, timers are dropped.
function log(s) { postMessage(s); }
setTimeout(function () { log('timer dropped'); }, 0);
Promise.resolve().then(function () {
  log('m1');
  close();
  log('after close');
  queueMicrotask(function () { log('queued after close'); });
}).then(function () { log('m2'); });
queueMicrotask(function () { log('m3'); });
log('sync');
