// Timers: extra arguments, string handlers, one id space, unknown ids,
// odd delays, order of equal delays, an interval cleared by itself,
// microtasks nested in timers, errors in then-callbacks.
function log(s) { postMessage(s); }
setTimeout(function (a, b) { log('args ' + a + b); }, 0, 'x', 'y');
setTimeout("postMessage('string handler')", 0);
var t = setTimeout(function () { log('never'); }, 0);
clearInterval(t);
clearTimeout(123456); clearTimeout('nope'); clearTimeout();
setTimeout(function () { log('negative'); }, -5);
setTimeout(function () { log('NaN'); }, NaN);
setTimeout(function () { log('2^32+1 wraps to 1'); }, 4294967297);
for (var i = 0; i < 5; i++)
  setTimeout(function (n) { log('same ' + n); }, 1, i);
setTimeout(function () {
  Promise.resolve().then(function () {
    log('micro 1');
    queueMicrotask(function () { log('nested micro'); });
    setTimeout(function () { log('timer from micro'); startInterval(); }, 0);
  }).then(function () { log('micro 2'); });
  log('timer body');
}, 1);
Promise.resolve().then(function () { throw new Error('in then'); })
  .then(function () { log('skipped'); }, function (e) { log('got ' + e.message); });
function startInterval() {
var n = 0, iv = setInterval(function () {
  n++;
  log('interval ' + n);
  Promise.resolve().then(function () { log('micro in interval ' + n); });
  if (n === 3) { clearInterval(iv); setTimeout(close, 0); }
}, 1);
}

