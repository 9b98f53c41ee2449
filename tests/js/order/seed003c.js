// Seed 003: setInterval is a macrotask each time; microtasks queued in
// one tick run before the next; clearInterval in the third tick stops it
// even with a timeout of the same delay queued between ticks.
function log(s) { postMessage(s); }
var n = 0;
var id = setInterval(function () {
  n++;
  log('tick ' + n);
  Promise.resolve(n).then(function (v) { log('after tick ' + v); });
  if (n === 3) {
    clearInterval(id);
    setTimeout(function () { log('after clear'); close(); }, 25);
  }
}, 10);
setTimeout(function () { log('timeout 15'); }, 15);
