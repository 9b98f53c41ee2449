// Seed 002, second puzzle: timers with microtasks inside them.
function log(s) { postMessage(s); }
log('1');
setTimeout(function () {
  log('2');
  Promise.resolve().then(function () { log('3'); });
  new Promise(function (resolve) { log('4'); resolve(); })
    .then(function () { log('5'); });
});
Promise.reject().then(function () { log('13'); }, function () {
  log('12'); });
new Promise(function (resolve) { log('7'); resolve(); })
  .then(function () { log('8'); });
setTimeout(function () {
  log('9');
  Promise.resolve().then(function () { log('10'); });
  new Promise(function (resolve) { log('11'); resolve(); })
    .then(function () { log('12'); });
});
setTimeout(function () { close(); }, 20);
