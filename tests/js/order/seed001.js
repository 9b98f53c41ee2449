// Seed 001: a timer, a promise resolved from a timer, and a long loop.
function log(s) { postMessage(s); }
setTimeout(function () { log('11111'); }, 0);
var promise = new Promise(function (resolve) {
  setTimeout(function () { resolve(); log('22222'); }, 0);
  log('promise');
}).then(function () { log('success'); });
log('33333');
for (var i = 0; i < 5; i++) log(i);
setTimeout(function () { close(); }, 10);
